"""Designated days (指定開庁日, seed 003 §5(3)): only on a day otherwise closed, at most 6 a
fiscal year, set by municipal staff; the service's rule and `civicdesk designate-day`."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.forms import inlineformset_factory

from civicdesk.audit.models import AccessLogEntry
from civicdesk.core import calendar
from civicdesk.core.forms import DesignatedDayFormSet
from civicdesk.core.models.calendar import BusinessCalendar, DesignatedDay
from civicdesk.core.services import add_closure, add_designated_day, setup_demo_calendars
from tests.conftest import _user

ROOT = Path(__file__).resolve().parents[2]
D = dt.date.fromisoformat
T = dt.time.fromisoformat


@pytest.fixture
def counter(municipality, admin_user):
    built = setup_demo_calendars(acting_user=admin_user, municipality=municipality)
    return next(one for one in built if one.service == "counter")


def designate(*args: str) -> dict:
    out = io.StringIO()
    call_command("designate-day", *args, stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1, lines
    return json.loads(lines[0])


def refused(*args: str) -> str:
    with pytest.raises(CommandError) as error:
        call_command("designate-day", *args, stdout=io.StringIO())
    assert error.value.returncode == 1
    return str(error.value)


def counter_args(day: str, user: str = "staff1", *more: str) -> list[str]:
    return ["--service", "counter", "--date", day, "--user", user, *more]


# --- The service's rule --------------------------------------------------------------------------


def test_a_weekday_that_is_open_cannot_be_designated(counter, staff):
    before = AccessLogEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        add_designated_day(
            acting_user=staff, calendar=counter, date=D("2026-06-10"), start=T("08:30"),
            end=T("12:00"),
        )  # fmt: skip
    message = error.value.message_dict["date"][0]
    assert message.startswith("2026年6月10日（水）は開庁日のため指定できません")
    assert "8:30〜17:15" in message
    assert not DesignatedDay.objects.exists()
    assert AccessLogEntry.objects.count() == before


def test_an_open_monday_with_its_evening_cannot_be_designated(counter, staff):
    with pytest.raises(ValidationError, match=r"2026年6月8日（月）は開庁日のため.*8:30〜19:00"):
        add_designated_day(
            acting_user=staff, calendar=counter, date=D("2026-06-08"), start=T("08:30"),
            end=T("12:00"),
        )  # fmt: skip


def test_a_weekday_holiday_is_otherwise_closed_and_may_be_designated(counter, staff):
    # 2026-03-20 (金) is 春分の日: closed by the holiday rule, so it may open in the busy season.
    add_designated_day(
        acting_user=staff, calendar=counter, date=D("2026-03-20"), start=T("08:30"),
        end=T("12:00"),
    )  # fmt: skip
    info = calendar.day_info("counter", D("2026-03-20"))
    assert (info.open, info.hours, info.reason) == (True, [(T("08:30"), T("12:00"))], "土日開庁")


def test_a_closure_day_cannot_be_designated_because_the_closure_would_win(
    counter, staff, admin_user
):
    add_closure(acting_user=admin_user, calendar=counter, date=D("2026-03-28"), reason="庁舎点検")
    with pytest.raises(ValidationError, match="2026年3月28日（土）は臨時休業日（庁舎点検）のため"):
        add_designated_day(
            acting_user=staff, calendar=counter, date=D("2026-03-28"), start=T("08:30"),
            end=T("12:00"),
        )  # fmt: skip
    assert not DesignatedDay.objects.exists()


def test_a_day_already_designated_is_refused_by_its_uniqueness_not_as_an_open_day(counter, staff):
    add_designated_day(
        acting_user=staff, calendar=counter, date=D("2026-03-28"), start=T("08:30"),
        end=T("12:00"),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="指定開庁日として登録済み"):
        add_designated_day(
            acting_user=staff, calendar=counter, date=D("2026-03-28"), start=T("08:30"),
            end=T("12:00"),
        )  # fmt: skip


# --- The command ---------------------------------------------------------------------------------


def test_command_designates_a_saturday_morning_and_prints_one_json_line(counter, staff):
    line = designate(*counter_args("2026-03-28"))
    assert line == {
        "service": "counter",
        "date": "2026-03-28",
        "hours": "08:30-12:00",
        "label": "土日開庁",
        "designated_this_year": 1,
        "limit": 6,
    }
    info = calendar.day_info("counter", D("2026-03-28"))
    assert (info.open, info.hours) == (True, [(T("08:30"), T("12:00"))])
    day = DesignatedDay.objects.get()
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.object_id, entry.actor) == ("create", str(day.pk), staff)


def test_command_takes_other_hours_and_a_label(counter, staff):
    line = designate(
        *counter_args("2026-04-05", "staff1", "--hours", "9:00-11:30", "--label", "年度初め開庁")
    )
    assert (line["hours"], line["label"]) == ("09:00-11:30", "年度初め開庁")
    assert calendar.hours("counter", D("2026-04-05")) == [(T("09:00"), T("11:30"))]


def test_command_counts_per_fiscal_year_and_refuses_the_seventh(counter, staff):
    # Fiscal 2025 = 2025-04-01 .. 2026-03-31; 2026-04-04 starts fiscal 2026 at 1 again.
    days = ["2025-04-05", "2025-04-06", "2025-06-07", "2025-09-06", "2026-03-21", "2026-03-22"]
    counts = [designate(*counter_args(day))["designated_this_year"] for day in days]
    assert counts == [1, 2, 3, 4, 5, 6]
    message = refused(*counter_args("2026-03-28"))
    assert "1年度（4月〜翌年3月）に6日まで" in message
    assert "2026年3月28日は追加できません" in message
    assert not DesignatedDay.objects.filter(date=D("2026-03-28")).exists()
    assert designate(*counter_args("2026-04-04"))["designated_this_year"] == 1


def test_command_refuses_an_open_day(counter, staff):
    message = refused(*counter_args("2026-06-10"))
    assert "2026年6月10日（水）は開庁日のため指定できません" in message
    assert not DesignatedDay.objects.exists()


@pytest.mark.parametrize("role", ["supervisor", "counter_clerk", "operator"])
def test_command_refuses_users_who_are_not_municipal_staff(counter, municipality, role):
    user = _user(role, municipality)
    message = refused(*counter_args("2026-03-28", user.username))
    assert f"ユーザー {user.username} には指定開庁日を登録する権限がありません" in message
    assert not DesignatedDay.objects.exists()


def test_command_refuses_an_unknown_user(counter):
    assert "ユーザー nobody はいません" in refused(*counter_args("2026-03-28", "nobody"))


@pytest.mark.parametrize(
    ("hours", "reason"),
    [
        ("8:30", "HH:MM-HH:MM の形式"),
        ("08:30-25:00", "HH:MM-HH:MM の形式"),
        ("12:00-08:30", "終了時刻は開始時刻より後"),
        ("08:30-08:30", "終了時刻は開始時刻より後"),
    ],
)
def test_command_refuses_bad_hours(counter, staff, hours, reason):
    assert reason in refused(*counter_args("2026-03-28", "staff1", "--hours", hours))
    assert not DesignatedDay.objects.exists()


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--date", "2026-03-28", "--user", "staff1"], "--service を指定してください"),
        (["--service", "bus", "--date", "2026-03-28", "--user", "staff1"], "不明なサービス"),
        (["--service", "counter", "--date", "2026-02-30", "--user", "staff1"], "--date の日付"),
        (["--service", "counter", "--date", "2026-03-28"], "--user"),
    ],
)
def test_command_refuses_missing_or_bad_arguments(counter, staff, args, reason):
    assert reason in refused(*args)


def test_command_exits_1_with_the_reason_in_japanese_on_stderr():
    done = subprocess.run(
        [sys.executable, "-m", "civicdesk", "designate-day", "--service", "counter",
         "--date", "2026-13-01", "--user", "x"],
        capture_output=True,
        cwd=ROOT,  # the test settings (tests.settings) are importable from the checkout
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr.decode("utf-8")
    assert done.stdout == b""
    assert "--date の日付が正しくありません: 2026-13-01" in done.stderr.decode("utf-8")


# --- The admin's inline keeps the same rule ------------------------------------------------------


def _inline(counter, rows: list[dict]):
    formset_class = inlineformset_factory(
        BusinessCalendar,
        DesignatedDay,
        formset=DesignatedDayFormSet,
        fields=["date", "start", "end", "label"],
        extra=len(rows),
    )
    data = {
        "designated_days-TOTAL_FORMS": str(len(rows)),
        "designated_days-INITIAL_FORMS": "0",
        "designated_days-MIN_NUM_FORMS": "0",
        "designated_days-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data |= {f"designated_days-{index}-{name}": value for name, value in row.items()}
    return formset_class(data, instance=counter, prefix="designated_days")


def test_the_admin_inline_refuses_an_open_day_as_the_service_does(counter):
    open_day = _inline(
        counter, [{"date": "2026-06-10", "start": "08:30", "end": "12:00", "label": "土日開庁"}]
    )
    assert not open_day.is_valid()
    assert "2026年6月10日（水）は開庁日のため指定できません" in str(open_day.non_form_errors())
    saturday = _inline(
        counter, [{"date": "2026-06-13", "start": "08:30", "end": "12:00", "label": "土日開庁"}]
    )
    assert saturday.is_valid(), saturday.errors
