"""The center's daily reconciliation (§2, 別紙⑥ 2(1)②③): the day closes when every figure
agrees, or when someone has written down why it does not. The figures are the selector's
(selectors.logistics.reconciliation); the close keeps them as they were at the close."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.cards.models import ReconciliationClose
from civicdesk.cards.selectors.logistics import reconciliation
from civicdesk.core.calendar import TOKYO
from civicdesk.core.models import Municipality

CLOSE = "cards.add_reconciliationclose"
UNEXPLAINED = "差異があります。説明を記入してください（{count}件: {labels}）。"
ALREADY_CLOSED = "{day}の突合は締め済みです。"


def may_close_reconciliation(user) -> bool:
    if user is None:
        return True
    return bool(getattr(user, "is_authenticated", False)) and user.has_perm(CLOSE)


def close_reconciliation(
    *, acting_user, municipality, day: dt.date, explanation: str = ""
) -> ReconciliationClose:
    """Close ``day``'s reconciliation; refused while a difference is unexplained."""
    if not may_close_reconciliation(acting_user):
        raise PermissionDenied("突合の日締めを行う権限がありません。")
    municipality_id = getattr(municipality, "pk", municipality)
    explanation = (explanation or "").strip()
    now = timezone.now()
    if day > now.astimezone(TOKYO).date():
        raise ValidationError({"day": "まだ来ていない日は締められません。"})
    with transaction.atomic():
        # Receipts and transfers take the same lock: the figures cannot move under the close.
        Municipality.objects.select_for_update().filter(pk=municipality_id).first()
        figures = reconciliation(municipality_id, day)
        if figures.close is not None:
            raise ValidationError({"day": ALREADY_CLOSED.format(day=day)})
        if figures.differences and not explanation:
            labels = "、".join(difference.label for difference in figures.differences)
            raise ValidationError(
                {"explanation": UNEXPLAINED.format(count=len(figures.differences), labels=labels)}
            )
        try:
            with transaction.atomic():
                closed = ReconciliationClose.objects.create(
                    municipality_id=municipality_id,
                    date=day,
                    notices_received=figures.notices_received,
                    notices_mailed=figures.notices_mailed,
                    notices_pending=figures.notices_pending,
                    cards_received=figures.cards_received,
                    cards_transferred=figures.cards_transferred,
                    cards_in_stock=figures.cards_in_stock,
                    explanation=explanation,
                    closed_at=now,
                    closed_by=acting_user,
                )
        except IntegrityError:
            raise ValidationError({"day": ALREADY_CLOSED.format(day=day)}) from None
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=closed,
            reason=f"突合の日締め {day}（差異 {len(figures.differences)}件）",
        )
    return closed
