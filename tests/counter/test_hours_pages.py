"""The counter hours page (seed 003 §5): the counter calendar of the coming months for the
counter floor, and the staff form that designates a weekend morning (指定開庁日)."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicdesk.audit.models import AccessLogEntry
from civicdesk.core.models.calendar import BusinessCalendar, DesignatedDay
from civicdesk.core.services import add_designated_day
from tests.conftest import _user, sign_in
from tests.factories import MunicipalityFactory

URL = "/counter/hours/"
D = dt.date.fromisoformat
T = dt.time.fromisoformat


@pytest.fixture
def counter_calendar(calendars):
    return next(one for one in calendars if one.service == "counter")


def page(client, user, query: str = "") -> str:
    sign_in(client, user)
    response = client.get(URL + query)
    assert response.status_code == 200
    return response.content.decode()


def row(text: str, day: str) -> str:
    """The text of one day's row (tags stripped, whitespace collapsed)."""
    match = re.search(rf'<tr data-testid="day-{day}"[^>]*>(.*?)</tr>', text, re.S)
    assert match, f"no row for {day}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match[1])).split())


def fiscal_year_row(text: str, year: int) -> str:
    match = re.search(rf'<tr data-testid="fiscal-year-{year}">(.*?)</tr>', text, re.S)
    assert match, f"no row for fiscal year {year}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match[1])).split())


def designate_post(client, day: str, start="08:30", end="12:00", label="土日開庁"):
    return client.post(
        URL + "?from=2026-06", {"date": day, "start": start, "end": end, "label": label}
    )


def designate(user, calendar, day: str):
    return add_designated_day(
        acting_user=user, calendar=calendar, date=D(day), start=T("08:30"), end=T("12:00")
    )


# --- What the page shows -------------------------------------------------------------------------


def test_counter_floor_sees_three_months_with_monday_evenings_and_closed_days(
    client, clerk, counter_calendar
):
    text = page(client, clerk)
    for month in ("2026-06", "2026-07", "2026-08"):
        assert f'data-testid="month-{month}"' in text
    assert 'data-testid="month-2026-09"' not in text
    assert row(text, "2026-06-08") == "6月8日 月 開庁 8:30〜19:00 平日・夜間延長（19:00まで）"
    assert row(text, "2026-06-10") == "6月10日 水 開庁 8:30〜17:15 平日"
    assert row(text, "2026-06-13") == "6月13日 土 閉庁 — 土曜日"
    # Monday 20 July is 海の日: the evening moves to the next open day (§5(2)).
    assert row(text, "2026-07-20") == "7月20日 月 閉庁 — 海の日"
    assert row(text, "2026-07-21") == "7月21日 火 開庁 8:30〜19:00 平日・夜間延長（19:00まで）"
    # 22 open days in June 2026 (30 days − 8 weekend days).
    assert "2026年6月（開庁日 22 日）" in text
    assert 'data-testid="designate-form"' not in text  # clerks read, staff designate


def test_designated_days_are_marked_and_counted_per_fiscal_year(client, staff, counter_calendar):
    designate(staff, counter_calendar, "2026-03-28")  # fiscal 2025
    designate(staff, counter_calendar, "2026-07-04")  # fiscal 2026
    text = page(client, staff)
    assert row(text, "2026-07-04") == "7月4日 土 開庁 8:30〜12:00 指定開庁日（土日開庁）"
    assert (
        fiscal_year_row(text, 2026) == "令和8年度 1日 6日 5日 2026年7月4日 （土日開庁 8:30〜12:00）"
    )
    assert 'data-testid="fiscal-year-2025"' not in text  # only the years the page touches


def test_months_across_the_fiscal_year_count_both_years(client, staff, counter_calendar):
    designate(staff, counter_calendar, "2027-03-27")
    designate(staff, counter_calendar, "2027-04-03")
    designate(staff, counter_calendar, "2027-04-04")
    text = page(client, staff, "?from=2027-02")
    assert [m for m in ("2027-02", "2027-03", "2027-04") if f"month-{m}" in text] == [
        "2027-02",
        "2027-03",
        "2027-04",
    ]
    assert fiscal_year_row(text, 2026).startswith("令和8年度 1日 6日 5日")
    assert fiscal_year_row(text, 2027).startswith("令和9年度 2日 6日 4日")


def test_a_bad_month_falls_back_to_this_month_with_a_notice(client, clerk, counter_calendar):
    text = page(client, clerk, "?from=2026-13")
    assert "「2026-13」は表示できる月ではありません" in text
    assert 'data-testid="month-2026-06"' in text


def test_the_page_reads_a_fixed_number_of_queries_whatever_is_designated(
    client, staff, counter_calendar
):
    page(client, staff)  # holidays of the years shown are filled on first use
    with CaptureQueriesContext(connection) as before:
        page(client, staff)
    for day in ("2026-06-13", "2026-06-14", "2026-07-04", "2026-08-01", "2026-08-02"):
        designate(staff, counter_calendar, day)
    with CaptureQueriesContext(connection) as after:
        page(client, staff)
    assert len(after.captured_queries) == len(before.captured_queries)


def test_a_municipality_without_a_counter_calendar_is_told_so(client, staff, counter_calendar):
    designate(staff, counter_calendar, "2026-07-04")
    other = MunicipalityFactory(code="032093", name="一関市")
    assert not BusinessCalendar.objects.filter(municipality=other).exists()
    text = page(client, _user("staff", other, username="staff_other"))
    assert "窓口の業務カレンダーが登録されていません" in text
    assert 'data-testid="designate-form"' not in text
    assert "土日開庁）" not in text  # nothing of the other municipality's calendar


# --- Designating ---------------------------------------------------------------------------------


def test_staff_designate_a_saturday_morning_from_the_page(client, staff, counter_calendar):
    sign_in(client, staff)
    before = AccessLogEntry.objects.count()
    response = designate_post(client, "2026-09-05")
    assert response.status_code == 302
    assert response["Location"] == URL + "?from=2026-09"
    day = DesignatedDay.objects.get(calendar=counter_calendar)
    assert (day.date, day.start, day.end, day.label) == (
        D("2026-09-05"),
        T("08:30"),
        T("12:00"),
        "土日開庁",
    )
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert AccessLogEntry.objects.count() == before + 1
    assert (entry.action, entry.object_id, entry.actor) == ("create", str(day.pk), staff)
    text = client.get(response["Location"]).content.decode()
    assert "2026年9月5日（土）を指定開庁日（土日開庁 8:30〜12:00）にしました。" in text
    assert row(text, "2026-09-05") == "9月5日 土 開庁 8:30〜12:00 指定開庁日（土日開庁）"


def test_an_open_day_is_refused_with_the_reason_and_nothing_saved(client, staff, counter_calendar):
    sign_in(client, staff)
    response = designate_post(client, "2026-06-10")
    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert "2026年6月10日（水）は開庁日のため指定できません" in text
    assert 'data-testid="error-summary"' in text
    assert not DesignatedDay.objects.exists()


def test_a_seventh_day_in_the_fiscal_year_is_refused(client, staff, counter_calendar):
    for day in ("2026-04-04", "2026-04-11", "2026-04-18", "2026-04-25", "2026-05-09", "2026-05-16"):
        designate(staff, counter_calendar, day)
    sign_in(client, staff)
    response = designate_post(client, "2026-06-13")
    text = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "指定開庁日は1年度（4月〜翌年3月）に6日までです" in text
    assert fiscal_year_row(text, 2026).startswith("令和8年度 6日 6日 0日")
    assert DesignatedDay.objects.count() == 6


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"date": ""}, "指定する日を入力してください。"),
        ({"date": "2026/6/13x"}, "指定する日は 2026-03-28 の形で入力してください。"),
        ({"start": "12:00", "end": "08:30"}, "終了時刻は開始時刻より後にしてください"),
        ({"label": ""}, "表示名を入力してください"),
    ],
)
def test_bad_input_is_shown_beside_the_form_and_nothing_saved(
    client, staff, counter_calendar, fields, message
):
    sign_in(client, staff)
    data = {"date": "2026-06-13", "start": "08:30", "end": "12:00", "label": "土日開庁", **fields}
    response = client.post(URL, data)
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not DesignatedDay.objects.exists()


# --- Who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("operator", 403),
        ("reception", 200),
        ("counter_clerk", 200),
        ("cashier", 200),
        ("supervisor", 200),
        ("staff", 200),
        ("inspector", 403),
        ("admin", 403),
    ],
)
def test_who_may_open_the_page(client, municipality, counter_calendar, role, status):
    sign_in(client, _user(role, municipality))
    assert client.get(URL).status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client, counter_calendar):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["counter_clerk", "supervisor", "reception"])
def test_only_staff_may_designate(client, municipality, counter_calendar, role):
    sign_in(client, _user(role, municipality))
    assert designate_post(client, "2026-09-05").status_code == 403
    assert not DesignatedDay.objects.exists()
