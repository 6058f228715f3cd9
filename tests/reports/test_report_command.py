"""`civicdesk report`: every kind in every format, the JSON keys of the issue, and the refusals
(binary formats without --out, an existing --out, malformed periods) in Japanese."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from civicdesk.core.calendar import TOKYO
from civicdesk.core.choices import ContactParty, RevenueType
from civicdesk.dunning.choices import ContactOutcome
from tests.dunning.factories import ContactFactory, cover, make_promise
from tests.registry.factories import AccountFactory, ObligorFactory

DAY = dt.date(2025, 5, 12)
ISSUE_KEYS = {
    "attempts", "reached_calls", "reach_rate", "reached", "promises", "promise_rate", "kept_rate",
}  # fmt: skip
PERIOD_ARGS = {
    "daily": ["--date", "2025-05-12"],
    "night": ["--month", "2025-05"],
    "monthly": ["--month", "2025-05"],
    "annual": ["--year", "2025"],
}
FILE_STARTS = {"xlsx": b"PK", "pdf": b"%PDF", "csv": "税目・保険料".encode("cp932")}


@pytest.fixture
def calls(municipality):
    """Two NHI calls on DAY: one unanswered, one answered with a promise for a week later."""
    reached, unanswered = (
        ObligorFactory(municipality=municipality),
        ObligorFactory(municipality=municipality),
    )
    account = AccountFactory(obligor=reached, revenue_type=RevenueType.NHI)
    contact = cover(
        ContactFactory(obligor=reached, party=ContactParty.SELF, outcome=ContactOutcome.PROMISE,
                       at=dt.datetime.combine(DAY, dt.time(10), tzinfo=TOKYO)),
        account,
    )  # fmt: skip
    make_promise(contact, account, amount=3_000, promised_on=DAY + dt.timedelta(days=7))
    cover(
        ContactFactory(obligor=unanswered, party=ContactParty.NONE,
                       outcome=ContactOutcome.NO_ANSWER,
                       at=dt.datetime.combine(DAY, dt.time(11), tzinfo=TOKYO)),
        AccountFactory(obligor=unanswered, revenue_type=RevenueType.NHI),
    )  # fmt: skip
    return municipality


def run(capsysbinary, *args) -> bytes:
    call_command("report", *args)
    return capsysbinary.readouterr().out


# --- JSON ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["daily", "monthly", "annual"])
def test_json_has_period_revenue_types_and_total_with_the_issue_keys(calls, capsysbinary, kind):
    data = json.loads(run(capsysbinary, kind, *PERIOD_ARGS[kind], "--format", "json"))
    assert data["period"]["kind"] == kind
    assert set(data["by_revenue_type"]) == set(RevenueType.values)
    assert set(data["total"]) >= ISSUE_KEYS
    for figures in data["by_revenue_type"].values():
        assert set(figures) >= ISSUE_KEYS


def test_json_figures_of_the_day_are_the_calls_made(calls, capsysbinary):
    data = json.loads(run(capsysbinary, "daily", "--date", "2025-05-12"))
    total, nhi = data["total"], data["by_revenue_type"]["nhi"]
    assert data["period"]["start"] == data["period"]["end"] == "2025-05-12"
    # 2 calls, 1 answered, and that one made a promise (due next week: no kept rate yet).
    assert (total["attempts"], total["reached_calls"], total["reached"]) == (2, 1, 1)
    assert total["reach_rate"] == 0.5  # a fraction, not 50
    assert (total["promises"], total["promise_rate"], total["kept_rate"]) == (1, 1.0, None)
    assert nhi["attempts"] == 2 and nhi["promise_rate"] == 1.0
    assert data["by_revenue_type"]["ltc"]["reach_rate"] is None


def test_night_json_has_a_row_per_day(calls, capsysbinary):
    data = json.loads(run(capsysbinary, "night", "--month", "2025-05"))
    assert data["period"]["kind"] == "night"
    assert len(data["days"]) == 31
    assert set(data["total"]) == {"calls", "visits"}


# --- Files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "pdf", "csv"])
@pytest.mark.parametrize("kind", list(PERIOD_ARGS))
def test_every_kind_is_written_in_every_file_format(calls, tmp_path, kind, fmt):
    out = tmp_path / f"{kind}.{fmt}"
    call_command("report", kind, *PERIOD_ARGS[kind], "--format", fmt, "--out", str(out))
    content = out.read_bytes()
    if fmt == "csv" and kind == "night":
        assert content.startswith("日付".encode("cp932"))
    else:
        assert content.startswith(FILE_STARTS[fmt])


def test_the_written_workbook_holds_the_json_total(calls, capsysbinary, tmp_path):
    out = tmp_path / "monthly.xlsx"
    call_command("report", "monthly", "--month", "2025-05", "--format", "xlsx", "--out", str(out))
    data = json.loads(run(capsysbinary, "monthly", "--month", "2025-05"))
    rows = list(load_workbook(out)["概要"].iter_rows(min_row=3, values_only=True))
    headers, total = rows[0], next(row for row in rows if row[0] == "合計")
    assert total[headers.index("対話率")] == data["total"]["reach_rate"] == 0.5


def test_csv_goes_to_stdout_in_cp932(calls, capsysbinary):
    content = run(capsysbinary, "daily", "--date", "2025-05-12", "--format", "csv")
    rows = list(csv.reader(io.StringIO(content.decode("cp932"), newline="")))
    assert rows[-1][:2] == ["合計", "2"]


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_a_binary_format_needs_out(calls, fmt):
    with pytest.raises(CommandError, match="--out（出力ファイル）が必要です"):
        call_command("report", "daily", "--date", "2025-05-12", "--format", fmt)


def test_an_existing_out_file_is_refused_and_left_unchanged(calls, tmp_path):
    out = tmp_path / "月次.xlsx"
    out.write_bytes(b"staff's own file")
    with pytest.raises(CommandError, match="既にあります"):
        call_command("report", "monthly", "--month", "2025-05", "--format", "xlsx", "--out",
                     str(out))  # fmt: skip
    assert out.read_bytes() == b"staff's own file"


def test_a_file_in_a_missing_folder_is_a_japanese_error(calls, tmp_path):
    out = Path(tmp_path / "ない" / "daily.csv")
    with pytest.raises(CommandError, match="書き込めません"):
        call_command("report", "daily", "--date", "2025-05-12", "--format", "csv", "--out",
                     str(out))  # fmt: skip


# --- Periods -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2025/05/12", "2025-02-30", "昨日"])
def test_a_malformed_date_is_a_japanese_error(municipality, value):
    with pytest.raises(CommandError, match="--date は 2025-05-12 の形で指定してください"):
        call_command("report", "daily", "--date", value)


def test_a_missing_date_is_a_japanese_error(municipality):
    with pytest.raises(CommandError, match="--date は 2025-05-12 の形"):
        call_command("report", "daily")


@pytest.mark.parametrize("kind", ["night", "monthly"])
@pytest.mark.parametrize("value", ["2025-13", "2025-00", "2025/05", "5月"])
def test_a_malformed_month_is_a_japanese_error(municipality, kind, value):
    with pytest.raises(CommandError, match="--month は 2025-05 の形で指定してください"):
        call_command("report", kind, "--month", value)


def test_a_missing_year_is_a_japanese_error(municipality):
    with pytest.raises(CommandError, match="--year（年度。例 2025）を指定してください"):
        call_command("report", "annual")


def test_without_a_municipality_the_command_says_so(db):
    with pytest.raises(CommandError, match="自治体が登録されていません"):
        call_command("report", "daily", "--date", "2025-05-12")
