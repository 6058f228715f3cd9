"""The card reports as files: Excel (cards_xlsx), PDF (cards_pdf) and CSV (cards_csv, CP932 or
UTF-8), from the report data of reports.selectors.cards.

    render(cards_monthly_report(municipality, 2026, 6), "xlsx", municipality_name="江東区")
"""

from __future__ import annotations

from civicdesk.reports.renderers import cards_csv, cards_pdf, cards_xlsx
from civicdesk.reports.selectors.cards import CardsReportKind

FORMATS = ("xlsx", "pdf", "csv")


def render(data: dict, fmt: str, *, municipality_name: str, encoding: str = "cp932") -> bytes:
    kind = data["period"]["kind"]
    if kind not in CardsReportKind.values:
        raise ValueError(f"not a card report: {kind!r} (use one of {CardsReportKind.values})")
    if fmt == "csv":
        return cards_csv.render(data, encoding=encoding)
    if fmt == "xlsx":
        return cards_xlsx.render(data, municipality_name=municipality_name)
    if fmt == "pdf":
        return cards_pdf.render(data, municipality_name=municipality_name)
    raise ValueError(f"unknown format {fmt!r}: use one of {FORMATS}")
