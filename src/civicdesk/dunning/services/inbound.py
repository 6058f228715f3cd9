"""Inbound calls (受電): the PBX announces a caller, the operator takes the call.

The PBX/CTI posts the caller's number (api.py); CivicDesk finds the obligors with that number
and pops them on the 受電 page of the operator the PBX named (or of every operator on duty).
An operator may also record a call the PBX did not announce (a number withheld, a PBX down).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.audit.services import record_access
from civicdesk.core.japanese import format_phone, normalize_phone
from civicdesk.core.models import Municipality
from civicdesk.dunning.models import InboundCall
from civicdesk.dunning.selectors.inbound import calls_for
from civicdesk.receivables.selectors.obligors import obligors_for
from civicdesk.registry.models import Obligor, Phone, PhoneStatus

# The access log names the PBX when it is the one writing (no signed-in user).
PBX_ACTOR = "PBX"
TAKE_PERMISSION = "dunning.add_contact"
CALLER_DISPLAY_MAX = InboundCall._meta.get_field("caller_display").max_length


def announce_inbound_call(
    *, caller: str, operator_username: str | None = None, municipality=None, now=None
) -> InboundCall:
    """Store a call the PBX announced, with the obligors who have that number.

    A number that is not a Japanese number (非通知, a foreign number) is kept as typed in
    ``caller_display`` with ``caller`` empty, and matches nobody. A number marked 別人 (wrong
    person) on an obligor does not pop that obligor. Raises ValidationError (field
    ``operator``) for an unknown operator: the PBX is misconfigured and should be told.
    """
    now = now or timezone.now()
    municipality = municipality or Municipality.objects.default()
    if municipality is None:
        raise ValidationError("自治体が設定されていません。")
    operator = None
    if operator_username:
        operator = (
            get_user_model()
            .objects.filter(username=operator_username, is_active=True)
            .filter(Q(municipality=municipality) | Q(municipality__isnull=True))
            .first()
        )
        if operator is None:
            raise ValidationError({"operator": "該当する応答者（ユーザー名）がいません。"})
    number, display = _parse_caller(caller)
    with transaction.atomic():
        call = InboundCall.objects.create(
            municipality=municipality,
            caller=number,
            caller_display=display,
            received_at=now,
            operator=operator,
        )
        if number:
            owners = (
                Phone.objects.filter(number=number, obligor__municipality=municipality)
                .exclude(status=PhoneStatus.WRONG_PERSON)
                .values_list("obligor_id", flat=True)
                .distinct()
            )
            call.matches.set(list(owners))
        record_access(
            acting_user=None,
            username=PBX_ACTOR,
            action=AccessAction.CREATE,
            obj=call,
            fields=["phone"],
            reason=f"受電通知（該当 {call.matches.count()} 件）",
        )
    return call


def _parse_caller(caller: str) -> tuple[str, str]:
    typed = (caller or "").strip()[:CALLER_DISPLAY_MAX]
    try:
        return normalize_phone(typed), format_phone(typed)
    except ValueError:
        return "", typed


def take_inbound_call(*, acting_user, call: InboundCall, now=None) -> InboundCall:
    """The user answers the call: it stops popping for everyone else.

    Taking a call one already took is harmless; a call someone else took raises
    ValidationError naming who.
    """
    if not acting_user.has_perm(TAKE_PERMISSION):
        raise PermissionDenied("受電に対応する権限がありません。")
    with transaction.atomic():
        locked = calls_for(acting_user).select_for_update().filter(pk=call.pk).first()
        if locked is None:
            raise InboundCall.DoesNotExist
        if locked.taken_by_id and locked.taken_by_id != acting_user.pk:
            raise ValidationError(f"この受電は既に{locked.taken_by}さんが対応しています。")
        if not locked.taken_by_id:
            locked.taken_by = acting_user
            locked.taken_at = now or timezone.now()
            locked.save(update_fields=["taken_by", "taken_at"])
            record_access(
                acting_user=acting_user,
                action=AccessAction.CHANGE,
                obj=locked,
                reason="受電対応開始",
            )
    return locked


def record_inbound_call(*, acting_user, obligor: Obligor, now=None) -> InboundCall:
    """An inbound call the PBX did not announce, already taken by the user, for this obligor."""
    if not acting_user.has_perm(TAKE_PERMISSION):
        raise PermissionDenied("受電を記録する権限がありません。")
    if not obligors_for(acting_user).filter(pk=obligor.pk).exists():
        raise Obligor.DoesNotExist("納付義務者が見つかりません。")
    now = now or timezone.now()
    with transaction.atomic():
        call = InboundCall.objects.create(
            municipality_id=obligor.municipality_id,
            caller="",
            caller_display="",
            received_at=now,
            operator=acting_user,
            taken_by=acting_user,
            taken_at=now,
        )
        call.matches.set([obligor])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=call,
            fields=["resident_no"],
            reason="受電記録（PBX通知なし）",
        )
    return call


def record_pops_shown(*, acting_user, pops) -> int:
    """Log, once per user and call, that a pop showed its matches (the page polls every 3 s).

    Returns how many entries were written.
    """
    shown = list(pops)
    if not shown:
        return 0
    label = InboundCall._meta.label_lower
    with transaction.atomic():
        logged = set(
            AccessLogEntry.objects.filter(
                object_type=label,
                object_id__in=[str(pop.call.pk) for pop in shown],
                actor=acting_user,
                action=AccessAction.VIEW,
            ).values_list("object_id", flat=True)
        )
        written = 0
        for pop in shown:
            if str(pop.call.pk) in logged:
                continue
            record_access(
                acting_user=acting_user,
                action=AccessAction.VIEW,
                obj=pop.call,
                fields=pop.fields_shown,
                reason=f"受電ポップアップ（候補 {len(pop.obligors)} 件）",
            )
            written += 1
    return written
