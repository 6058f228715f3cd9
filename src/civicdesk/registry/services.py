"""State changes of the registry, one function per use case: each runs in one transaction and
writes its own access-log entry. The apps above change obligors' phones through these
functions, never by writing registry rows themselves."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.japanese import format_phone, normalize_phone, phone_kind
from civicdesk.registry.models import Obligor, Phone, PhoneSource, PhoneStatus
from civicdesk.registry.selectors import scope_for

COLLECTED_REASON = "折衝中に聴取した電話番号（センター収集）"


def collected_number(*, acting_user, obligor: Obligor, number: str) -> str:
    """The number as it would be stored (E.164), or "" when there is nothing to store (no
    input, or the obligor already has it).

    Raises ValidationError({"number": …}) in Japanese when the user may not record phone
    numbers (field policy, seed 001 《委託先に収集させる項目》) or the text is no phone
    number. A page checks its input with this before anything is written.
    """
    text = (number or "").strip()
    if not text:
        return ""
    scope = scope_for(acting_user)
    if scope is None or not scope.may_collect("phone"):
        raise ValidationError({"number": "電話番号を登録する権限がありません。"})
    try:
        e164 = normalize_phone(text)
    except ValueError:
        raise ValidationError(
            {"number": f"「{text}」は電話番号として正しくありません（例: 090-1234-5678）。"}
        ) from None
    if Phone.objects.filter(obligor=obligor, number=e164).exists():
        return ""
    return e164


def add_collected_phone(
    *, acting_user, obligor: Obligor, number: str, reason: str = COLLECTED_REASON
) -> Phone | None:
    """Store a number the center learnt from the person (source センター収集) and log it.

    ``number`` as typed or in E.164. None when there is nothing to store (``collected_number``);
    ValidationError as there. Whether the user may see this obligor at all is the caller's
    question (it needs the obligor's accounts).
    """
    e164 = collected_number(acting_user=acting_user, obligor=obligor, number=number)
    if not e164:
        return None
    with transaction.atomic():
        phone, created = Phone.objects.get_or_create(
            obligor=obligor,
            number=e164,
            defaults={
                "display": format_phone(e164),
                "kind": phone_kind(e164),
                "source": PhoneSource.COLLECTED,
            },
        )
        if not created:  # stored by someone else a moment ago
            return None
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=phone,
            fields=["phone"],
            reason=reason,
        )
    return phone


def record_phone_outcome(
    *,
    acting_user,
    phone_id: int,
    outcome: str,
    outcome_label: str,
    at: dt.datetime,
    status: PhoneStatus | str | None = None,
) -> Phone:
    """The outcome of the last call on a number (``outcome`` as the caller's app names it), and
    the number's status when the call told it (不通・無効, 別人, or 有効 when someone answered).

    The row is locked while it changes; a status change is logged (``outcome_label`` is the
    reason), the outcome alone is not: it says nothing about the person.
    """
    if status is not None and status not in PhoneStatus.values:
        raise ValueError(f"unknown phone status: {status!r}")
    with transaction.atomic():
        phone = Phone.objects.select_for_update(of=("self",)).get(pk=phone_id)
        phone.last_outcome = outcome
        phone.last_outcome_at = at
        fields = ["last_outcome", "last_outcome_at"]
        if status is not None and status != phone.status:
            phone.status = status
            fields.append("status")
        phone.save(update_fields=fields)
        if "status" in fields:
            record_access(
                acting_user=acting_user,
                action=AccessAction.CHANGE,
                obj=phone,
                fields=["phone"],
                reason=f"架電結果: {outcome_label}",
            )
    return phone
