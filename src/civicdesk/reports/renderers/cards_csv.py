"""The card reports as CSV through core.tabular.write_csv (CRLF, formulas neutralised,
unencodable text refused): CP932 for Excel on a municipal PC, or UTF-8 with a BOM. Long form
as the counter reports: one line per figure of every table, 「表, 行, 列, 値」. Rates are
fractions (0.25, not 25%); an empty value is a figure that does not apply (a day not closed).
"""

from __future__ import annotations

import io

from civicdesk.core.tabular import write_csv
from civicdesk.reports.renderers import cards_tables as tables

HEADERS = ["表", "行", "列", "値"]


def render(data: dict, *, encoding: str = "cp932") -> bytes:
    lines = []
    for table in tables.tables(data):
        for row in table.rows:
            label = "／".join(part for part in row.labels if part)
            for column, value in zip(table.columns, row.values, strict=True):
                lines.append([table.title, label, column.header, "" if value is None else value])
    out = io.BytesIO()
    write_csv(lines, HEADERS, out, encoding=encoding)
    return out.getvalue()
