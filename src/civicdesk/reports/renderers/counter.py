"""The counter reports as files: Excel (counter_xlsx), PDF (counter_pdf) and CSV (counter_csv),
from the report data of reports.selectors.counter.

    render(counter_monthly_report(municipality, 2026, 6), "xlsx", municipality_name="…") -> bytes
"""

from __future__ import annotations

from civicdesk.reports.renderers import counter_csv, counter_pdf, counter_xlsx
from civicdesk.reports.selectors.counter import CounterReportKind

FORMATS = ("xlsx", "pdf", "csv")


def render(data: dict, fmt: str, *, municipality_name: str) -> bytes:
    kind = data["period"]["kind"]
    if kind not in CounterReportKind.values:
        raise ValueError(f"not a counter report: {kind!r} (use one of {CounterReportKind.values})")
    if fmt == "csv":
        return counter_csv.render(data)
    if fmt == "xlsx":
        return counter_xlsx.render(data, municipality_name=municipality_name)
    if fmt == "pdf":
        return counter_pdf.render(data, municipality_name=municipality_name)
    raise ValueError(f"unknown format {fmt!r}: use one of {FORMATS}")
