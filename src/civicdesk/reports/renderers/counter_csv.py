"""The counter reports as CSV: CP932 with CRLF through core.tabular.write_csv (formulas
neutralised, unencodable text refused), in long form: one line per figure of every table of
the Excel workbook, 「表, 行, 列, 値」, so a program (or an Excel pivot table) reads every figure
of the report from one file. Rows with two labels (手続・請求者) join them with ／. Rates are
the fractions of the report data (0.25, not 25%), minutes have one decimal; an empty value is
a figure that could not be computed.
"""

from __future__ import annotations

import io

from civicdesk.core.tabular import write_csv
from civicdesk.reports.renderers import counter_tables as tables

ENCODING = "cp932"
HEADERS = ["表", "行", "列", "値"]


def render(data: dict) -> bytes:
    lines = []
    for table in tables.tables(data):
        for row in table.rows:
            label = "／".join(part for part in row.labels if part)
            for column, value in zip(table.columns, row.values, strict=True):
                lines.append([table.title, label, column.header, "" if value is None else value])
    out = io.BytesIO()
    write_csv(lines, HEADERS, out, encoding=ENCODING)
    return out.getvalue()
