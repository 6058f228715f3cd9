"""The four reports as files: Excel (xlsx), PDF and CSV, from the report data of
reports.selectors (the same dicts the pages and ``civicdesk report --format json`` use).

    render(selectors.monthly_report(municipality, 2025, 5), "xlsx") -> bytes

The report kind comes from data["period"]["kind"]. The municipality's name heads the Excel
and PDF pages: data["municipality"]["name"] when the selectors give it, else the
``municipality_name`` argument, else the default municipality's (what the command reports on).
WeasyPrint (Pango) loads only when a PDF is made (core.pdf); openpyxl is loaded by core.tabular.
"""

from __future__ import annotations

from civicdesk.core.models import Municipality
from civicdesk.reports.choices import ReportKind
from civicdesk.reports.renderers import csv, pdf, xlsx

FORMATS = ("xlsx", "pdf", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=Shift_JIS",
}


def render(data: dict, fmt: str, *, municipality_name: str | None = None) -> bytes:
    kind = data["period"]["kind"]
    if kind not in ReportKind.values:
        raise ValueError(f"unknown report kind {kind!r}: use one of {ReportKind.values}")
    if fmt == "csv":
        return csv.render(data)
    if fmt == "xlsx":
        return xlsx.render(data, municipality_name=_municipality_name(data, municipality_name))
    if fmt == "pdf":
        return pdf.render(data, municipality_name=_municipality_name(data, municipality_name))
    raise ValueError(f"unknown format {fmt!r}: use one of {FORMATS}")


def _municipality_name(data: dict, given: str | None) -> str:
    named = data.get("municipality")
    if isinstance(named, dict) and named.get("name"):
        return named["name"]
    if given:
        return given
    default = Municipality.objects.default()
    return default.name if default is not None else ""
