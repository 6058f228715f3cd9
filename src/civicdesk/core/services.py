"""State changes of the core app (business calendar). Each owns its transaction and log entry."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core import demo_calendar
from civicdesk.core.models.calendar import BusinessCalendar, Closure, DesignatedDay


def _lock(calendar: BusinessCalendar) -> BusinessCalendar:
    # Serialises additions to one calendar, so two staff adding the 6th designated day at
    # the same moment cannot both pass the yearly limit.
    return BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)


def add_designated_day(
    *,
    acting_user,
    calendar: BusinessCalendar,
    date: dt.date,
    start: dt.time,
    end: dt.time,
    label: str = "土日開庁",
) -> DesignatedDay:
    """Open on an extra day; refused (ValidationError) beyond the calendar's yearly limit."""
    with transaction.atomic():
        locked = _lock(calendar)
        day = DesignatedDay(calendar=locked, date=date, start=start, end=end, label=label)
        day.full_clean()
        day.save()
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=day,
            fields=["date", "start", "end", "label"],
        )
    return day


def add_closure(
    *, acting_user, calendar: BusinessCalendar, date: dt.date, reason: str = "臨時休業"
) -> Closure:
    """Close a calendar on one day (it wins over every other rule)."""
    with transaction.atomic():
        locked = _lock(calendar)
        closure = Closure(calendar=locked, date=date, reason=reason)
        closure.full_clean()
        closure.save()
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=closure,
            fields=["date", "reason"],
        )
    return closure


def setup_demo_calendars(*, acting_user, municipality) -> list[BusinessCalendar]:
    """The four demo calendars (core.demo_calendar); calendars that exist are left alone."""
    with transaction.atomic():
        built = demo_calendar.build_demo_calendars(municipality)
        for calendar, created in built:
            if created:
                record_access(
                    acting_user=acting_user,
                    action=AccessAction.CREATE,
                    obj=calendar,
                    fields=[
                        "service",
                        "weekly_hours",
                        "nth_weekday_openings",
                        "evening_extensions",
                    ],
                )
    return [calendar for calendar, _created in built]
