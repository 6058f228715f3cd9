"""Contacts out (layout 4): every field read back from CSV and xlsx, the export register, CLI."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError
from openpyxl import load_workbook

from civicdesk.audit.models import AccessLogEntry
from civicdesk.core.tabular import CellError
from civicdesk.privacy.models import ExportRecord
from civicdesk.privacy.services import export_register as exports
from civicdesk.privacy.services.export_register import ExportError
from civicdesk.receivables.exporters.contacts import (
    ContactRow,
    contact_sources,
    export_contacts,
    register_contact_source,
    unregister_contact_source,
)

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
APRIL = {"start": dt.date(2025, 4, 1), "end": dt.date(2025, 4, 30)}
HEADER = [
    "番号",
    "日時",
    "税目",
    "宛名番号",
    "整理番号",
    "区分",
    "相手",
    "結果",
    "約束日",
    "約束額",
    "担当者",
    "内容",
]
FIELDS = [
    "at",
    "case_no",
    "channel",
    "contact_id",
    "note",
    "outcome",
    "party",
    "promised_amount",
    "promised_on",
    "resident_no",
    "revenue_type",
    "user",
]


def row(contact_id, at, revenue_type, channel, party, note, **extra) -> ContactRow:
    values = {
        "resident_no": "000123",
        "case_no": f"{revenue_type[:3].upper()}-{contact_id}",
        "outcome": "不在",
        "promised_on": None,
        "promised_amount": None,
        "user": "オペレータ 一郎",
    }
    values.update(extra)
    return ContactRow(
        contact_id=contact_id,
        at=at,
        revenue_type=revenue_type,
        channel=channel,
        party=party,
        note=note,
        **values,
    )


# One call covering two revenue types (two rows, one 番号), then one contact per channel.
# 1002 is at 00:30 in Tokyo on 4/2, which is still 4/1 in UTC.
FIXTURE = [
    row(
        1001,
        dt.datetime(2025, 4, 1, 10, 30, 15, tzinfo=TOKYO),
        "nhi",
        "outbound_call",
        "self",
        "来週の給料日に納付するとのこと",
        outcome="納付約束",
        promised_on=dt.date(2025, 4, 15),
        promised_amount=12300,
        case_no="N-2025-0001",
    ),
    row(
        1001,
        dt.datetime(2025, 4, 1, 10, 30, 15, tzinfo=TOKYO),
        "ltc",
        "outbound_call",
        "self",
        "来週の給料日に納付するとのこと",
        outcome="納付約束",
        promised_on=dt.date(2025, 4, 15),
        promised_amount=5000,
        case_no="L-2025-0042",
    ),
    row(
        1002,
        dt.datetime(2025, 4, 1, 15, 30, tzinfo=dt.UTC),
        "resident_tax",
        "visit",
        "none",
        '=HYPERLINK("http://x")',
        resident_no="000456",
        outcome="不在（不在票差し置き）",
    ),
    row(1003, dt.datetime(2025, 4, 3, 14, 0, tzinfo=TOKYO), "late_elderly", "sms", "none", "+1"),
    row(1004, dt.datetime(2025, 4, 4, 9, 5, tzinfo=TOKYO), "nhi", "inbound_call", "family", "-1"),
    row(
        1005,
        dt.datetime(2025, 4, 7, 11, 0, tzinfo=TOKYO),
        "light_vehicle_tax",
        "letter",
        "other",
        "@SUM(A1:A2)",
    ),
    row(
        1006,
        dt.datetime(2025, 4, 8, 16, 45, tzinfo=TOKYO),
        "nhi",
        "outbound_call",
        "self",
        "\t9時〜17時に再架電",
    ),
]

# What layout 4 must say for FIXTURE, written out by hand (not derived from the code).
EXPECTED_CSV = [
    ["1001", "2025-04-01 10:30:15", "国保", "000123", "N-2025-0001", "架電", "本人", "納付約束",
     "2025-04-15", "12300", "オペレータ 一郎", "来週の給料日に納付するとのこと"],
    ["1001", "2025-04-01 10:30:15", "介護", "000123", "L-2025-0042", "架電", "本人", "納付約束",
     "2025-04-15", "5000", "オペレータ 一郎", "来週の給料日に納付するとのこと"],
    ["1002", "2025-04-02 00:30:00", "住民税", "000456", "RES-1002", "訪問", "なし",
     "不在（不在票差し置き）", "", "", "オペレータ 一郎", '\'=HYPERLINK("http://x")'],
    ["1003", "2025-04-03 14:00:00", "後期高齢", "000123", "LAT-1003", "SMS", "なし", "不在",
     "", "", "オペレータ 一郎", "'+1"],
    ["1004", "2025-04-04 09:05:00", "国保", "000123", "NHI-1004", "受電", "家族", "不在",
     "", "", "オペレータ 一郎", "'-1"],
    ["1005", "2025-04-07 11:00:00", "軽自動車税", "000123", "LIG-1005", "文書", "その他", "不在",
     "", "", "オペレータ 一郎", "'@SUM(A1:A2)"],
    ["1006", "2025-04-08 16:45:00", "国保", "000123", "NHI-1006", "架電", "本人", "不在",
     "", "", "オペレータ 一郎", "'\t9時～17時に再架電"],
]  # fmt: skip


@pytest.fixture(autouse=True)
def _only_the_sources_a_test_registers():
    """These tests are about the layout: the dunning app's own source is set aside."""
    installed = contact_sources()
    for registered in installed:
        unregister_contact_source(registered)
    yield
    for registered in installed:
        register_contact_source(registered)


@pytest.fixture
def source():
    """Registers FIXTURE as the contact source (what dunning will do) and remembers calls."""
    calls = []

    def fixture_contacts(*, start, end):
        calls.append((start, end))
        return iter(FIXTURE)

    register_contact_source(fixture_contacts)
    yield calls
    unregister_contact_source(fixture_contacts)


@pytest.fixture
def rows_from():
    """Registers a source giving the rows the test passes in."""
    registered = []

    def _register(rows):
        def _source(*, start, end):
            return list(rows)

        register_contact_source(_source)
        registered.append(_source)

    yield _register
    for registered_source in registered:
        unregister_contact_source(registered_source)


def _may_export(user):
    # The role patterns live in accounts/roles.py (the lead's); grant the permission directly.
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="privacy", codename="add_exportrecord")
    )
    return type(user).objects.get(pk=user.pk)  # fresh: has_perm caches


@pytest.fixture
def exporter(staff):
    return _may_export(staff)


def export(user, tmp_path, name="contacts.csv", **options):
    values = {**APRIL, "reason": "国保システムへの経過記録連携", **options}
    return export_contacts(acting_user=user, out=tmp_path / name, **values)


def read_cp932_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="cp932", newline="") as stream:
        return list(csv.reader(stream))


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the file ---------------------------------------------------------------------------------


def test_cp932_csv_holds_every_field_of_every_contact(source, exporter, tmp_path):
    result = export(exporter, tmp_path)
    lines = read_cp932_csv(result.path)
    assert lines[0] == HEADER
    assert lines[1:] == EXPECTED_CSV
    assert result.count == len(EXPECTED_CSV)


def test_csv_has_crlf_line_ends_for_excel(source, exporter, tmp_path):
    data = export(exporter, tmp_path).path.read_bytes()
    assert data.count(b"\r\n") == len(EXPECTED_CSV) + 1
    assert data.replace(b"\r\n", b"").count(b"\n") == 0


def test_utf8_csv_has_a_bom_and_the_same_rows(source, exporter, tmp_path):
    result = export(exporter, tmp_path, encoding="utf-8")
    data = result.path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    expected = [list(line) for line in EXPECTED_CSV]
    expected[-1][-1] = "'\t9時〜17時に再架電"  # UTF-8 keeps the wave dash as typed
    assert lines == [HEADER, *expected]


def test_one_contact_with_two_revenue_types_is_two_rows_with_the_same_number(
    source, exporter, tmp_path
):
    lines = read_cp932_csv(export(exporter, tmp_path).path)[1:]
    first_call = [line for line in lines if line[0] == "1001"]
    assert [(line[2], line[4], line[9]) for line in first_call] == [
        ("国保", "N-2025-0001", "12300"),
        ("介護", "L-2025-0042", "5000"),
    ]


def test_xlsx_holds_every_field_with_numbers_and_dates_typed(source, exporter, tmp_path):
    result = export(exporter, tmp_path, name="contacts.xlsx", file_format="xlsx")
    sheet = load_workbook(result.path)["折衝記録"]
    assert [cell.value for cell in sheet[1]] == HEADER
    assert all(cell.font.b for cell in sheet[1]) and sheet.freeze_panes == "A2"
    values = [list(line) for line in sheet.iter_rows(min_row=2, values_only=True)]
    expected = []
    for line in EXPECTED_CSV:
        expected.append(
            [
                int(line[0]),
                dt.datetime.fromisoformat(line[1]),
                *line[2:8],
                dt.datetime.fromisoformat(line[8]) if line[8] else None,
                int(line[9]) if line[9] else None,
                line[10],
                line[11],
            ]
        )
    expected[-1][-1] = "'\t9時〜17時に再架電"
    assert values == expected
    first = sheet[2]
    assert first[0].data_type == "n" and first[9].data_type == "n"
    assert first[1].is_date and first[8].is_date
    assert first[8].number_format == 'yyyy"年"m"月"d"日"'
    assert {cell.data_type for line in sheet.iter_rows(min_row=2) for cell in line[11:]} == {"s"}


def test_the_source_is_asked_for_the_period_exported(source, exporter, tmp_path):
    export(exporter, tmp_path, start=dt.date(2025, 4, 3), end=dt.date(2025, 4, 5))
    assert source == [(dt.date(2025, 4, 3), dt.date(2025, 4, 5))]


def test_a_team_member_exports_only_the_team_revenue_types(source, operator, tmp_path):
    nhi_operator = _may_export(operator)  # team 国保チーム: nhi only
    result = export(nhi_operator, tmp_path)
    lines = read_cp932_csv(result.path)[1:]
    assert [(line[0], line[2]) for line in lines] == [
        ("1001", "国保"),
        ("1004", "国保"),
        ("1006", "国保"),
    ]
    assert result.record.count == 3


# --- refusals leave nothing behind --------------------------------------------------------


def test_a_character_outside_cp932_is_refused_naming_row_and_column_and_leaves_no_file(
    rows_from, exporter, tmp_path
):
    at = dt.datetime(2025, 4, 10, 10, 0, tzinfo=TOKYO)
    rows_from(
        [
            row(2001, at, "nhi", "visit", "self", "表札確認"),
            row(2002, at, "nhi", "visit", "self", "𠮷田様方に同居"),
        ]
    )
    with pytest.raises(CellError) as caught:
        export(exporter, tmp_path)
    message = str(caught.value)
    assert "2件目（ファイルの3行目）の「内容」列" in message
    assert "「𠮷」" in message and "CP932" in message
    assert list(tmp_path.iterdir()) == []  # not even the temporary file
    assert not ExportRecord.objects.exists()
    assert not AccessLogEntry.objects.filter(action="export").exists()


@pytest.mark.parametrize("reason", ["", "   ", "\u3000\n"])
def test_a_reason_is_required(source, exporter, tmp_path, reason):
    with pytest.raises(ExportError, match="持出しの理由を入力してください"):
        export(exporter, tmp_path, reason=reason)
    assert list(tmp_path.iterdir()) == [] and not ExportRecord.objects.exists()
    assert source == []  # refused before the contacts were read


def test_a_start_after_the_end_is_refused(source, exporter, tmp_path):
    with pytest.raises(ExportError, match=r"開始日（2025-05-01）は終了日（2025-04-30）以前"):
        export(exporter, tmp_path, start=dt.date(2025, 5, 1))
    assert source == [] and list(tmp_path.iterdir()) == []


def test_a_user_without_the_export_permission_is_refused(source, operator, tmp_path):
    with pytest.raises(PermissionDenied, match="折衝記録を出力する権限がありません"):
        export(operator, tmp_path)
    assert source == [] and list(tmp_path.iterdir()) == []
    assert not ExportRecord.objects.exists()


def test_an_existing_file_is_not_overwritten(source, exporter, tmp_path):
    (tmp_path / "contacts.csv").write_bytes(b"earlier export")
    with pytest.raises(ExportError, match="出力先のファイルが既にあります"):
        export(exporter, tmp_path)
    assert (tmp_path / "contacts.csv").read_bytes() == b"earlier export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contacts.csv"]
    assert source == []  # refused before anything was read or written


def test_a_failing_register_leaves_no_file(source, exporter, tmp_path, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(exports, "record_export", broken)
    with pytest.raises(RuntimeError):
        export(exporter, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_register_that_fails_to_commit_takes_the_published_file_back(
    source, exporter, tmp_path, monkeypatch
):
    real_atomic = exports.transaction.atomic

    calls = []

    @contextlib.contextmanager
    def atomic_failing_at_commit():
        outermost = not calls  # the export's own block; the register's nests inside it
        calls.append(outermost)
        with real_atomic():
            yield
        if outermost:
            raise DatabaseError("commit failed")

    monkeypatch.setattr(exports.transaction, "atomic", atomic_failing_at_commit)
    with pytest.raises(DatabaseError):
        export(exporter, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_failing_rename_registers_nothing(source, exporter, tmp_path, monkeypatch):
    def broken(temporary, out):
        raise OSError("disk full")

    monkeypatch.setattr(exports, "publish_file", broken)
    with pytest.raises(OSError, match="disk full"):
        export(exporter, tmp_path)
    assert list(tmp_path.iterdir()) == []
    assert not ExportRecord.objects.exists()
    assert not AccessLogEntry.objects.filter(action="export").exists()


# --- the register and the access log -------------------------------------------------------


def test_the_export_register_names_user_reason_count_and_the_hash_of_the_file(
    source, exporter, tmp_path
):
    result = export(exporter, tmp_path, reason="  国保システムへの経過記録連携  ")
    record = ExportRecord.objects.get()
    assert record == result.record
    assert record.exported_by == exporter
    assert record.reason == "国保システムへの経過記録連携"
    assert record.count == len(EXPECTED_CSV) == 7
    assert record.sha256 == sha256_of(tmp_path / "contacts.csv") == result.sha256
    assert (record.file_name, record.file_format) == ("contacts.csv", "csv")
    assert record.content == "折衝記録 令和7年4月1日〜令和7年4月30日 CSV・CP932（Shift_JIS）"


def test_an_xlsx_export_is_registered_with_its_own_hash(source, exporter, tmp_path):
    result = export(exporter, tmp_path, name="contacts.xlsx", file_format="xlsx")
    assert (result.record.file_format, result.record.count) == ("xlsx", 7)
    assert result.record.sha256 == sha256_of(tmp_path / "contacts.xlsx")


def test_the_export_is_in_the_access_log_with_its_columns_and_reason(source, exporter, tmp_path):
    result = export(exporter, tmp_path)
    entry = AccessLogEntry.objects.get(action="export")
    assert entry.actor == exporter
    assert (entry.object_type, entry.object_id) == ("privacy.exportrecord", str(result.record.pk))
    assert entry.fields == FIELDS
    assert entry.reason == "国保システムへの経過記録連携"


def test_without_a_source_the_file_has_only_the_header_and_is_still_registered(exporter, tmp_path):
    assert contact_sources() == ()  # no app has plugged in (the fixture below)
    result = export(exporter, tmp_path)
    assert read_cp932_csv(result.path) == [HEADER]
    assert result.count == 0
    record = ExportRecord.objects.get()
    assert record.count == 0 and record.sha256 == sha256_of(result.path)


def test_a_source_registered_twice_gives_its_rows_once(source, exporter, tmp_path):
    (registered,) = contact_sources()
    register_contact_source(registered)
    assert export(exporter, tmp_path).count == len(EXPECTED_CSV)


# --- ContactRow -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"at": dt.datetime(2025, 4, 1, 10, 0)}, "aware datetime"),
        ({"revenue_type": "dog_tax"}, "unknown revenue type"),
        ({"channel": "fax"}, "unknown channel"),
        ({"party": "neighbour"}, "unknown party"),
    ],
)
def test_a_contact_row_refuses_codes_outside_layout_4(change, message):
    values = {
        "contact_id": 1,
        "at": dt.datetime(2025, 4, 1, 10, 0, tzinfo=TOKYO),
        "revenue_type": "nhi",
        "resident_no": "1",
        "case_no": "1",
        "channel": "visit",
        "party": "self",
        "outcome": "",
        "promised_on": None,
        "promised_amount": None,
        "user": "",
        "note": "",
    }
    with pytest.raises(ValueError, match=message):
        ContactRow(**{**values, **change})


# --- the command ------------------------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command("export", "contacts", *args, stdout=out)
    return out.getvalue()


def cli_args(tmp_path, exporter, name="contacts.csv", *extra):
    return [
        "--from", "2025-04-01", "--to", "2025-04-30",
        "--reason", "国保システムへの経過記録連携",
        "--user", exporter.username,
        "--out", str(tmp_path / name),
        *extra,
    ]  # fmt: skip


def test_cli_json_line_names_rows_file_and_hash(source, exporter, tmp_path):
    output = run(*cli_args(tmp_path, exporter), "--json")
    path = tmp_path / "contacts.csv"
    assert json.loads(output) == {"rows": 7, "file": str(path), "sha256": sha256_of(path)}
    assert len(output.strip().splitlines()) == 1
    assert read_cp932_csv(path)[1:] == EXPECTED_CSV
    record = ExportRecord.objects.get()
    assert (record.exported_by, record.count, record.sha256) == (exporter, 7, sha256_of(path))


def test_cli_summary_in_japanese(source, exporter, tmp_path):
    output = run(*cli_args(tmp_path, exporter, "c.xlsx", "--format", "xlsx"))
    record = ExportRecord.objects.get()
    assert "折衝記録 7件を出力しました。" in output
    assert f"ファイル: {tmp_path / 'c.xlsx'}\n形式: Excel（xlsx）" in output
    assert f"SHA-256: {sha256_of(tmp_path / 'c.xlsx')}" in output
    assert f"持出記録: No.{record.pk}" in output


def test_cli_says_when_there_is_nothing_to_export_and_still_registers(exporter, tmp_path):
    output = run(*cli_args(tmp_path, exporter))
    assert "出力対象の折衝記録はありません（0件）" in output
    assert ExportRecord.objects.get().count == 0


def test_cli_accepts_era_dates(source, exporter, tmp_path):
    args = cli_args(tmp_path, exporter)
    args[1], args[3] = "R7.4.3", "令和7年4月5日"
    run(*args)
    assert source == [(dt.date(2025, 4, 3), dt.date(2025, 4, 5))]


def test_cli_default_file_name_is_in_the_current_folder(source, exporter, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = cli_args(tmp_path, exporter)[:-2]  # without --out
    output = json.loads(run(*args, "--json"))
    assert output["file"] == str(tmp_path / "contacts_20250401_20250430.csv")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--user": None}, "--user に出力する利用者のユーザーIDを指定してください"),
        ({"--user": "nobody"}, "ユーザー「nobody」は登録されていないか、無効になっています"),
        ({"--reason": " "}, "持出しの理由を入力してください"),
        ({"--reason": None}, "持出しの理由を入力してください"),
        ({"--from": "2025-05-01"}, "開始日（2025-05-01）は終了日（2025-04-30）以前"),
        ({"--from": "2025-02-30"}, "--from: 存在しない日付です: 2025-02-30"),
        ({"--to": None}, "--to を YYYY-MM-DD 形式で指定してください"),
        ({"--format": "pdf"}, "--format は csv または xlsx を指定してください: pdf"),
        ({"--encoding": "euc-jp"}, "--encoding は cp932 または utf-8 を指定してください"),
    ],
)
def test_cli_errors_are_japanese_with_exit_status_2(source, exporter, tmp_path, change, message):
    args = cli_args(tmp_path, exporter)
    for option, value in change.items():
        if option not in args:
            args += [option, value]
            continue
        index = args.index(option)
        if value is None:
            del args[index : index + 2]
        else:
            args[index + 1] = value
    with pytest.raises(CommandError, match=message) as caught:
        run(*args)
    assert caught.value.returncode == 2
    assert list(tmp_path.iterdir()) == [] and not ExportRecord.objects.exists()


def test_cli_refuses_an_encoding_for_xlsx(source, exporter, tmp_path):
    args = cli_args(tmp_path, exporter, "c.xlsx", "--format", "xlsx", "--encoding", "utf-8")
    with pytest.raises(CommandError, match="--encoding は CSV のときだけ指定できます"):
        run(*args)


def test_cli_reports_an_unencodable_character(rows_from, exporter, tmp_path):
    at = dt.datetime(2025, 4, 10, 10, 0, tzinfo=TOKYO)
    rows_from([row(2001, at, "nhi", "visit", "self", "note", user="髙橋 𠮷男")])
    with pytest.raises(CommandError, match="1件目（ファイルの2行目）の「担当者」列") as caught:
        run(*cli_args(tmp_path, exporter))
    assert caught.value.returncode == 2
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_a_user_without_the_export_permission(source, operator, tmp_path):
    with pytest.raises(CommandError, match="折衝記録を出力する権限がありません") as caught:
        run(*cli_args(tmp_path, operator))
    assert caught.value.returncode == 2
