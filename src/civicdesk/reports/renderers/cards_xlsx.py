"""The card reports as Excel workbooks (openpyxl): one sheet per table of cards_tables, a title
line (report, period, municipality) on each, Japanese headers. Counts are numbers and rates
the fractions of the report data shown as 0.0%; a figure that does not apply is an empty
cell, never 0. Labels go through core.tabular.neutralise (nothing becomes a formula).
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from civicdesk.core.tabular import neutralise
from civicdesk.reports.renderers import cards_tables as tables
from civicdesk.reports.renderers.counter_tables import COUNT, MINUTES, RATE, TEXT, YEN

HEADER_ROW = 3  # row 1: the title, row 2: a note or empty, row 3: the headers
FORMATS = {COUNT: "#,##0", YEN: "#,##0", MINUTES: "#,##0.0", RATE: "0.0%", TEXT: "@"}
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)
LABEL_WIDTH = 22
FIGURE_WIDTH = 11


def render(data: dict, *, municipality_name: str) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    heading = " ".join(
        part for part in (tables.title(data), data["period"]["label"], municipality_name) if part
    )
    workbook.properties.title = heading
    for table in tables.tables(data):
        _sheet(workbook, table, heading)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sheet(workbook: Workbook, table: tables.Table, heading: str) -> None:
    sheet = workbook.create_sheet(table.key)
    sheet["A1"] = neutralise(f"{heading}　{table.title}")
    sheet["A1"].font = Font(bold=True, size=13)
    if table.note:
        sheet["A2"] = neutralise(table.note)
    labels = len(table.label_headers)
    headers = [*table.label_headers, *(column.header for column in table.columns)]
    for number, header in enumerate(headers, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=number, value=header)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        width = LABEL_WIDTH if number <= labels else FIGURE_WIDTH
        sheet.column_dimensions[get_column_letter(number)].width = width
    for offset, row in enumerate(table.rows, start=1):
        _row(sheet, HEADER_ROW + offset, table, row)
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=labels + 1)


def _row(sheet, number: int, table: tables.Table, row: tables.Row) -> None:
    font = BOLD if row.total else None
    for column, label in enumerate(row.labels, start=1):
        cell = sheet.cell(row=number, column=column, value=neutralise(label))
        if font:
            cell.font = font
    first = len(row.labels) + 1
    for offset, (value, kind) in enumerate(zip(row.values, table.kinds(row), strict=True)):
        if kind == TEXT:
            value = neutralise(value) if value else None
        cell = sheet.cell(row=number, column=first + offset, value=value)
        cell.number_format = FORMATS[kind]
        if font:
            cell.font = font
