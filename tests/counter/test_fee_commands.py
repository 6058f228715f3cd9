"""``civicdesk counter day-close | export-fees``: one JSON line, refusals in Japanese on stderr
with exit 1; the export is a CP932 CSV entered in the export register."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json

import pytest
import time_machine
from django.core.management import call_command

from civicdesk.audit.models import AccessLogEntry
from civicdesk.counter.models import DayClose
from civicdesk.counter.services import fees
from civicdesk.privacy.models import ExportRecord
from tests.conftest import TEST_NOW

pytestmark = pytest.mark.django_db
DAY = TEST_NOW.date().isoformat()


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("counter", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue().strip(), err.getvalue().strip()


@pytest.fixture
def taken(desk, cashier):
    """Two days of fees: 10 June (cash 900, postal order 300, one reversal) and 11 June."""
    take = fees.take_fee
    first = take(acting_user=cashier, procedure=desk.certificate, quantity=2, payment_kind="cash")
    take(acting_user=cashier, procedure=desk.certificate, quantity=1, payment_kind="cash")
    take(acting_user=cashier, procedure=desk.certificate, quantity=1, payment_kind="postal_order")
    take(acting_user=cashier, procedure=desk.certificate, quantity=1, payment_kind="cash")
    fees.reverse_fee(acting_user=cashier, entry=first, reason='=HYPERLINK("x")')
    with time_machine.travel(TEST_NOW + dt.timedelta(days=1)):
        take(acting_user=cashier, procedure=desk.certificate, quantity=3, payment_kind="cash")
    return first


def test_day_close_prints_the_close_as_one_json_line(taken, cashier):
    counted = json.dumps({"500": 1, "100": 1})
    code, out, err = run(
        "day-close", "--date", DAY, "--user", cashier.username, "--counted", counted, "--json"
    )
    assert code == 0, err
    close = DayClose.objects.get()
    # Cash: 2×300 + 300 + 300 − 600 = 600; postal order 300.
    assert json.loads(out) == {
        "day_close": close.pk,
        "day": DAY,
        "expected": {"cash": 600, "postal_order": 300, "exempt": 0},
        "counted_cash": 600,
        "difference": 0,
        "entries": 5,
        "reason": "",
    }


def test_day_close_refuses_a_difference_without_reason_and_a_second_close(taken, cashier):
    code, out, err = run("day-close", "--date", DAY, "--user", cashier.username, "--json")
    assert (code, out) == (1, "")
    assert "現金が600円不足しています" in err and "理由" in err
    assert not DayClose.objects.exists()
    code, _out, err = run(
        "day-close", "--date", DAY, "--user", cashier.username, "--reason", "未入金", "--json"
    )
    assert code == 0, err
    code, _out, err = run(
        "day-close", "--date", DAY, "--user", cashier.username, "--counted", "{}", "--json"
    )
    assert code == 1 and "精算は済んでいます" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody"], "有効なユーザー nobody はいません"),
        (["--user", "counter_clerk1"], "精算の権限がありません"),
        (["--user", "cashier1", "--counted", "[1]"], "--counted"),
        (["--user", "cashier1", "--counted", '{"3000": 1}'], "金種ではありません"),
    ],
)
def test_day_close_refusals_exit_1_in_japanese(taken, clerk, args, message):
    code, out, err = run("day-close", "--date", DAY, *args, "--json")
    assert (code, out) == (1, "")
    assert message in err


def test_export_fees_writes_a_cp932_csv_into_the_export_register(
    taken, staff, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(
        "export-fees", "--from", DAY, "--to", "2026-06-11", "--user", staff.username, "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    path = tmp_path / "fees_20260610_20260611.csv"
    assert data["file"] == str(path) and data["rows"] == 6
    raw = path.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == data["sha256"]
    rows = list(csv.reader(io.StringIO(raw.decode("cp932"))))
    assert rows[0][:5] == ["収納日", "領収番号", "種類", "手続コード", "手続"]
    assert [row[1] for row in rows[1:]] == [
        "20260610-0001",
        "20260610-0002",
        "20260610-0003",
        "20260610-0004",
        "20260610-0005",
        "20260611-0001",
    ]
    reversal = rows[5]
    assert reversal[2] == "取消" and reversal[7] == "-600" and reversal[9] == "20260610-0001"
    assert reversal[10].startswith("'=")  # a formula neutralised
    assert sum(int(row[7]) for row in rows[1:]) == 600 + 300 + 300 + 300 - 600 + 900
    record = ExportRecord.objects.get(pk=data["export"])
    assert (record.file_format, record.count, record.exported_by_id) == ("csv", 6, staff.pk)
    assert "手数料収納データ" in record.reason
    assert AccessLogEntry.objects.filter(action="export", actor=staff).count() == 1


def test_export_fees_refusals(taken, cashier, staff, tmp_path):
    out_file = str(tmp_path / "fees.csv")
    code, _out, err = run(
        "export-fees", "--from", DAY, "--to", DAY, "--user", cashier.username, "--out", out_file
    )
    assert code == 1 and "出力する権限がありません" in err
    code, _out, err = run(
        "export-fees", "--from", DAY, "--to", "2026-06-01", "--user", staff.username
    )
    assert code == 1 and "--to は --from 以降" in err
    assert not ExportRecord.objects.exists()
    (tmp_path / "fees.csv").write_text("x")
    code, _out, err = run(
        "export-fees", "--from", DAY, "--to", DAY, "--user", staff.username, "--out", out_file
    )
    assert code == 1 and "上書きはしません" in err
    assert not ExportRecord.objects.exists()
