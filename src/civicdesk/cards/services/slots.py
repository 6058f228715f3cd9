"""Slots (予約枠): made from each venue's opening calendar, and their seats changed by staff.

A slot is ``venue.slot_minutes`` long; a day's slots fill each opening interval of the venue's
calendar from its start, and a slot that would run past the interval's end is not made (a
08:30–17:00 day in 30-minute steps gives 17 slots, the last at 16:30). Seats per pool come from
the venue (seats_web / seats_phone / seats_internal) when the slot is made; staff change them
per slot afterwards, never below the seats already taken.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.cards.choices import SeatPool
from civicdesk.cards.models import Slot, Venue
from civicdesk.core.calendar import TOKYO, Interval, snapshots


class SlotError(ValidationError):
    """A slot change that cannot be made (message in Japanese)."""


def open_slots(*, acting_user, venue: Venue, start: dt.date, end: dt.date) -> int:
    """Make the slots of every open day of the venue from ``start`` to ``end``; slots that
    exist are kept as they are (their seats may have been changed). Returns how many were
    made."""
    if end < start:
        raise SlotError({"end": "終了日は開始日以降にしてください。"})
    wanted = _slot_starts(venue, start, end)
    with transaction.atomic():
        existing = set(
            Slot.objects.filter(venue=venue, starts_at__in=wanted).values_list(
                "starts_at", flat=True
            )
        )
        step = dt.timedelta(minutes=venue.slot_minutes)
        new = [
            Slot(
                venue=venue,
                starts_at=at,
                ends_at=at + step,
                capacity_web=venue.seats_web,
                capacity_phone=venue.seats_phone,
                capacity_internal=venue.seats_internal,
            )
            for at in wanted
            if at not in existing
        ]
        # A second run at the same moment makes the same starts: the unique constraint
        # (venue, starts_at) keeps one, the other is skipped.
        Slot.objects.bulk_create(new, ignore_conflicts=True)
        if new:
            record_access(
                acting_user=acting_user,
                action=AccessAction.CREATE,
                obj=venue,
                fields=["予約枠"],
                reason=f"予約枠の作成（{venue.short_name} {start}〜{end}、{len(new)}枠）",
            )
    return len(new)


def _slot_starts(venue: Venue, start: dt.date, end: dt.date) -> list[dt.datetime]:
    snapshot = snapshots([venue.calendar], start, end)[venue.calendar_id]
    step = dt.timedelta(minutes=venue.slot_minutes)
    starts: list[dt.datetime] = []
    for info in snapshot.days():
        if info.open:
            for interval in info.hours:
                starts.extend(_interval_starts(info.date, interval, step))
    return starts


def _interval_starts(day: dt.date, interval: Interval, step: dt.timedelta) -> list[dt.datetime]:
    opens, closes = interval
    at = dt.datetime.combine(day, opens, tzinfo=TOKYO)
    last = dt.datetime.combine(day, closes, tzinfo=TOKYO)
    starts = []
    while at + step <= last:
        starts.append(at)
        at += step
    return starts


def change_capacity(
    *,
    acting_user,
    slot: Slot,
    web: int | None = None,
    phone: int | None = None,
    internal: int | None = None,
) -> Slot:
    """Set a slot's seats per pool (``None`` keeps a pool as it is). A pool never goes below
    the seats already taken in it: the check and the change are one UPDATE, so a booking
    racing this change cannot slip under it."""
    wanted = {
        pool: value
        for pool, value in (
            (SeatPool.WEB, web),
            (SeatPool.PHONE, phone),
            (SeatPool.INTERNAL, internal),
        )
        if value is not None
    }
    for pool, value in wanted.items():
        if value < 0:
            raise SlotError({f"capacity_{pool}": f"{SeatPool(pool).label}の席数は0以上です。"})
    if not wanted:
        return slot
    with transaction.atomic():
        changed = Slot.objects.filter(
            pk=slot.pk, **{f"booked_{pool}__lte": value for pool, value in wanted.items()}
        ).update(**{f"capacity_{pool}": value for pool, value in wanted.items()})
        fresh = Slot.objects.select_related("venue").get(pk=slot.pk)
        if not changed:
            raise SlotError(_below_booked(fresh, wanted))
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=fresh,
            fields=[f"席数（{SeatPool(pool).label}）" for pool in wanted],
            reason=f"予約枠の席数変更（{fresh}）",
        )
    return fresh


def _below_booked(slot: Slot, wanted: dict[str, int]) -> dict[str, str]:
    return {
        f"capacity_{pool}": (
            f"{SeatPool(pool).label}の席数は予約済みの{slot.booked(pool)}席より少なくできません。"
        )
        for pool, value in wanted.items()
        if value < slot.booked(pool)
    } or {"__all__": "席数を変更できませんでした。もう一度お試しください。"}
