"""`civicdesk import`: exit codes, FILE:LINE:COLUMN on stderr, the JSON line, the summary."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicdesk.audit.models import AccessLogEntry
from civicdesk.receivables.models import ImportRun
from civicdesk.registry.models import Obligor
from tests.receivables.fixtures.files import receivables_row, write_csv


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing(*args: str) -> tuple[CommandError, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import", *args, stdout=out, stderr=err)
    return raised.value, out.getvalue(), err.getvalue()


@pytest.fixture
def good_file(tmp_path, municipality):
    return write_csv(
        tmp_path / "滞納.csv", [receivables_row(), receivables_row(期別="2")], encoding="cp932"
    )


def test_json_is_the_last_line_with_the_counts(good_file):
    out, err = run("receivables", str(good_file), "--json")
    counts = json.loads(out.strip().splitlines()[-1])
    assert counts["rows"] == 2
    assert counts["created"] == 4
    assert counts["errors"] == 0
    assert counts["dropped_columns"] == ["延滞金", "徴収区分", "被保険者番号", "通称名"]
    assert set(counts) >= {
        "rows",
        "obligors",
        "accounts",
        "installments",
        "payments",
        "created",
        "updated",
        "unchanged",
        "errors",
        "dropped_columns",
    }
    assert err == ""
    assert Obligor.objects.count() == 1


def test_a_second_run_says_unchanged(good_file):
    run("receivables", str(good_file))
    out, _ = run("receivables", str(good_file), "--json")
    counts = json.loads(out.strip().splitlines()[-1])
    assert (counts["created"], counts["updated"], counts["unchanged"]) == (0, 0, 4)


def test_the_summary_is_japanese(good_file):
    out, _ = run("receivables", str(good_file))
    assert out.splitlines() == [
        "取込みました: 行 2、納付義務者 1、口座 1、期別 2",
        "新規 4、更新 0、変更なし 0、削除 0",
        "取り込まなかった列: 延滞金、徴収区分、被保険者番号、通称名",
    ]


def test_errors_exit_with_2_and_list_file_line_column(tmp_path, municipality):
    path = write_csv(
        tmp_path / "bad.csv",
        [receivables_row(未納額="1"), receivables_row(期別="2", 氏名="=cmd|' /C calc'!A0")],
    )
    error, out, err = failing("receivables", str(path), "--json")
    assert error.returncode == 2
    assert err.splitlines() == [
        f"{path}:2:未納額: 未納額が調定額−納付額と合いません（12,300 − 0 = 12,300、未納額は 1）",
        f"{path}:3:氏名: 数式として解釈される値は取り込めません",
    ]
    assert json.loads(out.strip().splitlines()[-1])["errors"] == 2
    assert "エラー 2 件" in str(error)
    assert not Obligor.objects.exists()


def test_more_than_a_thousand_errors_end_with_a_count_line(tmp_path, municipality):
    rows = [
        receivables_row(期別=str(1 + i % 14), 年度=str(2000 + i // 14), 納付額="-1")
        for i in range(1001)
    ]
    path = write_csv(tmp_path / "many.csv", rows)
    _, _, err = failing("receivables", str(path))
    lines = err.splitlines()
    assert len(lines) == 1001
    assert lines[-1] == "エラーは全部で 1,001 件です（先頭の 1,000 件を表示しました）"


def test_dry_run_writes_nothing_but_its_run(good_file):
    out, _ = run("receivables", str(good_file), "--dry-run")
    assert out.startswith("検証のみ（書き込んでいません）")
    assert not Obligor.objects.exists()
    assert ImportRun.objects.get().dry_run is True


def test_user_is_recorded_as_the_importer(good_file, staff):
    run("receivables", str(good_file), "--user", staff.username)
    assert ImportRun.objects.get().acting_user == staff
    assert AccessLogEntry.objects.get(object_type="receivables.importrun").actor == staff


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["taxes", "x.csv"], "取込みの種類は receivables, household, payments のいずれかです"),
        (["receivables", "/nonexistent.csv"], "ファイルがありません"),
        (["receivables", "{file}", "--encoding", "euc-jp"], "cp932 または utf-8"),
        (
            ["receivables", "{file}", "--municipality", "999999"],
            "999999 の自治体は登録されていません",
        ),
        (["receivables", "{file}", "--user", "nobody"], "ユーザー nobody は登録されていない"),
    ],
)
def test_bad_arguments_are_refused_in_japanese(good_file, args, message):
    args = [arg.format(file=good_file) for arg in args]
    error, _, _ = failing(*args)
    assert error.returncode == 2
    assert message in str(error)
    assert not ImportRun.objects.exists()
