"""Opt-outs (受信拒否) staff and supervisors record by hand: a person asked on the phone or at
the counter to get no SMS. Replies with a stop word opt out by themselves (services.replies).

A number is stored once per municipality in E.164, with its national display; batches leave
it out (selectors.batches). Removing an opt-out lets SMS reach the number again.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.japanese import era_date, format_phone, normalize_phone
from civicdesk.core.models import Municipality
from civicdesk.sms.choices import OptOutSource
from civicdesk.sms.models import OptOut
from civicdesk.sms.selectors.optouts import may_change_opt_outs

NOTE_MAX = OptOut._meta.get_field("note").max_length
DUPLICATE = "この番号は既に受信拒否に登録されています。"


def _require(user) -> None:
    if not may_change_opt_outs(user):
        raise PermissionDenied("受信拒否を登録・解除する権限がありません。")


def add_opt_out(*, acting_user, number: str, note: str = "") -> OptOut:
    """Opt a number out; a Japanese number in any notation (090-1234-5678, ０９０…, +81 90…)."""
    _require(acting_user)
    municipality_id = Municipality.objects.id_for_user(acting_user)
    e164, display, note = _checked(municipality_id, number, note)
    with transaction.atomic():
        try:
            with transaction.atomic():
                opt_out = OptOut.objects.create(
                    municipality_id=municipality_id,
                    number=e164,
                    display=display,
                    source=OptOutSource.STAFF,
                    note=note,
                    created_by=acting_user,
                )
        except IntegrityError:  # the same number, added at the same moment by someone else
            raise ValidationError({"number": [DUPLICATE]}) from None
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=opt_out,
            fields=["phone"],
            reason="受信拒否の登録",
        )
    return opt_out


def _checked(municipality_id, number: str, note: str) -> tuple[str, str, str]:
    """(E.164, display, note), or a ValidationError naming every problem."""
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    e164 = display = ""
    try:
        e164, display = normalize_phone(number or ""), format_phone(number or "")
    except ValueError:
        errors["number"] = ["電話番号として正しくありません（例: 090-1234-5678）。"]
    if len(note) > NOTE_MAX:
        errors["note"] = [f"備考は {NOTE_MAX} 文字以内で入力してください。"]
    if e164:
        existing = OptOut.objects.filter(municipality_id=municipality_id, number=e164).first()
        if existing is not None:
            errors["number"] = [_duplicate_message(existing)]
    if errors:
        raise ValidationError(errors)
    return e164, display, note


def _duplicate_message(existing: OptOut) -> str:
    return f"{DUPLICATE[:-1]}（{era_date(existing.created_at)}・{existing.get_source_display()}）。"


def remove_opt_out(*, acting_user, opt_out: OptOut) -> None:
    """Let SMS reach the number again. The opt-out must be of the user's municipality."""
    _require(acting_user)
    municipality_id = Municipality.objects.id_for_user(acting_user)
    with transaction.atomic():
        locked = (
            OptOut.objects.select_for_update()
            .filter(pk=opt_out.pk, municipality_id=municipality_id)
            .first()
        )
        if locked is None:
            raise OptOut.DoesNotExist
        record_access(
            acting_user=acting_user,
            action=AccessAction.DELETE,
            obj=locked,
            fields=["phone"],
            reason=f"受信拒否の解除（{locked.get_source_display()}）",
        )
        locked.delete()
