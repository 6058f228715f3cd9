"""Validation: every rule names FILE:LINE:COLUMN and a Japanese reason, and nothing is written."""

from __future__ import annotations

import pytest

from civicdesk.receivables.importers.errors import ERROR_LIMIT
from civicdesk.receivables.models import ImportStatus
from civicdesk.receivables.services import import_file
from civicdesk.registry.models import Obligor
from tests.receivables.fixtures.files import (
    RECEIVABLES_HEADERS,
    csv_text,
    import_rows,
    receivables_row,
)


@pytest.fixture
def run_import(tmp_path, staff, municipality):
    def _run(rows, **options):
        return import_rows(
            tmp_path, acting_user=staff, municipality=municipality, rows=rows, **options
        )

    return _run


@pytest.fixture
def import_bytes(tmp_path, staff, municipality):
    def _run(data: bytes, **options):
        path = tmp_path / "f.csv"
        path.write_bytes(data)
        return import_file(
            acting_user=staff,
            municipality=municipality,
            kind="receivables",
            path=path,
            display_name="f.csv",
            **options,
        )

    return _run


def messages(result) -> list[str]:
    return [str(error) for error in result.errors]


def only_error(result) -> str:
    assert result.error_count == 1, messages(result)
    assert not Obligor.objects.exists()
    assert result.run.status == ImportStatus.FAILED
    return str(result.errors[0])


def test_undecodable_bytes_name_their_line(import_bytes):
    good = csv_text(RECEIVABLES_HEADERS, [receivables_row()]).encode("utf-8")
    # A CP932 line slipped into a UTF-8 file.
    bad = csv_text(RECEIVABLES_HEADERS, [receivables_row(期別="2")]).split("\r\n")[1]
    error = only_error(import_bytes(good + bad.encode("cp932") + b"\r\n"))
    # The column is the first whose cell holds the undecodable bytes (国保 in CP932).
    assert error.startswith("f.csv:3:税目: 文字コード UTF-8 として読めないバイトがあります")


def test_a_cp932_file_read_as_utf8_because_told_so_fails_at_the_header(import_bytes):
    data = csv_text(RECEIVABLES_HEADERS, [receivables_row()]).encode("cp932")
    result = import_bytes(data, encoding="utf-8")
    assert messages(result)[0].startswith(
        "f.csv:1:-: 文字コード UTF-8 として読めないバイトがあります"
    )
    assert not Obligor.objects.exists()


def test_missing_required_header(run_import):
    headers = [h for h in RECEIVABLES_HEADERS if h != "未納額"]
    error = only_error(run_import([receivables_row()], headers=headers))
    assert error == "data.csv:1:未納額: 必須の列「未納額」（unpaid）がありません"


def test_duplicate_header_even_through_its_alias(run_import):
    headers = [*RECEIVABLES_HEADERS, "name"]
    row = [*receivables_row().values(), "山田　太郎"]
    error = only_error(run_import([row], headers=headers))
    assert error == "data.csv:1:name: 列「name」が重複しています（「氏名」と同じ項目）"


def test_unpaid_must_equal_assessed_minus_paid(run_import):
    error = only_error(run_import([receivables_row(調定額="10,000", 納付額="3000", 未納額="6000")]))
    assert error == (
        "data.csv:2:未納額: 未納額が調定額−納付額と合いません"
        "（10,000 − 3,000 = 7,000、未納額は 6,000）"
    )


def test_negative_amount(run_import):
    error = only_error(run_import([receivables_row(調定額="-12300", 未納額="0", 納付額="0")]))
    assert error == "data.csv:2:調定額: 金額が負の値です: -12300"


def test_impossible_era_date_uses_the_japanese_reason(run_import):
    error = only_error(run_import([receivables_row(納期限="令和7年2月30日")]))
    assert error == "data.csv:2:納期限: 存在しない日付です: 令和7年2月30日"


def test_unknown_revenue_type(run_import):
    error = only_error(run_import([receivables_row(税目="固定資産税")]))
    assert error.startswith("data.csv:2:税目: 不明な税目です")


def test_the_same_installment_twice_in_one_file(run_import):
    error = only_error(run_import([receivables_row(), receivables_row(年度="R7")]))
    assert error.startswith("data.csv:3:期別: 同じ期別")


def test_an_empty_file(import_bytes):
    assert only_error(import_bytes(b"")) == "f.csv:1:-: ファイルが空です"


def test_a_header_only_file(import_bytes):
    data = csv_text(RECEIVABLES_HEADERS, []).encode("utf-8")
    assert only_error(import_bytes(data)) == "f.csv:2:-: データ行がありません"


def test_a_formula_in_a_name_is_refused(run_import):
    error = only_error(run_import([receivables_row(氏名='=HYPERLINK("http://evil","x")')]))
    assert error == "data.csv:2:氏名: 数式として解釈される値は取り込めません"


def test_one_case_number_with_two_resident_numbers_in_one_file(run_import):
    error = only_error(run_import([receivables_row(), receivables_row(期別="2", 宛名番号="2002")]))
    assert (
        error == "data.csv:3:宛名番号: 整理番号 N1001 は 2 行目で別の宛名番号（1001）になっています"
    )


def test_an_empty_required_cell(run_import):
    error = only_error(run_import([receivables_row(住所="")]))
    assert error == "data.csv:2:住所: 必須の項目が空です"


def test_a_row_with_missing_cells(import_bytes):
    text = csv_text(RECEIVABLES_HEADERS, [receivables_row()]) + "国保,1001,N1001\r\n"
    error = only_error(import_bytes(text.encode("utf-8")))
    assert error == "f.csv:3:-: 列の数が見出しと合いません（見出しは27列、この行は3列）"


def test_empty_cells_beyond_the_header_are_fine(import_bytes):
    text = csv_text(RECEIVABLES_HEADERS, [[*receivables_row().values(), "", ""]])
    assert import_bytes(text.encode("utf-8")).error_count == 0


def test_lines_are_physical_even_after_a_cell_spanning_lines(run_import):
    result = run_import(
        [receivables_row(方書="一行目\n二行目"), receivables_row(期別="2", 性別="不明")]
    )
    assert messages(result) == [
        "data.csv:2:方書: 改行・タブなどの制御文字は使えません",
        "data.csv:4:性別: 性別は 男・女・1・2 のいずれかです: 不明",
    ]


def test_blank_lines_are_skipped_but_counted(import_bytes):
    text = csv_text(RECEIVABLES_HEADERS, [receivables_row()]) + "\r\n\r\n"
    text += csv_text(RECEIVABLES_HEADERS, [receivables_row(期別="x")]).split("\r\n", 1)[1]
    assert messages(import_bytes(text.encode("utf-8"))) == [
        "f.csv:5:期別: 期別は1〜14または随時です: x"
    ]


def test_every_error_of_a_row_and_of_the_file_is_listed(run_import):
    result = run_import(
        [
            receivables_row(税目="?", 納期限="2025-13-01"),
            receivables_row(期別="2", 氏名="@x"),
        ]
    )
    assert [(e.line, e.column) for e in result.errors] == [(2, "税目"), (2, "納期限"), (3, "氏名")]


def test_only_the_first_thousand_errors_are_kept_but_all_are_counted(run_import):
    rows = [
        receivables_row(期別=str(1 + i % 14), 年度=str(2000 + i // 14), 調定額="-1")
        for i in range(1050)
    ]
    result = run_import(rows)
    assert result.error_count == 1050
    assert len(result.errors) == ERROR_LIMIT
    assert result.run.error_count == 1050
    assert len(result.run.errors) == ERROR_LIMIT
