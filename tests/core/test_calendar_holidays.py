"""National holidays: the calendar agrees with the Cabinet Office list written by hand."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from civicdesk.core import calendar
from civicdesk.core.models.calendar import BusinessCalendar, HolidayYear, NationalHoliday
from civicdesk.core.services import setup_demo_calendars

FIXTURE = Path(__file__).parent / "fixtures" / "national_holidays_2024_2026.json"
# The Cabinet Office writes "休日" for both; the calendar names the kind.
REASON_BY_KIND = {"substitute": "振替休日", "citizens": "国民の休日"}
WEEKDAY_REASONS = {"月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日", "日曜日"}


def official() -> dict[dt.date, str]:
    rows = json.loads(FIXTURE.read_text(encoding="utf-8"))["holidays"]
    return {
        dt.date.fromisoformat(row["date"]): REASON_BY_KIND.get(row["kind"], row["name"])
        for row in rows
    }


@pytest.fixture
def holidays_only(municipality):
    """A calendar whose only closing rule is national holidays (open every day otherwise)."""
    item = BusinessCalendar.objects.create(
        municipality=municipality, service="calls", year_end_closure=False
    )
    for weekday in range(7):
        item.weekly_hours.create(weekday=weekday, start=dt.time(9), end=dt.time(17))
    return item


def test_closed_days_2024_2026_are_exactly_the_official_holidays(holidays_only):
    infos = calendar.days("calls", dt.date(2024, 1, 1), dt.date(2026, 12, 31))
    closed = {info.date: info.reason for info in infos if not info.open}
    assert closed == official()


def test_named_holidays(holidays_only):
    expected = {
        dt.date(2025, 3, 20): "春分の日",
        dt.date(2024, 9, 22): "秋分の日",
        dt.date(2025, 2, 24): "振替休日",
        dt.date(2024, 5, 6): "振替休日",
        dt.date(2026, 9, 22): "国民の休日",
        dt.date(2026, 9, 21): "敬老の日",
        dt.date(2025, 11, 24): "振替休日",
    }
    for day, reason in expected.items():
        assert calendar.day_info("calls", day).reason == reason


def test_holidays_closed_on_the_demo_calendar(municipality, admin_user):

    setup_demo_calendars(acting_user=admin_user, municipality=municipality)
    infos = calendar.days("visits", dt.date(2024, 1, 1), dt.date(2026, 12, 31))
    by_date = {info.date: info for info in infos}
    for day, reason in official().items():
        info = by_date[day]
        assert not info.open, day
        # New Year's Day lies in the year-end closure, which comes first.
        assert info.reason == ("年末年始" if (day.month, day.day) == (1, 1) else reason)
    holiday_names = (
        {info.reason for info in infos if not info.open} - WEEKDAY_REASONS - {"年末年始"}
    )
    assert holiday_names <= set(official().values())


def test_years_are_filled_once_and_admin_edits_are_kept(holidays_only):
    assert not NationalHoliday.objects.exists()
    calendar.day_info("calls", dt.date(2025, 3, 20))
    assert HolidayYear.objects.filter(year=2025).exists()
    assert NationalHoliday.objects.get(date=dt.date(2025, 3, 20)).name == "春分の日"
    # An admin empties the year: it stays empty (the marker prevents a refill).
    NationalHoliday.objects.filter(date__year=2025).delete()
    assert calendar.day_info("calls", dt.date(2025, 3, 20)).open
    # Renaming is kept too.
    calendar.day_info("calls", dt.date(2024, 3, 20))
    NationalHoliday.objects.filter(date=dt.date(2024, 3, 20)).update(name="春分の日（改）")
    assert calendar.day_info("calls", dt.date(2024, 3, 20)).reason == "春分の日（改）"


def test_holidays_can_be_ignored_per_calendar(holidays_only):
    holidays_only.closed_on_national_holidays = False
    holidays_only.save()
    assert calendar.day_info("calls", dt.date(2025, 3, 20)).open
