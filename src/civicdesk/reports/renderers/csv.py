"""The reports as CSV: CP932 with CRLF, Japanese headers, through the writer every export uses
(receivables.exporters.writers.write_csv: formulas neutralised, unencodable text refused).

Daily, monthly and annual: one row per revenue type and a 合計 row, the figure columns of the
Excel 概要 sheet. Night: one row per day of the month and a 合計 row. Rates are the fractions
of the report data (0.25, not 25%), so a program reading the file gets the JSON's numbers; an
empty cell is a rate of nothing.
"""

from __future__ import annotations

import io

from civicdesk.core.tabular import write_csv
from civicdesk.reports.choices import ReportKind
from civicdesk.reports.renderers import common

ENCODING = "cp932"


def render(data: dict) -> bytes:
    if data["period"]["kind"] == ReportKind.NIGHT:
        headers, rows = _night(data)
    else:
        headers, rows = _figures(data)
    out = io.BytesIO()
    write_csv(rows, headers, out, encoding=ENCODING)
    return out.getvalue()


def _figures(data: dict) -> tuple[list[str], list[list]]:
    headers = ["税目・保険料", *(column.header for column in common.FIGURES)]
    rows = [
        [label, *(figures[column.key] for column in common.FIGURES)]
        for label, figures in common.figure_rows(data)
    ]
    return headers, rows


def _night(data: dict) -> tuple[list[str], list[list]]:
    headers = ["日付", "曜日", *(header for _channel, _key, header in common.NIGHT)]
    rows = [
        [day["date"], common.weekday(day["date"]), *common.night_values(day)]
        for day in data["days"]
    ]
    rows.append([common.TOTAL_LABEL, "", *common.night_values(data["total"])])
    return headers, rows
