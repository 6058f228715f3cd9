"""`civicdesk calendar`: JSON, the table, and refusals of bad input."""

from __future__ import annotations

import io
import json
import unicodedata

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicdesk.core.models import Municipality
from civicdesk.core.services import setup_demo_calendars


@pytest.fixture
def demo(municipality, admin_user):
    return setup_demo_calendars(acting_user=admin_user, municipality=municipality)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


def test_json(demo):
    output = run("--service", "calls", "--from", "2025-04-01", "--to", "2025-04-30", "--json")
    days = json.loads(output)
    assert len(days) == 30
    by_date = {day["date"]: day for day in days}
    assert by_date["2025-04-12"] == {
        "date": "2025-04-12",
        "open": True,
        "hours": [["09:00", "17:00"]],
        "reason": "第二土曜日",
    }
    assert by_date["2025-04-09"]["hours"] == [["08:30", "19:00"]]  # Wednesday evening
    assert by_date["2025-04-29"] == {
        "date": "2025-04-29",
        "open": False,
        "hours": [],
        "reason": "昭和の日",
    }
    assert "昭和の日" in output  # ensure_ascii=False: readable Japanese


def test_table(demo):
    output = run("--service", "counter", "--from", "2025-07-19", "--to", "2025-07-22")
    lines = output.splitlines()
    assert lines[0].split() == ["日付", "曜日", "開/閉", "時間", "理由"]
    assert lines[1].split() == ["2025-07-19", "土", "閉", "-", "土曜日"]
    assert lines[3].split() == ["2025-07-21", "月", "閉", "-", "海の日"]
    assert lines[4].split() == ["2025-07-22", "火", "開", "8:30〜19:00", "平日"]
    # Aligned: the reason column starts at the same display column on every line.
    starts = {_display_width(line[: line.rindex(" ") + 1]) for line in lines}
    assert len(starts) == 1


def _display_width(text: str) -> int:

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_other_municipality(demo):
    other = Municipality.objects.create(code="132012", name="八王子市")
    with pytest.raises(
        CommandError, match="八王子市（132012）の「窓口」の業務カレンダーが登録されていません"
    ):
        run(
            "--service",
            "counter",
            "--from",
            "2025-04-01",
            "--to",
            "2025-04-01",
            "--municipality",
            "132012",
        )
    setup_demo_calendars(acting_user=None, municipality=other)
    output = run(
        "--service", "counter", "--from", "2025-04-01", "--to", "2025-04-01",
        "--municipality", "132012", "--json",
    )  # fmt: skip
    assert json.loads(output)[0]["open"] is True


OK_RANGE = "--from 2025-04-01 --to 2025-04-02"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (f"--service fax {OK_RANGE}", "不明なサービスです: fax"),
        (OK_RANGE, "--service を指定してください"),
        ("--service calls --from 2025/04/01 --to 2025-04-02", "--from の日付が正しくありません"),
        ("--service calls --from 2025-02-30 --to 2025-04-02", "--from の日付が正しくありません"),
        ("--service calls --from 2025-04-01", "--to を YYYY-MM-DD 形式で指定してください"),
        ("--service calls --from 2025-04-02 --to 2025-04-01", "以前の日付にしてください"),
        ("--service calls --from 2020-01-01 --to 2025-04-01", "日以内にしてください"),
        (
            f"--service calls {OK_RANGE} --municipality 999999",
            "地方公共団体コード 999999 の自治体は登録されていません",
        ),
    ],
)
def test_bad_input(demo, args, message):
    with pytest.raises(CommandError, match=message) as refused:
        run(*args.split())
    assert refused.value.returncode == 2


def test_missing_calendar(municipality):
    with pytest.raises(CommandError, match="「SMS催告」の業務カレンダーが登録されていません"):
        run("--service", "sms", "--from", "2025-04-01", "--to", "2025-04-01")
