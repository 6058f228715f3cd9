"""The home page's 本日の業務時間, the month view, and the calendar admin."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import RequestFactory

from civicdesk.audit.models import AccessLogEntry
from civicdesk.core import selectors
from civicdesk.core.models.calendar import BusinessCalendar, DesignatedDay
from civicdesk.core.services import add_designated_day, setup_demo_calendars

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def demo(municipality, admin_user):
    return {
        c.service: c
        for c in setup_demo_calendars(acting_user=admin_user, municipality=municipality)
    }


def freeze(monkeypatch, moment: dt.datetime) -> None:
    monkeypatch.setattr(selectors.timezone, "now", lambda: moment)
    monkeypatch.setattr(selectors.timezone, "localdate", lambda: moment.astimezone(TOKYO).date())


def test_today_by_service(demo, operator, monkeypatch, django_assert_max_num_queries):
    freeze(monkeypatch, dt.datetime(2025, 4, 9, 18, 0, tzinfo=TOKYO))  # a Wednesday evening
    selectors.today_by_service(operator)  # fill the holiday years first
    with django_assert_max_num_queries(10):
        rows = selectors.today_by_service(operator)
    assert [row.service for row in rows] == ["calls", "visits", "sms", "counter"]
    calls, visits, sms, counter = rows
    assert (calls.label, calls.open_now, calls.closes_at) == ("電話催告", True, dt.time(19))
    assert calls.hours_text == "8:30〜19:00"
    assert not visits.open_now
    assert visits.next_open == dt.datetime(2025, 4, 10, 8, 30, tzinfo=TOKYO)
    assert visits.next_open_text == "4月10日（木）8:30"
    assert sms.open_now and sms.closes_at == dt.time(20)
    assert counter.day.reason == "平日" and not counter.open_now


def test_today_without_calendars(operator):
    assert selectors.today_by_service(operator) == []


def test_home_page(demo, signed_in, operator, monkeypatch):
    client = signed_in(operator)
    freeze(monkeypatch, dt.datetime(2025, 4, 12, 10, 0, tzinfo=TOKYO))  # second Saturday
    html = client.get("/").content.decode()
    assert f"{operator} さんのホーム（オペレータ）" in html
    assert "本日の業務時間" in html
    assert '<th scope="col">サービス</th>' in html
    assert "第二土曜日" in html and "受付中" in html
    assert "時間外" in html  # the counter does not open on Saturdays


def test_month_view(demo, signed_in, staff):
    response = signed_in(staff).get("/calendar/", {"service": "counter", "month": "2025-07"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="calendar-service">サービス</label>' in html
    assert '<option value="counter" selected>窓口</option>' in html
    assert 'value="2025-07"' in html
    assert "?service=counter&amp;month=2025-06" in html
    assert "?service=counter&amp;month=2025-08" in html
    assert "2025年7月 窓口" in html
    assert "海の日" in html and "8:30〜19:00" in html
    context = response.context
    assert len(context["rows"]) == 31
    assert context["open_count"] == 22


def test_month_view_defaults_and_bad_params(demo, admin_user, monkeypatch):
    freeze(monkeypatch, dt.datetime(2025, 4, 9, 12, 0, tzinfo=TOKYO))
    request = RequestFactory().get("/calendar/", {"service": "fax", "month": "2025-13"})
    request.user = admin_user
    context = selectors.calendar_month_context(request)
    assert context["service"] == "calls" and context["month"] == dt.date(2025, 4, 1)
    assert any("サービス「fax」はありません" in notice for notice in context["notices"])
    assert any("月「2025-13」は表示できません" in notice for notice in context["notices"])
    request = RequestFactory().get("/calendar/")
    request.user = admin_user
    context = selectors.calendar_month_context(request)
    assert context["notices"] == [] and context["month_value"] == "2025-04"
    assert context["rows"][11]["info"].reason == "第二土曜日"


def test_month_view_missing_calendar(municipality, admin_user):
    request = RequestFactory().get("/calendar/", {"service": "sms", "month": "2025-04"})
    request.user = admin_user
    context = selectors.calendar_month_context(request)
    assert context["rows"] == []
    assert any("業務カレンダーが登録されていません" in notice for notice in context["notices"])


def test_admin_pages_render(demo, signed_in, admin_user):
    client = signed_in(admin_user)
    calendar_id = demo["counter"].pk
    for url in [
        "/admin/core/businesscalendar/",
        f"/admin/core/businesscalendar/{calendar_id}/change/",
        "/admin/core/nationalholiday/",
        "/admin/core/holidayyear/",
    ]:
        assert client.get(url).status_code == 200, url


def _inline_post(counter: BusinessCalendar, new_dates: list[str]) -> dict:
    """The change form of a calendar with its saved rules, plus new designated days."""
    data = {
        "municipality": counter.municipality_id,
        "service": counter.service,
        "closed_on_national_holidays": "on",
        "year_end_closure": "on",
        "year_end_start_month": 12,
        "year_end_start_day": 29,
        "year_end_end_month": 1,
        "year_end_end_day": 3,
        "designated_day_limit": counter.designated_day_limit,
    }
    inlines = {
        "weekly_hours": (counter.weekly_hours.all(), ["weekday", "start", "end", "label"]),
        "nth_weekday_openings": (counter.nth_weekday_openings.all(), []),
        "evening_extensions": (counter.evening_extensions.all(), ["weekday", "until"]),
        "designated_days": (counter.designated_days.all(), ["date", "start", "end", "label"]),
        "closures": (counter.closures.all(), []),
    }
    for prefix, (rows, fields) in inlines.items():
        rows = list(rows)
        extra = new_dates if prefix == "designated_days" else []
        data[f"{prefix}-TOTAL_FORMS"] = len(rows) + len(extra)
        data[f"{prefix}-INITIAL_FORMS"] = len(rows)
        for index, row in enumerate(rows):
            data[f"{prefix}-{index}-id"] = row.pk
            data[f"{prefix}-{index}-calendar"] = counter.pk
            for field in fields:
                value = getattr(row, field)
                data[f"{prefix}-{index}-{field}"] = str(value)
            if prefix == "evening_extensions" and row.shift_when_closed:
                data[f"{prefix}-{index}-shift_when_closed"] = "on"
        for offset, day in enumerate(extra, start=len(rows)):
            data[f"{prefix}-{offset}-calendar"] = counter.pk
            data[f"{prefix}-{offset}-date"] = day
            data[f"{prefix}-{offset}-start"] = "08:30"
            data[f"{prefix}-{offset}-end"] = "12:00"
            data[f"{prefix}-{offset}-label"] = "土日開庁"
    return data


def test_admin_refuses_designated_days_over_the_limit_in_one_save(demo, signed_in, admin_user):
    counter = demo["counter"]
    for day in ("2025-04-05", "2025-04-06", "2025-04-12", "2025-04-13"):
        add_designated_day(
            acting_user=admin_user,
            calendar=counter,
            date=dt.date.fromisoformat(day),
            start=dt.time(8, 30),
            end=dt.time(12),
        )
    client = signed_in(admin_user)
    url = f"/admin/core/businesscalendar/{counter.pk}/change/"
    refused = client.post(url, _inline_post(counter, ["2025-05-10", "2025-05-11", "2025-05-17"]))
    assert refused.status_code == 200
    assert "1年度（4月〜翌年3月）に6日まで" in refused.content.decode()
    assert DesignatedDay.objects.filter(calendar=counter).count() == 4
    before = AccessLogEntry.objects.count()
    accepted = client.post(url, _inline_post(counter, ["2025-05-10", "2025-05-11"]))
    assert accepted.status_code == 302, accepted.content.decode()[:2000]
    assert DesignatedDay.objects.filter(calendar=counter).count() == 6
    assert AccessLogEntry.objects.count() >= before + 2
