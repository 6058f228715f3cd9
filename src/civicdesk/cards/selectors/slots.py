"""Reading the slots: which a target may book through a channel, grouped by day for pages.

The web window (issue 18 §3): a resident books only slots from settings.CARDS_WEB_FIRST_DAY to
CARDS_WEB_LAST_DAY calendar days ahead (Tokyo; environment CIVICDESK_CARDS_WEB_FIRST_DAY and
…_LAST_DAY), and changes or cancels while the slot is at least CARDS_WEB_CUTOFF_DAYS days away
(「2日前まで」: a slot on the 12th can be changed on the 10th, not on the 11th). The call
center, FAX and ward staff may use any future slot of the target's venue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from civicdesk.cards.choices import POOL_OF_CHANNEL, Channel
from civicdesk.cards.models import Slot, Venue
from civicdesk.core.calendar import TOKYO, day_bounds

DEFAULT_WEB_FIRST_DAY = 3
DEFAULT_WEB_LAST_DAY = 45
DEFAULT_WEB_CUTOFF_DAYS = 2


def web_first_day() -> int:
    return int(getattr(settings, "CARDS_WEB_FIRST_DAY", DEFAULT_WEB_FIRST_DAY))


def web_last_day() -> int:
    return int(getattr(settings, "CARDS_WEB_LAST_DAY", DEFAULT_WEB_LAST_DAY))


def web_cutoff_days() -> int:
    return int(getattr(settings, "CARDS_WEB_CUTOFF_DAYS", DEFAULT_WEB_CUTOFF_DAYS))


def tokyo_date(at: dt.datetime) -> dt.date:
    return at.astimezone(TOKYO).date()


def days_ahead(slot: Slot, now: dt.datetime) -> int:
    """Calendar days (Tokyo) from ``now``'s day to the slot's day."""
    return (tokyo_date(slot.starts_at) - tokyo_date(now)).days


def web_window(now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The first and last day a resident may book on the web today."""
    today = tokyo_date(now)
    return (
        today + dt.timedelta(days=web_first_day()),
        today + dt.timedelta(days=web_last_day()),
    )


def web_may_book(slot: Slot, now: dt.datetime) -> bool:
    first, last = web_window(now)
    return first <= tokyo_date(slot.starts_at) <= last


def web_may_change(slot: Slot, now: dt.datetime) -> bool:
    """Whether a web reservation on ``slot`` may still be changed or cancelled on the web."""
    return days_ahead(slot, now) >= web_cutoff_days()


def _with_free_seats(queryset, pool: str):
    return queryset.filter(**{f"booked_{pool}__lt": F(f"capacity_{pool}")})


def bookable_slots(target, channel: str, *, now: dt.datetime | None = None) -> list[Slot]:
    """The slots ``target`` may book through ``channel``: at its own venue, in the channel's
    window, with a free seat in the channel's pool; in time order."""
    now = now or timezone.now()
    pool = POOL_OF_CHANNEL[Channel(channel)]
    slots = Slot.objects.filter(venue_id=target.venue_id, starts_at__gt=now)
    if channel == Channel.WEB:
        first, last = web_window(now)
        start, end = day_bounds(first, last)
        slots = slots.filter(starts_at__gte=start, starts_at__lt=end)
    return list(_with_free_seats(slots, pool).select_related("venue").order_by("starts_at"))


@dataclass(frozen=True)
class SlotDay:
    date: dt.date
    slots: list[Slot]


def slot_days(slots) -> list[SlotDay]:
    """Slots (in time order) grouped by their Tokyo day, for a picker."""
    return [
        SlotDay(day, list(items))
        for day, items in groupby(slots, key=lambda slot: tokyo_date(slot.starts_at))
    ]


def venue_slots(venue: Venue, start: dt.date, end: dt.date) -> list[Slot]:
    """Every slot of the venue from ``start`` to ``end`` (Tokyo days), full or not."""
    low, high = day_bounds(start, end)
    return list(
        Slot.objects.filter(venue=venue, starts_at__gte=low, starts_at__lt=high).order_by(
            "starts_at"
        )
    )


def slots_for(user):
    """The slots of the user's municipality (another municipality's slot is a 404)."""
    return Slot.objects.filter(venue__municipality_id=user.municipality_id).select_related("venue")


def full(slot: Slot, channel: str) -> bool:
    return slot.free(POOL_OF_CHANNEL[Channel(channel)]) == 0


__all__ = [
    "SlotDay",
    "bookable_slots",
    "days_ahead",
    "full",
    "slot_days",
    "slots_for",
    "venue_slots",
    "web_cutoff_days",
    "web_first_day",
    "web_last_day",
    "web_may_book",
    "web_may_change",
    "web_window",
]
