"""Properties of is_open / next_open / hours for any moment in 2024–2026."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicdesk.core import calendar
from civicdesk.core.models.calendar import MUNICIPALITY_SERVICES
from civicdesk.core.services import add_closure, add_designated_day, setup_demo_calendars

TOKYO = ZoneInfo("Asia/Tokyo")
MOMENTS = st.datetimes(
    min_value=dt.datetime(2024, 1, 1),
    max_value=dt.datetime(2026, 12, 31, 23, 59, 59),
    timezones=st.sampled_from([TOKYO, dt.UTC, ZoneInfo("America/New_York")]),
)
# The services with one municipality-wide calendar (the card venues each have their own).
SERVICES = st.sampled_from(MUNICIPALITY_SERVICES)
# The calendar data is set up once per test and only read by the examples.
PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def demo(municipality, admin_user):
    built = {
        c.service: c
        for c in setup_demo_calendars(acting_user=admin_user, municipality=municipality)
    }
    # A few one-off rules so the properties cover them too.
    add_closure(acting_user=admin_user, calendar=built["calls"], date=dt.date(2025, 4, 9))
    add_designated_day(
        acting_user=admin_user,
        calendar=built["counter"],
        date=dt.date(2025, 3, 29),
        start=dt.time(8, 30),
        end=dt.time(12),
    )
    return built


def _intervals(service, start: dt.date, end: dt.date):
    """Every opening interval from start to end as aware (start, end) datetimes."""
    for info in calendar.days(service, start, end):
        for opens, closes in info.hours:
            yield (
                dt.datetime.combine(info.date, opens, tzinfo=TOKYO),
                dt.datetime.combine(info.date, closes, tzinfo=TOKYO),
            )


@PROPERTY_SETTINGS
@given(service=SERVICES, at=MOMENTS)
def test_next_open_is_the_first_open_moment(demo, service, at):
    found = calendar.next_open(service, at)
    assert found >= at
    assert calendar.is_open(service, found)
    if found == at:
        return
    assert found.tzinfo == TOKYO
    local = at.astimezone(TOKYO)
    for opens, closes in _intervals(service, local.date(), found.date()):
        # No interval may overlap [at, found): check its edges that fall in that span.
        assert not (opens < found and closes > at), (opens, closes)
        for edge in (opens, closes - dt.timedelta(microseconds=1)):
            if at <= edge < found:
                assert not calendar.is_open(service, edge)


@PROPERTY_SETTINGS
@given(service=SERVICES, at=MOMENTS)
def test_is_open_iff_an_interval_of_the_day_contains_the_time(demo, service, at):
    local = at.astimezone(TOKYO)
    intervals = calendar.hours(service, local.date())
    inside = any(opens <= local.time() < closes for opens, closes in intervals)
    assert calendar.is_open(service, at) is inside


@PROPERTY_SETTINGS
@given(service=SERVICES, day=st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)))
def test_day_info_shape(demo, service, day):
    info = calendar.day_info(service, day)
    assert info.date == day
    assert info.open is bool(info.hours)
    assert info.reason
    assert all(opens < closes for opens, closes in info.hours)
    assert info.hours == sorted(info.hours)
    assert calendar.days(service, day, day) == [info]
