"""The counter reports as PDF: print/reports/counter.html through core.pdf (WeasyPrint, A4
landscape for the wide ticket tables), the tables of counter_tables with their numbers
formatted here, so the template only lays out cells. Every page names the municipality, the
report and the period (a printed page travels on its own). Counts only: no personal data, so
printing needs no access-log entry of its own (the download is logged as an export).
"""

from __future__ import annotations

from civicdesk.core.pdf import render_pdf
from civicdesk.reports.renderers import counter_tables as tables

TEMPLATE = "print/reports/counter.html"


def render(data: dict, *, municipality_name: str) -> bytes:
    context = {
        "municipality_name": municipality_name,
        "title": tables.title(data),
        "period_label": data["period"]["label"],
        "mark": "",
        "tables": [printed(table) for table in tables.tables(data)],
    }
    return render_pdf(TEMPLATE, context)


def printed(table: tables.Table) -> dict:
    """A table as strings: headers, and per row its labels and formatted cells."""
    return {
        "key": table.key,
        "title": table.title,
        "note": table.note,
        "label_headers": table.label_headers,
        "headers": [column.header for column in table.columns],
        # A table of one or two figures reads better narrow than stretched across the page.
        "narrow": len(table.columns) <= 2,
        "rows": [
            {
                "labels": row.labels,
                "cells": [
                    tables.formatted(value, kind)
                    for value, kind in zip(row.values, table.kinds(row), strict=True)
                ],
                "total": row.total,
            }
            for row in table.rows
        ],
    }
