"""The card call center's calls (別紙④ 第2条(1)): each call recorded with its type ア–オ, with
or without the target it was about (an inquiry about the scheme names nobody)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.cards.choices import CallType, Channel
from civicdesk.cards.models import CardCall

# A call reaches the center by phone or by FAX; the web and the ward's desk are not calls.
CALL_CHANNELS = (Channel.PHONE, Channel.FAX)
NOTE_MAX = 500


class CallError(ValidationError):
    """A call that cannot be recorded (message in Japanese)."""


def record_call(
    *, acting_user, municipality, call_type: str, target=None, channel: str, note: str = ""
) -> CardCall:
    """Record one call of ``acting_user`` (the operator) of type ア–オ."""
    errors = {}
    if call_type not in CallType.values:
        errors["call_type"] = "通話の種別（ア〜オ）を選んでください。"
    if channel not in CALL_CHANNELS:
        errors["channel"] = "経路は電話またはFAXです。"
    if len(note) > NOTE_MAX:
        errors["note"] = f"応対メモは{NOTE_MAX}文字以内です（{len(note)}文字）。"
    if target is not None and target.municipality_id != municipality.pk:
        errors["target"] = "この交付対象者は別の自治体の方です。"
    if errors:
        raise CallError(errors)
    with transaction.atomic():
        call = CardCall.objects.create(
            municipality=municipality,
            operator=acting_user,
            call_type=call_type,
            channel=channel,
            target=target,
            note=note.strip(),
        )
        if target is not None:
            record_access(
                acting_user=acting_user,
                action=AccessAction.CREATE,
                obj=target,
                fields=["通話の種別", "応対メモ"],
                reason=f"コールセンター受電の記録（{CallType(call_type).label}）",
            )
    return call
