"""The reports as Excel workbooks (openpyxl): one sheet per part, Japanese headers.

Counts and yen are numbers and rates are the fractions of the report data shown as 0.0%, so
staff can total, filter and chart them in Excel; a figure that could not be computed (a rate of
nothing) is an empty cell, never 0. Each sheet starts with a title line (report, period,
municipality) and the table below it; the monthly 日別 and the annual 月別 sheets carry a bar
chart of their rows.
"""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from civicdesk.core.tabular import CellError, neutralise
from civicdesk.reports.choices import ReportKind
from civicdesk.reports.renderers import common
from civicdesk.reports.renderers.common import COUNT, FIGURES, RATE, TARGETS, TREND, YEN, Column

PERCENT_FORMAT = "0.0%"
COUNT_FORMAT = "#,##0"
DATE_FORMAT = 'm"月"d"日"'
HEADER_ROW = 3  # row 1: the title, row 2: empty, row 3: the headers
LABEL_WIDTH = 30
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)
NUMBER_FORMATS = {COUNT: COUNT_FORMAT, YEN: COUNT_FORMAT, RATE: PERCENT_FORMAT}


def render(data: dict, *, municipality_name: str) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    title = " ".join(
        part
        for part in (
            common.REPORT_TITLES[data["period"]["kind"]],
            data["period"]["label"],
            municipality_name,
            common.version_mark(data),
        )
        if part
    )
    workbook.properties.title = title
    BUILDERS[data["period"]["kind"]](workbook, data, title)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- The reports -------------------------------------------------------------------------------


def _daily(workbook: Workbook, data: dict, title: str) -> None:
    _summary(workbook, data, title)
    _calls_by_outcome(workbook, data, title)
    _hand_overs(workbook, data["total"]["hand_overs"], title)
    _hot_voice(workbook, data["hot_voice"], title)
    _remarks(workbook, data.get("report"), title, proposals=False)


def _night(workbook: Workbook, data: dict, title: str) -> None:
    sheet = _sheet(workbook, "夜間", title)
    columns = [Column(header, header) for _channel, _key, header in common.NIGHT]
    rows = [
        (dt.date.fromisoformat(day["date"]), common.weekday(day["date"]), common.night_values(day))
        for day in data["days"]
    ]
    total = data["total"]
    _header(sheet, ["日付", "曜日", *(c.header for c in columns)], [12, 6, *[16] * len(columns)])
    for offset, (day, weekday, values) in enumerate(rows, start=1):
        _row(sheet, HEADER_ROW + offset, [day, weekday, *values])
    _row(
        sheet,
        HEADER_ROW + len(rows) + 1,
        [common.TOTAL_LABEL, "", *common.night_values(total)],
        bold=True,
    )


def _monthly(workbook: Workbook, data: dict, title: str) -> None:
    end = _summary(workbook, data, title)
    sheet = workbook["概要"]
    comparisons = [("前月（合計）", data["previous_month"])]
    comparisons.append(("前年同月（合計）", data["same_month_last_year"]))
    for offset, (label, figures) in enumerate(comparisons, start=1):
        _figure_row(sheet, end + offset, label, FIGURES, figures)
    _row(sheet, end + len(comparisons) + 2, ["効果なし件数", data["no_effect"]], bold=False)
    days = [(dt.date.fromisoformat(day["date"]), day) for day in data["days"]]
    _trend(workbook, "日別", "日付", days, title, "日別の架電・対話・納付約束")
    _targets(workbook, data["targets"], title)
    _hand_overs(workbook, data["total"]["hand_overs"], title)
    _remarks(workbook, data.get("report"), title, proposals=True)


def _annual(workbook: Workbook, data: dict, title: str) -> None:
    _summary(workbook, data, title)
    months = [(common.month_label(month["month"]), month["total"]) for month in data["months"]]
    _trend(workbook, "月別", "月", months, title, "月別の架電・対話・納付約束")
    _targets(workbook, data["targets"], title)
    _hand_overs(workbook, data["total"]["hand_overs"], title)


BUILDERS = {
    ReportKind.DAILY: _daily,
    ReportKind.NIGHT: _night,
    ReportKind.MONTHLY: _monthly,
    ReportKind.ANNUAL: _annual,
}


# --- Sheets ------------------------------------------------------------------------------------


def _summary(workbook: Workbook, data: dict, title: str) -> int:
    """概要: one row per revenue type and the total; returns the total's row."""
    sheet = _sheet(workbook, "概要", title)
    _header(sheet, ["税目・保険料", *(c.header for c in FIGURES)], [LABEL_WIDTH, *_widths(FIGURES)])
    row = HEADER_ROW
    for row, (label, figures) in enumerate(common.figure_rows(data), start=HEADER_ROW + 1):
        _figure_row(sheet, row, label, FIGURES, figures)
    for cell in sheet[row]:
        cell.font = BOLD
    return row


def _calls_by_outcome(workbook: Workbook, data: dict, title: str) -> None:
    """架電結果: outbound calls by result, one column per revenue type and the total."""
    sheet = _sheet(workbook, "架電結果", title)
    labelled = common.figure_rows(data)
    outcomes = sorted(
        {code for _label, figures in labelled for code in figures["calls_by_outcome"]},
        key=common.outcome_order,
    )
    _header(sheet, ["結果", *(label for label, _f in labelled)], [24] + [16] * len(labelled))
    for row, code in enumerate(outcomes, start=HEADER_ROW + 1):
        counts = [figures["calls_by_outcome"].get(code, 0) for _label, figures in labelled]
        _row(sheet, row, [common.outcome_label(code), *counts])


def _hand_overs(workbook: Workbook, counts: dict, title: str) -> None:
    sheet = _sheet(workbook, "引継ぎ", title)
    _header(sheet, ["引継ぎの理由", "件数"], [24, 10])
    row = HEADER_ROW
    for row, (code, n) in enumerate(counts.items(), start=HEADER_ROW + 1):
        _row(sheet, row, [common.hand_over_reason_label(code), n])
    _row(sheet, row + 1, [common.TOTAL_LABEL, sum(counts.values())], bold=True)


def _hot_voice(workbook: Workbook, lines: list[dict], title: str) -> None:
    sheet = _sheet(workbook, "ホットボイス", title)
    _header(sheet, ["時刻", "区分", "内容"], [8, 8, 90])
    for row, line in enumerate(lines, start=HEADER_ROW + 1):
        _row(sheet, row, [line["time"], line["channel"], line["note"]], wrap=True)


def _remarks(workbook: Workbook, report: dict | None, title: str, *, proposals: bool) -> None:
    sheet = _sheet(workbook, "所感", title)
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 90
    report = report or {}
    lines = [("状態", common.version_mark({"report": report or None}))]
    lines.append(("所感・特記事項", report.get("remarks", "")))
    if proposals:
        lines.append(("業務改善の提案", report.get("proposals", "")))
    if report.get("correction_reason"):
        lines.append(("訂正の理由", report["correction_reason"]))
    for row, (label, text) in enumerate(lines, start=HEADER_ROW):
        _row(sheet, row, [label, text], wrap=True)
        sheet.cell(row=row, column=1).font = BOLD


def _trend(workbook, name: str, first: str, rows: list, title: str, chart_title: str) -> None:
    """日別 / 月別: one row per day or month, and a bar chart of the first series."""
    sheet = _sheet(workbook, name, title)
    _header(sheet, [first, *(c.header for c in TREND)], [12, *_widths(TREND)])
    for row, (label, figures) in enumerate(rows, start=HEADER_ROW + 1):
        _figure_row(sheet, row, label, TREND, figures)
    last = HEADER_ROW + len(rows)
    chart = BarChart()
    chart.title = chart_title
    chart.y_axis.title = "件数"
    chart.height, chart.width = 9, 26
    values = Reference(
        sheet, min_col=2, max_col=1 + common.TREND_CHART_SERIES, min_row=HEADER_ROW, max_row=last
    )
    chart.add_data(values, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=HEADER_ROW + 1, max_row=last))
    sheet.add_chart(chart, f"{get_column_letter(len(TREND) + 3)}{HEADER_ROW}")


def _targets(workbook: Workbook, targets: list[dict], title: str) -> None:
    sheet = _sheet(workbook, "目標", title)
    _header(sheet, ["区分", "手段", *(c.header for c in TARGETS)], [34, 18, *_widths(TARGETS)])
    for row, target in enumerate(targets, start=HEADER_ROW + 1):
        channel = common.target_channel_label(target["channel"])
        _row(sheet, row, [target["label"], channel])
        for column, spec in enumerate(TARGETS, start=3):
            _number(sheet, row, column, target[spec.key], spec.kind)


# --- Cells -------------------------------------------------------------------------------------


def _sheet(workbook: Workbook, name: str, title: str):
    sheet = workbook.create_sheet(name)
    sheet["A1"] = _text(title, 1, "見出し")
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.freeze_panes = f"B{HEADER_ROW + 1}"
    return sheet


def _header(sheet, headers: list[str], widths: list[float]) -> None:
    for column, (header, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = sheet.cell(row=HEADER_ROW, column=column, value=header)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(column)].width = width


def _figure_row(sheet, row: int, label, columns, figures: dict) -> None:
    _row(sheet, row, [label])
    for column, spec in enumerate(columns, start=2):
        _number(sheet, row, column, figures.get(spec.key), spec.kind)


def _number(sheet, row: int, column: int, value, kind: str) -> None:
    cell = sheet.cell(row=row, column=column, value=value)
    cell.number_format = NUMBER_FORMATS[kind]


def _row(sheet, row: int, values: list, *, bold: bool = False, wrap: bool = False) -> None:
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            value = _text(value, row, get_column_letter(column))
        cell = sheet.cell(row=row, column=column, value=value)
        if isinstance(value, dt.date):
            cell.number_format = DATE_FORMAT
        elif isinstance(value, int | float) and not isinstance(value, bool):
            cell.number_format = COUNT_FORMAT
        if bold:
            cell.font = BOLD
        if wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _text(value: str, row: int, column: str) -> str:
    # Remarks and hot-voice lines are free text (some of it a resident's words): neutralised so
    # nothing becomes a formula, and refused, not altered, if Excel cannot hold a character.
    if match := ILLEGAL_CHARACTERS_RE.search(value):
        raise CellError(
            f"{row}行目 {column}列: 制御文字（U+{ord(match[0]):04X}）は Excel に書き込めません。",
            row=row,
            column=column,
        )
    return neutralise(value)


def _widths(columns) -> list[float]:
    return [column.width for column in columns]
