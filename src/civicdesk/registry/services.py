"""State changes of the registry, one function per use case: each runs in one transaction and
writes its own access-log entry. The apps above change obligors' phones through these
functions, never by writing registry rows themselves."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.japanese import format_phone, normalize_phone, phone_kind
from civicdesk.registry.models import Obligor, Phone, PhoneSource
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
