"""The shared CSV/xlsx writers: encodings, line ends, formula neutralising, types, refusals."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet._writer import ALL_TEMP_FILES

from civicdesk.core.tabular import CellError, neutralise, write_csv, write_xlsx

TOKYO = ZoneInfo("Asia/Tokyo")
HEADERS = ["番号", "日時", "内容"]


def csv_bytes(rows, encoding="cp932", headers=HEADERS) -> bytes:
    out = io.BytesIO()
    write_csv(rows, headers, out, encoding)
    return out.getvalue()


def read_csv(data: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))


def xlsx_sheet(rows, headers=HEADERS, **kwargs):
    out = io.BytesIO()
    write_xlsx(rows, headers, out, "シート", **kwargs)
    return load_workbook(io.BytesIO(out.getvalue()))["シート"]


# --- neutralise -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("来週納付 =1", "来週納付 =1"),  # only a leading sign starts a formula
        ("", ""),
        ("'already", "'already"),
    ],
)
def test_neutralise_prefixes_an_apostrophe_to_text_that_starts_a_formula(value, expected):
    assert neutralise(value) == expected


@pytest.mark.parametrize("value", [-1, 0, -12300, None, dt.date(2025, 4, 1)])
def test_neutralise_leaves_numbers_and_other_values_alone(value):
    assert neutralise(value) == value


# --- CSV --------------------------------------------------------------------------------------


def test_csv_cp932_has_crlf_line_ends_and_no_bom():
    data = csv_bytes([[1, None, "催告"], [2, None, "二行目"]])
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data == "番号,日時,内容\r\n1,,催告\r\n2,,二行目\r\n".encode("cp932")


def test_csv_utf8_starts_with_a_bom_so_excel_reads_it_as_utf8():
    data = csv_bytes([[1, None, "𠮷野家"]], encoding="utf-8")
    assert data == b"\xef\xbb\xbf" + "番号,日時,内容\r\n1,,𠮷野家\r\n".encode()


def test_csv_neutralises_every_text_cell_but_not_numbers():
    rows = [[-1, '=HYPERLINK("http://x")', "+1"], [-5, "-1", "@SUM(A1)"], [3, "\tx", "ok"]]
    assert read_csv(csv_bytes(rows), "cp932")[1:] == [
        ["-1", '\'=HYPERLINK("http://x")', "'+1"],
        ["-5", "'-1", "'@SUM(A1)"],
        ["3", "'\tx", "ok"],
    ]


def test_csv_writes_dates_iso_and_aware_datetimes_in_tokyo_time():
    utc_evening = dt.datetime(2025, 4, 1, 15, 30, 5, tzinfo=dt.UTC)  # 00:30:05 on 4/2 in Tokyo
    rows = [[dt.date(2025, 4, 30), utc_evening, True]]
    assert read_csv(csv_bytes(rows), "cp932")[1] == ["2025-04-30", "2025-04-02 00:30:05", "有"]


def test_csv_cp932_writes_the_jis_wave_dash_as_its_cp932_twin():
    # The JIS and the CP932 character share one Shift_JIS code (0x8160 for the wave dash,
    # 0x815C for the dash); reading CP932 back gives the CP932 one.
    data = csv_bytes([[1, None, "9時〜17時 −100円 — 済"]])
    assert read_csv(data, "cp932")[1][2] == "9時～17時 －100円 ― 済"


def test_csv_refuses_a_character_outside_cp932_naming_row_and_column():
    rows = [[1, None, "問題なし"], [2, None, "𠮷田さん宅"]]
    with pytest.raises(CellError) as caught:
        csv_bytes(rows)
    error = caught.value
    assert (error.row, error.column) == (2, "内容")
    message = str(error)
    assert "2件目（ファイルの3行目）の「内容」列" in message
    assert "「𠮷」（U+20BB7" in message
    assert "CP932" in message and "UTF-8 で出力する" in message


def test_csv_streams_rows_as_they_come():
    out = io.BytesIO()

    def rows():
        yield [1, None, "一件目"]
        yield [2, None, "二件目"]
        assert out.getvalue().count(b"\r\n") == 3  # header and both rows already written
        raise RuntimeError("source failed")

    with pytest.raises(RuntimeError):
        write_csv(rows(), HEADERS, out, "cp932")


def test_csv_returns_the_number_of_data_rows():
    assert write_csv(iter([[1, None, "a"], [2, None, "b"]]), HEADERS, io.BytesIO()) == 2
    assert write_csv([], HEADERS, io.BytesIO()) == 0


def test_csv_refuses_an_unknown_encoding():
    with pytest.raises(ValueError, match="unknown encoding"):
        write_csv([], HEADERS, io.BytesIO(), "euc-jp")


# --- xlsx -------------------------------------------------------------------------------------


def test_xlsx_header_is_bold_frozen_and_filtered():
    sheet = xlsx_sheet([[1, None, "a"]])
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:C2"


def test_xlsx_keeps_numbers_as_numbers_even_negative_ones():
    sheet = xlsx_sheet([[-12300, None, "-1"]])
    number, _empty, text = sheet[2]
    assert (number.value, number.data_type) == (-12300, "n")
    assert (text.value, text.data_type) == ("'-1", "s")


def test_xlsx_neutralised_formulas_are_stored_as_text():
    sheet = xlsx_sheet([[1, '=HYPERLINK("http://x")', "@SUM(A1:A2)"], [2, "+1", "\t=1"]])
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row[1:]]
    assert [cell.value for cell in cells] == [
        '\'=HYPERLINK("http://x")',
        "'@SUM(A1:A2)",
        "'+1",
        "'\t=1",
    ]
    assert {cell.data_type for cell in cells} == {"s"}  # "f" would be a live formula


def test_xlsx_writes_dates_as_dates_in_a_japanese_format():
    at = dt.datetime(2025, 4, 1, 15, 30, tzinfo=dt.UTC)  # 00:30 on 4/2 in Tokyo
    sheet = xlsx_sheet([[dt.date(2025, 4, 30), at, None]])
    day, moment, empty = sheet[2]
    assert day.is_date and day.value.date() == dt.date(2025, 4, 30)
    assert day.number_format == 'yyyy"年"m"月"d"日"'
    assert moment.is_date and moment.value == dt.datetime(2025, 4, 2, 0, 30)
    assert moment.number_format.startswith('yyyy"年"m"月"d"日"')
    assert empty.value is None


def test_xlsx_sets_the_column_widths_given():
    sheet = xlsx_sheet([], column_widths=[10, 20, 60])
    widths = [sheet.column_dimensions[letter].width for letter in "ABC"]
    assert widths == [10, 20, 60]


def test_xlsx_refuses_control_characters_naming_row_and_column():
    with pytest.raises(CellError) as caught:
        xlsx_sheet([[1, None, "ok"], [2, None, "bell\x07"]])
    assert (caught.value.row, caught.value.column) == (2, "内容")
    assert "2件目（ファイルの3行目）の「内容」列" in str(caught.value)
    assert "U+0007" in str(caught.value)


def test_xlsx_keeps_characters_outside_cp932():
    sheet = xlsx_sheet([[1, None, "𠮷野家"]])
    assert sheet["C2"].value == "𠮷野家"


def test_writers_refuse_a_row_of_the_wrong_width():
    with pytest.raises(ValueError, match="row 1 has 2 cells for 3 headers"):
        csv_bytes([[1, "x"]])
    with pytest.raises(ValueError, match="row 1 has 2 cells for 3 headers"):
        xlsx_sheet([[1, "x"]])


def test_datetime_in_tokyo_is_written_as_it_is():
    at = dt.datetime(2025, 4, 1, 9, 0, tzinfo=TOKYO)
    assert read_csv(csv_bytes([[1, at, ""]]), "cp932")[1][1] == "2025-04-01 09:00:00"


def test_xlsx_failure_leaves_no_spooled_rows_in_the_temp_folder():

    before = set(ALL_TEMP_FILES)
    with pytest.raises(CellError):
        xlsx_sheet([[1, None, "山田 花子"], [2, None, "bell\x07"]])
    assert set(ALL_TEMP_FILES) == before
