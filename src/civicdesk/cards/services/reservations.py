"""Reservations (交付予約) through every channel: book, change, cancel, no-shows, attendance.

Seats: a booking takes a seat of its channel's pool (cards.choices.POOL_OF_CHANNEL) with one
conditional UPDATE that checks and takes at once (``booked < capacity`` in the WHERE clause),
so two residents racing for the last seat cannot both get it, on SQLite or PostgreSQL; the
slot's check constraints back this up. A change takes the new seat first, then gives the old
one back (locking the reservation, then both slots in key order, so that changes racing each
other cannot deadlock); a cancel gives it back. A reservation moves (change, cancel, no-show,
attendance) with an UPDATE conditioned on its state, so two moves racing each other cannot
both succeed (and a seat is never given back twice).

One active reservation per target is a database constraint (cards_one_active_reservation): a
double submit gives one reservation and a clear error.

The target's status: RESERVED while it has an active reservation. On cancel it goes back to
what the target's own facts say it was before (``status_without_reservation``): 通知再発行
when a reissue postcard went out, 未受領 after a no-show, 発送済 once the letter was mailed
(its mailing or a 発送 event), else 交付通知書受領.

Logging: a staff user's move writes an access-log entry; a resident's web move (acting_user
None) writes none (no user to name) and logs to ``civicdesk.cards.public`` the action, the
reservation id and the slot id only — no personal data in the server logs.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.cards.choices import (
    CLOSED_TARGET_STATUSES,
    POOL_OF_CHANNEL,
    Channel,
    ReservationStatus,
    TargetEventKind,
    TargetStatus,
)
from civicdesk.cards.models import CardTarget, Reservation, Slot, TargetEvent
from civicdesk.cards.selectors.slots import (
    tokyo_date,
    web_cutoff_days,
    web_may_book,
    web_may_change,
    web_window,
)
from civicdesk.core.calendar import TOKYO, day_bounds
from civicdesk.core.japanese import era_date

public_log = logging.getLogger("civicdesk.cards.public")

FULL = "この枠は満席です。別の枠を選んでください。"
ALREADY = "すでに予約があります。予約の変更または取消をご利用ください。"
CLOSED = "交付済み・転出・交付不可の方は予約できません。"
PAST = "過ぎた枠は予約できません。"
NOT_ACTIVE = "この予約は予約中ではありません（取消・来場・不来場の記録済み）。"
RESERVATION_FIELDS = ["予約管理番号", "予約枠", "経路"]


class ReservationError(ValidationError):
    """A booking, change or cancel that the rules refuse (message in Japanese)."""


def _actor(acting_user):
    return acting_user if getattr(acting_user, "is_authenticated", False) else None


def _pool(channel: str) -> str:
    try:
        return POOL_OF_CHANNEL[Channel(channel)]
    except ValueError:
        raise ReservationError({"channel": f"経路が不正です: {channel}"}) from None


# --- Rules -------------------------------------------------------------------------------------


def _check_target(target: CardTarget) -> None:
    if target.status in CLOSED_TARGET_STATUSES:
        raise ReservationError({"target": CLOSED})


def _check_slot(target: CardTarget, slot: Slot, channel: str, now: dt.datetime) -> None:
    if slot.venue_id != target.venue_id:
        raise ReservationError({"slot": f"予約できるのは{target.venue.name}の枠のみです。"})
    if slot.starts_at <= now:
        raise ReservationError({"slot": PAST})
    if channel == Channel.WEB and not web_may_book(slot, now):
        first, last = web_window(now)
        raise ReservationError(
            {
                "slot": "WEBで予約できるのは"
                f"{era_date(first)}から{era_date(last)}までの枠です。"
                "それ以外の日はコールセンターにお電話ください。"
            }
        )


def _check_web_cutoff(reservation: Reservation, channel: str, now: dt.datetime) -> None:
    if channel == Channel.WEB and not web_may_change(reservation.slot, now):
        raise ReservationError(
            {
                "slot": f"WEBでの変更・取消は予約日の{web_cutoff_days()}日前までです。"
                "コールセンターにお電話ください。"
            }
        )


# --- Seats -------------------------------------------------------------------------------------


def _take_seat(slot: Slot, pool: str) -> None:
    """Check and take one seat in one statement: 0 rows changed means the pool is full."""
    taken = Slot.objects.filter(pk=slot.pk, **{f"booked_{pool}__lt": F(f"capacity_{pool}")}).update(
        **{f"booked_{pool}": F(f"booked_{pool}") + 1}
    )
    if not taken:
        raise ReservationError({"slot": FULL})


def _lock_slots(*slot_ids: int) -> None:
    """Row locks on PostgreSQL, taken in key order (SQLite serialises writers anyway)."""
    list(
        Slot.objects.select_for_update()
        .filter(pk__in=set(slot_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _give_back_seat(slot_id: int, pool: str) -> None:
    Slot.objects.filter(pk=slot_id, **{f"booked_{pool}__gt": 0}).update(
        **{f"booked_{pool}": F(f"booked_{pool}") - 1}
    )


# --- Status and records ----------------------------------------------------------------------


def status_without_reservation(target: CardTarget) -> str:
    """The status a target returns to when its reservation is cancelled (module docstring),
    from its mailings and its events: the furthest step reached on the way to a booking."""
    kinds = set(target.events.values_list("kind", flat=True))
    if target.reissued_in_id or TargetEventKind.NOTICE_REISSUED in kinds:
        return TargetStatus.NOTICE_REISSUED
    if kinds & {TargetEventKind.NO_SHOW, TargetEventKind.UNCOLLECTED}:
        return TargetStatus.UNCOLLECTED
    if target.mailed_in_id or TargetEventKind.MAILED in kinds:
        return TargetStatus.MAILED
    return TargetStatus.NOTICE_RECEIVED


def _set_status(target: CardTarget, status: str) -> None:
    CardTarget.objects.filter(pk=target.pk).update(status=status, updated_at=timezone.now())
    target.status = status


def _event(target, kind, *, acting_user, channel="", venue=None, note="") -> None:
    TargetEvent.objects.create(
        target=target,
        kind=kind,
        by=_actor(acting_user),
        channel=channel,
        venue=venue,
        note=note,
    )


def _record(acting_user, action, reservation: Reservation, reason: str) -> None:
    if _actor(acting_user) is None:
        public_log.info(
            "reservation %s: id=%s slot=%s", action, reservation.pk, reservation.slot_id
        )
        return
    record_access(
        acting_user=acting_user,
        action=AccessAction.CHANGE if action != "book" else AccessAction.CREATE,
        obj=reservation.target,
        fields=RESERVATION_FIELDS,
        reason=reason,
    )


def _when(slot: Slot) -> str:
    local = slot.starts_at.astimezone(TOKYO)
    return f"{era_date(local.date())} {local:%H:%M}"


def has_active_reservation(target: CardTarget) -> bool:
    """The early, friendly check; the database constraint decides when two submits race."""
    return Reservation.objects.filter(target=target, status=ReservationStatus.BOOKED).exists()


# --- Use cases ---------------------------------------------------------------------------------


def book(
    *,
    acting_user,
    target: CardTarget,
    slot: Slot,
    channel: str,
    contact_email: str = "",
    contact_phone: str = "",
    now: dt.datetime | None = None,
) -> Reservation:
    """Book ``slot`` for ``target`` through ``channel`` (web: acting_user None)."""
    now = now or timezone.now()
    pool = _pool(channel)
    _check_target(target)
    _check_slot(target, slot, channel, now)
    if has_active_reservation(target):
        raise ReservationError({"target": ALREADY})
    with transaction.atomic():
        _take_seat(slot, pool)
        try:
            with transaction.atomic():
                reservation = Reservation.objects.create(
                    target=target,
                    slot=slot,
                    channel=channel,
                    contact_email=contact_email,
                    contact_phone=contact_phone,
                    booked_by=_actor(acting_user),
                )
        except IntegrityError:
            # A double submit: the other request made the reservation; this one's seat goes
            # back with the outer transaction.
            raise ReservationError({"target": ALREADY}) from None
        _set_status(target, TargetStatus.RESERVED)
        _event(
            target,
            TargetEventKind.RESERVED,
            acting_user=acting_user,
            channel=channel,
            venue=slot.venue,
            note=_when(slot),
        )
        _record(acting_user, "book", reservation, f"交付予約（{Channel(channel).label}）")
    return reservation


def change(
    *,
    acting_user,
    reservation: Reservation,
    slot: Slot,
    channel: str,
    now: dt.datetime | None = None,
) -> Reservation:
    """Move an active reservation to ``slot``; the seat comes from ``channel``'s pool and the
    reservation takes that channel (the seat it holds is always its channel's)."""
    now = now or timezone.now()
    target = reservation.target
    new_pool = _pool(channel)
    if reservation.status != ReservationStatus.BOOKED:
        raise ReservationError({"reservation": NOT_ACTIVE})
    if slot.pk == reservation.slot_id and channel == reservation.channel:
        raise ReservationError({"slot": "現在の予約と同じ枠です。別の枠を選んでください。"})
    _check_target(target)
    _check_web_cutoff(reservation, channel, now)
    _check_slot(target, slot, channel, now)
    old_slot_id, old_pool = reservation.slot_id, _pool(reservation.channel)
    with transaction.atomic():
        # The reservation first, then both slots in key order: every move locks rows in the
        # same order (reservation, slots by pk), so two changes swapping slots cannot deadlock.
        moved = Reservation.objects.filter(
            pk=reservation.pk,
            status=ReservationStatus.BOOKED,
            slot_id=old_slot_id,
            channel=reservation.channel,
        ).update(slot=slot, channel=channel)
        if not moved:
            raise ReservationError({"reservation": "この予約は他の操作で変更されました。"})
        _lock_slots(old_slot_id, slot.pk)
        _take_seat(slot, new_pool)
        _give_back_seat(old_slot_id, old_pool)
        reservation.slot, reservation.channel = slot, channel
        _event(
            target,
            TargetEventKind.CHANGED,
            acting_user=acting_user,
            channel=channel,
            venue=slot.venue,
            note=_when(slot),
        )
        _record(acting_user, "change", reservation, f"交付予約の変更（{Channel(channel).label}）")
    return reservation


def cancel(
    *,
    acting_user,
    reservation: Reservation,
    channel: str,
    now: dt.datetime | None = None,
) -> Reservation:
    """Cancel an active reservation and give its seat back."""
    now = now or timezone.now()
    _pool(channel)
    if reservation.status != ReservationStatus.BOOKED:
        raise ReservationError({"reservation": NOT_ACTIVE})
    _check_web_cutoff(reservation, channel, now)
    target = reservation.target
    ended_at = timezone.now()
    with transaction.atomic():
        ended = Reservation.objects.filter(
            pk=reservation.pk, status=ReservationStatus.BOOKED
        ).update(
            status=ReservationStatus.CANCELLED, ended_at=ended_at, ended_by=_actor(acting_user)
        )
        if not ended:
            raise ReservationError({"reservation": NOT_ACTIVE})
        _give_back_seat(reservation.slot_id, _pool(reservation.channel))
        reservation.status = ReservationStatus.CANCELLED
        reservation.ended_at, reservation.ended_by = ended_at, _actor(acting_user)
        if target.status not in CLOSED_TARGET_STATUSES:
            _set_status(target, status_without_reservation(target))
        _event(
            target,
            TargetEventKind.CANCELLED,
            acting_user=acting_user,
            channel=channel,
            venue=reservation.slot.venue,
            note=_when(reservation.slot),
        )
        _record(acting_user, "cancel", reservation, f"交付予約の取消（{Channel(channel).label}）")
    return reservation


def mark_no_shows(*, acting_user, municipality, day: dt.date) -> int:
    """After ``day``: its reservations still BOOKED become NO_SHOW and their targets 未受領
    (the reissue list). The seats stay taken (the day is over). Returns how many."""
    if day >= tokyo_date(timezone.now()):
        raise ReservationError({"day": f"{era_date(day)}はまだ終わっていません。"})
    start, end = day_bounds(day)
    now = timezone.now()
    actor = _actor(acting_user)
    with transaction.atomic():
        rows = list(
            Reservation.objects.select_for_update()
            .filter(
                slot__venue__municipality=municipality,
                slot__starts_at__gte=start,
                slot__starts_at__lt=end,
                status=ReservationStatus.BOOKED,
            )
            .select_related("slot")
            .order_by("pk")
        )
        if not rows:
            return 0
        ids = [row.pk for row in rows]
        Reservation.objects.filter(pk__in=ids, status=ReservationStatus.BOOKED).update(
            status=ReservationStatus.NO_SHOW, ended_at=now, ended_by=actor
        )
        target_ids = [row.target_id for row in rows]
        CardTarget.objects.filter(pk__in=target_ids, status=TargetStatus.RESERVED).update(
            status=TargetStatus.UNCOLLECTED, updated_at=now
        )
        TargetEvent.objects.bulk_create(
            TargetEvent(
                target_id=row.target_id,
                kind=TargetEventKind.NO_SHOW,
                at=now,
                by=actor,
                channel=row.channel,
                venue_id=row.slot.venue_id,
                note=_when(row.slot),
            )
            for row in rows
        )
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=municipality,
            fields=["予約の状況", "交付対象者の状況"],
            reason=f"不来場の記録（{era_date(day)}、{len(rows)}件）",
        )
    return len(rows)


def mark_attended(*, acting_user, reservation: Reservation) -> Reservation:
    """The resident came to the venue (the venue desk, before the identity check and issue).
    Refused before the reservation's day."""
    if reservation.status != ReservationStatus.BOOKED:
        raise ReservationError({"reservation": NOT_ACTIVE})
    if tokyo_date(reservation.slot.starts_at) > tokyo_date(timezone.now()):
        raise ReservationError({"reservation": "予約日より前に来場を記録することはできません。"})
    now = timezone.now()
    with transaction.atomic():
        ended = Reservation.objects.filter(
            pk=reservation.pk, status=ReservationStatus.BOOKED
        ).update(status=ReservationStatus.ATTENDED, ended_at=now, ended_by=_actor(acting_user))
        if not ended:
            raise ReservationError({"reservation": NOT_ACTIVE})
        reservation.status = ReservationStatus.ATTENDED
        reservation.ended_at, reservation.ended_by = now, _actor(acting_user)
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=reservation.target,
            fields=RESERVATION_FIELDS,
            reason=f"来場の記録（{_when(reservation.slot)}）",
        )
    return reservation
