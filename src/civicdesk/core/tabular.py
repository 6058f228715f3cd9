"""File writers shared by every export and report: CSV (CP932 or UTF-8) and Excel (xlsx).

Both stream: rows are written as they come, so an export of a whole year never sits in memory.
Every text cell goes through ``neutralise`` first, so nothing a resident said on the phone can
become a formula when staff open the file in Excel (OWASP "CSV injection").

A cell that cannot be written (a character CP932 lacks, a control character xlsx forbids)
raises ``CellError`` naming the row and the column; nothing is replaced silently, because a
changed character in a name or a note is a changed record.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Iterable, Sequence
from contextlib import suppress
from decimal import Decimal
from typing import BinaryIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter


class ExportError(Exception):
    """An export refused or failed; the message is Japanese and can be shown as it is."""


ENCODINGS = ("cp932", "utf-8")
ENCODING_LABELS = {"cp932": "CP932（Shift_JIS）", "utf-8": "UTF-8（BOM付き）"}

# Excel (and LibreOffice) start a formula with these; tab and CR are in OWASP's list as well.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

DATE_FORMAT = 'yyyy"年"m"月"d"日"'
DATETIME_FORMAT = 'yyyy"年"m"月"d"日" h:mm'
DEFAULT_COLUMN_WIDTH = 14
XLSX_MAX_TEXT = 32767  # Excel's limit for one cell

# The same Shift_JIS code is a different Unicode character in JIS X 0208 and in CP932 (the
# "wave dash problem"). Python's cp932 codec already writes 〜 − ‖ ¢ £ ¬ as their CP932
# twins; the em dash is the one it refuses. Writing its twin keeps the character the reader
# sees, so this is a spelling, not a loss.
_JIS_TO_CP932 = str.maketrans({"\u2014": "\u2015"})  # — EM DASH → ― HORIZONTAL BAR
_UTF8_BOM = b"\xef\xbb\xbf"


class CellError(ExportError):
    """A value that cannot be written; ``row`` counts data rows from 1 (the header excluded)."""

    def __init__(self, message: str, *, row: int, column: str):
        super().__init__(message)
        self.row = row
        self.column = column


def neutralise(value):
    """Prefix ``'`` to text that a spreadsheet would read as a formula; other values unchanged.

    Numbers are left alone: -1 is a number, only the text "-1" could be a formula.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv(
    rows: Iterable[Sequence],
    headers: Sequence[str],
    out: BinaryIO,
    encoding: str = "cp932",
) -> int:
    """Write a header line and the rows to the binary stream ``out``; return the row count.

    CRLF line ends (Excel on Windows); UTF-8 starts with a BOM so Excel detects it; CP932
    refuses characters it lacks with a CellError. Dates are written ISO (2025-04-30),
    datetimes in local time (2025-04-30 14:05:00), None as an empty cell.
    """
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}: use one of {ENCODINGS}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if encoding == "utf-8":
        out.write(_UTF8_BOM)

    def emit(cells: list[str], row_number: int) -> None:
        writer.writerow(cells)
        line = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        try:
            out.write(line.encode(encoding))
        except UnicodeEncodeError:
            raise _unencodable(cells, headers, row_number, encoding) from None

    emit([_csv_text(header, encoding) for header in headers], 0)
    count = 0
    for count, row in enumerate(rows, start=1):
        _check_width(row, headers, count)
        emit([_csv_text(value, encoding) for value in row], count)
    return count


def write_xlsx(
    rows: Iterable[Sequence],
    headers: Sequence[str],
    out: BinaryIO,
    sheet_title: str,
    column_widths: Sequence[float] | None = None,
) -> int:
    """Write one sheet (bold, frozen header with a filter) to ``out``; return the row count.

    Numbers stay numbers, dates and datetimes are Excel dates in a Japanese format (aware
    datetimes in local time: Excel has no time zones), text is neutralised.
    """
    if column_widths is not None and len(column_widths) != len(headers):
        raise ValueError("column_widths must give one width per header")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title)
    sheet.freeze_panes = "A2"
    for index, _header in enumerate(headers, start=1):
        width = column_widths[index - 1] if column_widths else DEFAULT_COLUMN_WIDTH
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=neutralise(header))
        cell.font = bold
        header_cells.append(cell)
    count = 0
    try:
        sheet.append(header_cells)
        for count, row in enumerate(rows, start=1):
            _check_width(row, headers, count)
            sheet.append(
                [
                    _xlsx_cell(sheet, value, row=count, column=header)
                    for value, header in zip(row, headers, strict=True)
                ]
            )
        if headers:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"
        workbook.save(out)
    except BaseException:
        _discard(sheet)
        raise
    return count


def _discard(sheet) -> None:
    # openpyxl spools the rows to a temporary file that only save() removes; a failed export
    # must not leave personal data in the temp folder until the process (a worker) ends.
    writer = sheet._writer
    if writer is None:
        return
    with suppress(Exception):
        sheet.close()
    with suppress(OSError, ValueError):
        writer.cleanup()


def _check_width(row: Sequence, headers: Sequence[str], row_number: int) -> None:
    if len(row) != len(headers):
        raise ValueError(f"row {row_number} has {len(row)} cells for {len(headers)} headers")


def _csv_text(value, encoding: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "有" if value else "無"
    if isinstance(value, int | Decimal | float):
        return str(value)
    if isinstance(value, dt.datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        text = neutralise(value)
        return text.translate(_JIS_TO_CP932) if encoding == "cp932" else text
    raise TypeError(f"cannot write {type(value).__name__} to a CSV cell: {value!r}")


def _xlsx_cell(sheet, value, *, row: int, column: str):
    if isinstance(value, bool):
        return "有" if value else "無"
    if value is None or isinstance(value, int | Decimal | float):
        return value
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=_local(value))
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, str):
        if match := ILLEGAL_CHARACTERS_RE.search(value):
            raise CellError(
                f"{_place(row, column)}: 制御文字（U+{ord(match[0]):04X}）は Excel に"
                "書き込めません。元のデータを修正してください。",
                row=row,
                column=column,
            )
        if len(value) > XLSX_MAX_TEXT - 1:  # one character is kept for the neutralising '
            raise CellError(
                f"{_place(row, column)}: Excel の 1 セルに入る文字数"
                f"（{XLSX_MAX_TEXT:,}文字）を超えています。",
                row=row,
                column=column,
            )
        return neutralise(value)
    raise TypeError(f"cannot write {type(value).__name__} to an xlsx cell: {value!r}")


def _local(value: dt.datetime) -> dt.datetime:
    # Excel has no time zones and openpyxl refuses aware datetimes: write the wall-clock time
    # the municipality sees (Asia/Tokyo), as the screens show it.
    if timezone.is_aware(value):
        return timezone.make_naive(value)
    return value


def _unencodable(cells: list[str], headers: Sequence[str], row: int, encoding: str) -> CellError:
    for cell, header in zip(cells, headers, strict=True):
        try:
            cell.encode(encoding)
        except UnicodeEncodeError as error:
            char = cell[error.start]
            return CellError(
                f"{_place(row, header)}: 「{char}」（U+{ord(char):04X}"
                f"{_char_name(char)}）は {ENCODING_LABELS[encoding]} で表せない文字です。"
                "UTF-8 で出力するか、元のデータを修正してください。",
                row=row,
                column=header,
            )
    raise AssertionError("the line did not encode but every cell does")  # pragma: no cover


def _char_name(char: str) -> str:
    name = unicodedata.name(char, "")
    return f" {name}" if name else ""


def _place(row: int, column: str) -> str:
    if row == 0:
        return f"見出し行の「{column}」列"
    # The file line helps whoever opens the file; the data row matches "N件目" in messages.
    return f"{row}件目（ファイルの{row + 1}行目）の「{column}」列"
