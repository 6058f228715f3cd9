"""State changes of the core app (business calendar). Each owns its transaction and log entry."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core import demo_calendar
from civicdesk.core.calendar import RULE_SETS, DayInfo, Snapshot, format_hours
from civicdesk.core.models.calendar import (
    BusinessCalendar,
    Closure,
    DesignatedDay,
    NationalHoliday,
)

WEEKDAY_SHORT = "月火水木金土日"


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
    """Open on an extra day the calendar otherwise keeps closed (seed 003 §5(3): weekend
    mornings in the busy season). Refused (ValidationError on ``date``) on a day that is open
    anyway, on a one-off closure (which would win over the designation) and beyond the
    calendar's yearly limit (per fiscal year, April–March)."""
    with transaction.atomic():
        locked = _lock(calendar)
        refuse_unless_closed(locked, date)
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


def refuse_unless_closed(calendar: BusinessCalendar, date: dt.date) -> None:
    closure = Closure.objects.filter(calendar=calendar, date=date).first()
    named = f"{date.year}年{date.month}月{date.day}日（{WEEKDAY_SHORT[date.weekday()]}）"
    if closure is not None:
        raise ValidationError(
            {
                "date": f"{named}は臨時休業日（{closure.reason}）のため指定できません"
                "（臨時休業日は指定開庁日より優先されます）。"
            }
        )
    info = _without_designations(calendar, date)
    if info.open:
        raise ValidationError(
            {
                "date": f"{named}は開庁日のため指定できません（{info.reason} "
                f"{format_hours(info.hours)}）。指定開庁日は土日・祝日など窓口を開庁しない日"
                "にだけ指定できます。"
            }
        )


def _without_designations(calendar: BusinessCalendar, date: dt.date) -> DayInfo:
    """The day as the calendar's other rules decide it (no closure: checked before)."""
    prefetch_related_objects([calendar], *RULE_SETS)
    holidays = NationalHoliday.objects.names_between(date, date)
    snap = Snapshot(calendar, date, date, designated={}, closures={}, holidays=holidays)
    return snap.day(date)


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
