"""A service's day, cached per process: the hot paths (「次の案件」's eligibility, issuing a
counter ticket) ask for today's hours on every request.

An entry lives ``CALENDAR_CACHE_SECONDS``; any change to a calendar's rows (or a new
municipality, as in every test) drops the whole cache at once in this process, so other
processes see a change within that time at most.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

from django.db.models.signals import post_delete, post_save

from civicdesk.core import calendar
from civicdesk.core.models import Municipality
from civicdesk.core.models.calendar import (
    BusinessCalendar,
    Closure,
    DesignatedDay,
    EveningExtension,
    NationalHoliday,
    NthWeekdayOpening,
    WeeklyHours,
)

CALENDAR_CACHE_SECONDS = 60

_cache: dict[tuple[int, str, dt.date], tuple[float, calendar.DayInfo | None]] = {}
_lock = threading.Lock()


def clear_calendar_cache(**_kwargs) -> None:
    with _lock:
        _cache.clear()


def connect_calendar_cache() -> None:
    """Called from core's ready(): every calendar change drops the cache in this process."""
    for model in (
        Municipality,
        BusinessCalendar,
        WeeklyHours,
        NthWeekdayOpening,
        EveningExtension,
        DesignatedDay,
        Closure,
        NationalHoliday,
    ):
        for signal in (post_save, post_delete):
            signal.connect(
                clear_calendar_cache,
                sender=model,
                dispatch_uid=f"core.calendar_cache.{signal is post_save}.{model.__name__}",
            )


def service_day(municipality_id: int, service: str, day: dt.date) -> calendar.DayInfo | None:
    """The service's hours on ``day`` (None: the municipality has no such calendar)."""
    key = (municipality_id, str(service), day)
    cached = _cache.get(key)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    try:
        info = calendar.day_info(service, day, municipality=Municipality(pk=municipality_id))
    except calendar.CalendarNotFound:
        info = None
    with _lock:
        _cache[key] = (time.monotonic() + CALENDAR_CACHE_SECONDS, info)
    return info
