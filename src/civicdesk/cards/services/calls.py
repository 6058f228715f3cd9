"""The card call center's calls (別紙④ 第2条(1)): each call recorded with its type ア–オ, with
or without the target it was about (an inquiry about the scheme names nobody); finding the
caller's target (by 予約管理番号, or name + birth date: logged as a search and as a 検索 event
of each target found); and a call that books, changes or cancels, recorded with what it did in
one transaction (a refused booking records no call: the operator fixes it and sends again).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.cards.choices import CallType, Channel, TargetEventKind
from civicdesk.cards.models import CardCall, CardTarget, Slot, TargetEvent
from civicdesk.cards.selectors import reservations as selectors
from civicdesk.cards.services import reservations

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


# --- Finding the caller ------------------------------------------------------------------------


def find_targets(
    *,
    acting_user,
    reservation_no: str = "",
    name: str = "",
    birth_date: dt.date | None = None,
) -> list[CardTarget]:
    """The targets of the user's municipality matching the 予約管理番号, or else the name (or
    kana) and birth date. Every search is in the access log; a name + birth-date search also
    leaves a 検索 event on each target found (who looked them up without their number)."""
    if not selectors.may_use_call_center(acting_user):
        raise PermissionDenied("交付対象者を検索する権限がありません。")
    with transaction.atomic():
        if reservation_no.strip():
            found = selectors.find_by_reservation_no(acting_user, reservation_no)
            targets = [found] if found else []
            how = "予約管理番号"
        elif name.strip() and birth_date is not None:
            targets = selectors.find_by_name_and_birth(acting_user, name, birth_date)
            how = "氏名・生年月日"
            TargetEvent.objects.bulk_create(
                TargetEvent(
                    target=target,
                    kind=TargetEventKind.LOOKED_UP,
                    by=acting_user,
                    channel=Channel.PHONE,
                )
                for target in targets
            )
        else:
            raise CallError({"__all__": "予約管理番号、または氏名と生年月日を入力してください。"})
        record_access(
            acting_user=acting_user,
            action=AccessAction.SEARCH,
            fields=selectors.CALL_CENTER_FIELDS if targets else [],
            reason=f"コールセンター 交付対象者の検索（{how}、{len(targets)}件）",
        )
    return targets


# --- A call that books, changes or cancels ------------------------------------------------------

BOOK, CANCEL = "book", "cancel"


def take_call(
    *,
    acting_user,
    target: CardTarget,
    action: str,
    channel: str,
    call_type: str,
    slot: Slot | None = None,
    note: str = "",
) -> CardCall:
    """One call about ``target``: ``book`` (a new reservation, or a change of the active one to
    ``slot``) or ``cancel`` the active one, through the phone or FAX, and the call recorded with
    its type. All or nothing."""
    if channel not in CALL_CHANNELS:
        raise CallError({"channel": "経路は電話またはFAXです。"})
    with transaction.atomic():
        active = selectors.active_reservation(target)
        if action == BOOK:
            if slot is None:
                raise CallError({"slot": "予約枠を選んでください。"})
            if active is None:
                reservations.book(
                    acting_user=acting_user, target=target, slot=slot, channel=channel
                )
            else:
                reservations.change(
                    acting_user=acting_user, reservation=active, slot=slot, channel=channel
                )
        elif action == CANCEL:
            if active is None:
                raise CallError({"__all__": "この方には取り消す予約がありません。"})
            reservations.cancel(acting_user=acting_user, reservation=active, channel=channel)
        else:
            raise CallError({"__all__": f"操作が不正です: {action}"})
        return record_call(
            acting_user=acting_user,
            municipality=target.municipality,
            call_type=call_type,
            target=target,
            channel=channel,
            note=note,
        )
