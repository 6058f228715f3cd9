"""The card reports as PDF: print/cards_report.html through core.pdf (WeasyPrint, A4
landscape for the wide per-venue tables), the tables of cards_tables formatted as the counter
reports format theirs (counter_pdf.printed). Every page names the municipality, the report and
the period. Counts only: the download is logged as an export by the view or the command's
caller; printing holds no personal data.
"""

from __future__ import annotations

from civicdesk.core.pdf import render_pdf
from civicdesk.reports.renderers import cards_tables as tables
from civicdesk.reports.renderers.counter_pdf import printed

TEMPLATE = "print/cards_report.html"


def render(data: dict, *, municipality_name: str) -> bytes:
    context = {
        "municipality_name": municipality_name,
        "title": tables.title(data),
        "period_label": data["period"]["label"],
        "mark": "",
        "tables": [printed(table) for table in tables.tables(data)],
    }
    return render_pdf(TEMPLATE, context)
