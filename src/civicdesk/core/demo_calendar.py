"""The demo calendars: the four services as the seed specifications describe them.

- calls, visits: seed 000 §3 (Toshima City) — weekdays 8:30–17:15, the second Saturday
  9:00–17:00, national holidays and 12/29–1/3 closed; calls also on Wednesdays until 19:00.
- counter: seed 003 §5 (Ichinoseki City) — weekdays 8:30–17:15, Mondays until 19:00 (the
  next open day when Monday is closed), holidays and 12/29–1/3 closed, at most 6 designated
  weekend mornings a fiscal year (none designated here: the municipality picks them).
- sms: 9:00–20:00 on open weekdays (no seed fixes it; texts are sent in the daytime).

The card venues (seed 004) each have their own calendar, made with the venue by the cards app.

Called through ``core.services.setup_demo_calendars``, which owns the transaction and logs.
"""

from __future__ import annotations

import datetime as dt

from civicdesk.core.models.calendar import (
    MUNICIPALITY_SERVICES,
    BusinessCalendar,
    Service,
    Weekday,
)

WORKDAYS = [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY]


def _t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


# service → rules; times as text to read like the specifications.
DEMO_RULES: dict[str, dict] = {
    Service.CALLS: {
        "weekly": ("08:30", "17:15"),
        "second_saturday": ("09:00", "17:00"),
        "extensions": [(Weekday.WEDNESDAY, "19:00", False)],
    },
    Service.VISITS: {
        "weekly": ("08:30", "17:15"),
        "second_saturday": ("09:00", "17:00"),
        "extensions": [],
    },
    Service.COUNTER: {
        "weekly": ("08:30", "17:15"),
        "second_saturday": None,
        "extensions": [(Weekday.MONDAY, "19:00", True)],
        "designated_day_limit": 6,
    },
    Service.SMS: {
        "weekly": ("09:00", "20:00"),
        "second_saturday": None,
        "extensions": [],
    },
}


def build_demo_calendars(municipality) -> list[tuple[BusinessCalendar, bool]]:
    """Create the calendars that do not exist yet; existing ones (maybe edited) are kept.

    Returns (calendar, created) per service, in Service order.
    """
    result = []
    for service in MUNICIPALITY_SERVICES:
        calendar = BusinessCalendar.objects.filter(
            municipality=municipality, service=service, site=""
        ).first()
        created = calendar is None
        if created:
            calendar = create_calendar(municipality, service, DEMO_RULES[service])
        result.append((calendar, created))
    return result


def create_calendar(municipality, service: str, rules: dict, site: str = "") -> BusinessCalendar:
    """A calendar from rules written like DEMO_RULES (weekly hours, second Saturday, evenings)."""
    calendar = BusinessCalendar(
        municipality=municipality,
        service=service,
        site=site,
        designated_day_limit=rules.get("designated_day_limit", 6),
    )
    calendar.full_clean()
    calendar.save()
    start, end = rules["weekly"]
    for weekday in WORKDAYS:
        calendar.weekly_hours.create(weekday=weekday, start=_t(start), end=_t(end))
    if rules["second_saturday"]:
        start, end = rules["second_saturday"]
        calendar.nth_weekday_openings.create(
            nth=2, weekday=Weekday.SATURDAY, start=_t(start), end=_t(end), label="第二土曜日"
        )
    for weekday, until, shift in rules["extensions"]:
        calendar.evening_extensions.create(
            weekday=weekday, until=_t(until), shift_when_closed=shift
        )
    return calendar
