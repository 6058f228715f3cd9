"""Each calendar rule, on the demo calendars built from seeds 000 and 003."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from civicdesk.audit.models import AccessLogEntry
from civicdesk.core import calendar
from civicdesk.core.calendar import DayInfo
from civicdesk.core.models import Municipality
from civicdesk.core.models.calendar import (
    MUNICIPALITY_SERVICES,
    BusinessCalendar,
    DesignatedDay,
    NationalHoliday,
    NthWeekdayOpening,
    WeeklyHours,
)
from civicdesk.core.services import add_closure, add_designated_day, setup_demo_calendars

TOKYO = ZoneInfo("Asia/Tokyo")
T = dt.time.fromisoformat


def D(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TOKYO)


@pytest.fixture
def demo(municipality, admin_user):
    return {
        c.service: c
        for c in setup_demo_calendars(acting_user=admin_user, municipality=municipality)
    }


def test_weekday_hours(demo):
    assert calendar.day_info("visits", D("2025-04-08")) == DayInfo(
        D("2025-04-08"), True, [(T("08:30"), T("17:15"))], "平日"
    )


def test_second_saturday_open_other_saturdays_and_sundays_closed(demo):
    assert calendar.day_info("calls", D("2025-04-12")) == DayInfo(
        D("2025-04-12"), True, [(T("09:00"), T("17:00"))], "第二土曜日"
    )
    assert calendar.hours("visits", D("2025-04-12")) == [(T("09:00"), T("17:00"))]
    for day, reason in [
        ("2025-04-05", "土曜日"),
        ("2025-04-19", "土曜日"),
        ("2025-04-13", "日曜日"),
    ]:
        info = calendar.day_info("calls", D(day))
        assert (info.open, info.hours, info.reason) == (False, [], reason)
    # The counter (seed 003) does not open on second Saturdays.
    assert calendar.day_info("counter", D("2025-04-12")).reason == "土曜日"


def test_holiday_wins_over_second_saturday(demo):
    # No real holiday falls on a second Saturday in 2024–2026: add one as an admin would.
    NationalHoliday.objects.names_between(D("2025-01-01"), D("2025-12-31"))
    NationalHoliday.objects.create(date=D("2025-06-14"), name="テストの日")
    info = calendar.day_info("calls", D("2025-06-14"))
    assert (info.open, info.reason) == (False, "テストの日")


def test_wednesday_evening_for_calls_only(demo):
    wednesday = D("2025-04-09")
    assert calendar.hours("calls", wednesday) == [(T("08:30"), T("19:00"))]
    assert calendar.hours("visits", wednesday) == [(T("08:30"), T("17:15"))]
    assert calendar.is_open("calls", at("2025-04-09T18:59"))
    assert not calendar.is_open("calls", at("2025-04-09T19:00"))
    assert not calendar.is_open("visits", at("2025-04-09T18:00"))


def test_regular_hours_leave_out_the_evening_extension(demo):
    wednesday = D("2025-04-09")
    assert calendar.regular_hours("calls", wednesday) == [(T("08:30"), T("17:15"))]
    assert calendar.regular_hours("calls", D("2025-04-12")) == [(T("09:00"), T("17:00"))]
    assert calendar.regular_hours("calls", D("2025-04-13")) == []  # Sunday


def test_monday_counter_evening_and_shift_to_next_open_day(demo):
    assert calendar.hours("counter", D("2025-04-07")) == [(T("08:30"), T("19:00"))]
    assert calendar.hours("counter", D("2025-04-08")) == [(T("08:30"), T("17:15"))]
    # 2025-07-21 (Monday) is 海の日: Tuesday gets the evening.
    assert calendar.day_info("counter", D("2025-07-21")).reason == "海の日"
    assert calendar.hours("counter", D("2025-07-22")) == [(T("08:30"), T("19:00"))]
    # Golden Week 2025: Monday 5/5 and Tuesday 5/6 closed, so Wednesday 5/7.
    assert calendar.hours("counter", D("2025-05-07")) == [(T("08:30"), T("19:00"))]
    assert calendar.hours("counter", D("2025-05-08")) == [(T("08:30"), T("17:15"))]
    # Calls have no shift: the Wednesday rule does not move when Wednesday is a holiday.
    assert calendar.hours("calls", D("2026-02-12")) == [(T("08:30"), T("17:15"))]


def test_shift_across_year_end(demo):
    # Monday 2025-12-29 is in the year-end closure; the next open day is Monday 2026-01-05.
    assert calendar.day_info("counter", D("2025-12-29")).reason == "年末年始"
    assert calendar.hours("counter", D("2026-01-05")) == [(T("08:30"), T("19:00"))]
    assert calendar.hours("counter", D("2026-01-06")) == [(T("08:30"), T("17:15"))]


@pytest.mark.parametrize("service", MUNICIPALITY_SERVICES)
def test_year_end_closed(demo, service):
    closed = [day for day in ("2024-12-29", "2024-12-30", "2024-12-31", "2025-01-01",
                              "2025-01-02", "2025-01-03")]  # fmt: skip
    for day in closed:
        info = calendar.day_info(service, D(day))
        assert (info.open, info.reason) == (False, "年末年始"), day
    assert calendar.day_info(service, D("2024-12-27")).open  # Friday
    assert calendar.day_info(service, D("2025-01-06")).open  # Monday


def test_year_end_is_configurable(demo):
    visits = demo["visits"]
    visits.year_end_start_month, visits.year_end_start_day = 12, 28
    visits.year_end_end_month, visits.year_end_end_day = 1, 4
    visits.save()
    assert calendar.day_info("visits", D("2026-01-04")).reason == "年末年始"
    assert calendar.day_info("calls", D("2026-01-04")).reason == "日曜日"
    visits.year_end_closure = False
    visits.save()
    assert calendar.day_info("visits", D("2024-12-30")).open


def test_sms_hours(demo):
    assert calendar.hours("sms", D("2025-04-08")) == [(T("09:00"), T("20:00"))]
    assert not calendar.day_info("sms", D("2025-04-12")).open  # no second Saturday
    assert calendar.day_info("sms", D("2025-03-20")).reason == "春分の日"


def test_is_open_boundaries(demo):
    assert not calendar.is_open("calls", at("2025-04-08T08:29"))
    assert not calendar.is_open("calls", at("2025-04-08T08:29:59.999999"))
    assert calendar.is_open("calls", at("2025-04-08T08:30"))
    assert calendar.is_open("calls", at("2025-04-08T17:14:59"))
    assert not calendar.is_open("calls", at("2025-04-08T17:15"))
    # Compared in Asia/Tokyo: 23:30 UTC on 4/7 is 8:30 on 4/8 in Tokyo.
    utc = dt.datetime(2025, 4, 7, 23, 30, tzinfo=dt.UTC)
    assert calendar.is_open("calls", utc)
    with pytest.raises(ValueError, match="タイムゾーン"):
        calendar.is_open("calls", dt.datetime(2025, 4, 8, 9, 0))


def test_next_open(demo):
    moment = at("2025-04-08T10:00")
    assert calendar.next_open("calls", moment) is moment
    assert calendar.next_open("calls", at("2025-04-08T07:00")) == at("2025-04-08T08:30")
    # Friday evening → second Saturday 9:00.
    assert calendar.next_open("calls", at("2025-04-11T17:15")) == at("2025-04-12T09:00")
    # Year end → first open day of January.
    found = calendar.next_open("counter", at("2025-12-26T18:00"))
    assert found == at("2026-01-05T08:30")
    assert found.tzinfo == TOKYO


def test_next_open_gives_up_on_a_calendar_that_never_opens(municipality):
    BusinessCalendar.objects.create(municipality=municipality, service="sms")
    with pytest.raises(calendar.NoOpeningFound, match="開庁時間がありません"):
        calendar.next_open("sms", at("2025-04-08T10:00"))


def test_open_days_is_inclusive_and_query_count_is_flat(demo, django_assert_max_num_queries):
    april = calendar.open_days("calls", D("2025-04-01"), D("2025-04-30"))
    assert april[0] == D("2025-04-01") and april[-1] == D("2025-04-30")
    assert D("2025-04-12") in april and D("2025-04-29") not in april
    assert len(april) == 22  # 21 weekdays minus 昭和の日, plus the second Saturday
    calendar.days("calls", D("2025-01-01"), D("2025-12-31"))  # fill the holiday years first
    with django_assert_max_num_queries(10):
        year = calendar.days("calls", D("2025-01-01"), D("2025-12-31"))
    assert len(year) == 365
    assert calendar.days("calls", D("2025-04-02"), D("2025-04-01")) == []


def test_missing_calendar_and_unknown_service(municipality):
    with pytest.raises(calendar.CalendarNotFound, match="江東区（デモ）（131083）の「電話催告」"):
        calendar.day_info("calls", D("2025-04-08"))
    with pytest.raises(calendar.CalendarError, match="不明なサービス"):
        calendar.day_info("fax", D("2025-04-08"))


def test_other_municipality_and_calendar_instance(demo):
    other = Municipality.objects.create(code="132012", name="八王子市")
    setup_demo_calendars(acting_user=None, municipality=other)
    other_calls = BusinessCalendar.objects.get(municipality=other, service="calls")
    add_closure(acting_user=None, calendar=other_calls, date=D("2025-04-08"))
    assert not calendar.day_info("calls", D("2025-04-08"), municipality=other).open
    assert not calendar.day_info(other_calls, D("2025-04-08")).open
    assert calendar.day_info("calls", D("2025-04-08")).open  # the default municipality


def test_closure_wins_over_everything(demo, admin_user):
    before = AccessLogEntry.objects.count()
    closure = add_closure(acting_user=admin_user, calendar=demo["calls"], date=D("2025-04-12"))
    info = calendar.day_info("calls", D("2025-04-12"))
    assert (info.open, info.hours, info.reason) == (False, [], "臨時休業")
    add_closure(
        acting_user=admin_user,
        calendar=demo["counter"],
        date=D("2025-04-08"),
        reason="システム更新",
    )
    assert calendar.day_info("counter", D("2025-04-08")).reason == "システム更新"
    entry = AccessLogEntry.objects.order_by("-seq")[1]
    assert AccessLogEntry.objects.count() == before + 2
    assert (entry.action, entry.object_id, entry.actor) == ("create", str(closure.pk), admin_user)


def test_designated_day_opens_a_closed_day(demo, admin_user):
    counter = demo["counter"]
    day = add_designated_day(
        acting_user=admin_user,
        calendar=counter,
        date=D("2026-03-28"),
        start=T("08:30"),
        end=T("12:00"),
    )
    info = calendar.day_info("counter", D("2026-03-28"))
    assert info == DayInfo(D("2026-03-28"), True, [(T("08:30"), T("12:00"))], "土日開庁")
    assert AccessLogEntry.objects.filter(object_type="core.designatedday", object_id=str(day.pk))
    # Designated hours are kept as set: no Monday evening on a designated Monday (a holiday:
    # only a day otherwise closed may be designated).
    add_designated_day(
        acting_user=admin_user,
        calendar=counter,
        date=D("2026-05-04"),
        start=T("08:30"),
        end=T("12:00"),
    )
    assert calendar.hours("counter", D("2026-05-04")) == [(T("08:30"), T("12:00"))]


def _add(user, counter, day: str):
    return add_designated_day(
        acting_user=user, calendar=counter, date=D(day), start=T("08:30"), end=T("12:00")
    )


def test_seventh_designated_day_in_a_fiscal_year_is_refused(demo, admin_user):
    counter = demo["counter"]
    # Fiscal 2025 runs 2025-04-01 .. 2026-03-31; 2025-03-29 belongs to fiscal 2024.
    _add(admin_user, counter, "2025-03-29")
    for day in ("2025-04-05", "2025-04-06", "2025-06-07", "2025-09-06", "2026-03-21", "2026-03-22"):
        _add(admin_user, counter, day)
    with pytest.raises(ValidationError) as refused:
        _add(admin_user, counter, "2026-03-28")
    message = refused.value.message_dict["date"][0]
    assert "1年度（4月〜翌年3月）に6日まで" in message
    assert "令和7年度" in message and "2026年3月28日は追加できません" in message
    assert not DesignatedDay.objects.filter(date=D("2026-03-28")).exists()
    # The next fiscal year starts counting again.
    _add(admin_user, counter, "2026-04-04")
    # model clean() refuses as well (the admin's path).
    extra = DesignatedDay(calendar=counter, date=D("2025-10-04"), start=T("08:30"), end=T("12:00"))
    with pytest.raises(ValidationError, match="6日まで"):
        extra.full_clean()
    # Editing an existing day of a full year is still allowed.
    existing = DesignatedDay.objects.get(calendar=counter, date=D("2025-04-05"))
    existing.label = "年度初め開庁"
    existing.full_clean()


def test_designated_day_limit_is_a_field(demo, admin_user):
    counter = demo["counter"]
    counter.designated_day_limit = 1
    counter.save()
    _add(admin_user, counter, "2025-05-10")
    with pytest.raises(ValidationError, match="1日まで"):
        _add(admin_user, counter, "2025-05-17")


@pytest.mark.parametrize("model", [WeeklyHours, NthWeekdayOpening, DesignatedDay])
@pytest.mark.parametrize("end", ["08:00", "09:00"])
def test_end_not_after_start_is_refused(demo, model, end):
    fields = {"calendar": demo["calls"], "start": T("09:00"), "end": T(end)}
    if model is WeeklyHours:
        fields["weekday"] = 0
    if model is DesignatedDay:
        fields["date"] = D("2025-05-10")
    rule = model(**fields)
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert "終了時刻は開始時刻より後にしてください" in refused.value.message_dict["end"][0]
    with transaction.atomic(), pytest.raises(IntegrityError):
        rule.save()  # the database refuses it too


def test_designated_day_service_refuses_end_before_start(demo, admin_user):
    with pytest.raises(ValidationError, match="終了時刻は開始時刻より後"):
        add_designated_day(
            acting_user=admin_user,
            calendar=demo["counter"],
            date=D("2025-05-10"),
            start=T("12:00"),
            end=T("08:30"),
        )


def test_bad_year_end_date_refused(demo):
    calls = demo["calls"]
    calls.year_end_start_month, calls.year_end_start_day = 2, 30
    with pytest.raises(ValidationError, match="2月30日という日付はありません"):
        calls.full_clean()


def test_setup_demo_calendars_is_idempotent(demo, admin_user, municipality):
    demo["calls"].designated_day_limit = 3
    demo["calls"].save()
    before = AccessLogEntry.objects.count()
    again = setup_demo_calendars(acting_user=admin_user, municipality=municipality)
    assert [c.service for c in again] == MUNICIPALITY_SERVICES
    assert BusinessCalendar.objects.count() == 4
    assert WeeklyHours.objects.count() == 4 * 5
    assert BusinessCalendar.objects.get(service="calls").designated_day_limit == 3  # kept
    assert AccessLogEntry.objects.count() == before  # nothing created, nothing logged


def test_several_weekly_rows_make_several_intervals(municipality):
    sms = BusinessCalendar.objects.create(municipality=municipality, service="sms")
    sms.weekly_hours.create(weekday=0, start=T("13:00"), end=T("17:00"))
    sms.weekly_hours.create(weekday=0, start=T("09:00"), end=T("12:00"))
    sms.weekly_hours.create(weekday=0, start=T("11:00"), end=T("12:30"))
    sms.evening_extensions.create(weekday=0, until=T("19:00"))
    assert calendar.hours("sms", D("2025-04-07")) == [
        (T("09:00"), T("12:30")),
        (T("13:00"), T("19:00")),
    ]
    assert not calendar.is_open("sms", at("2025-04-07T12:45"))
    assert calendar.next_open("sms", at("2025-04-07T12:45")) == at("2025-04-07T13:00")
