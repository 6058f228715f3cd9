"""The reports as PDF: HTML templates under print/reports/ through core.pdf (WeasyPrint, A4,
the CJK font of print/base.html), the charts of reports.charts drawn inline as SVG.

Numbers are formatted here (12,345 / 25.0% / 12,345円, — for a rate of nothing) so the
templates only lay out cells. Every page carries the municipality, the report, the period and
the version mark (第N版（確定） / 作成中), because a printed page travels on its own.
"""

from __future__ import annotations

import datetime as dt

from django.utils.safestring import mark_safe

from civicdesk.core.japanese import era_date
from civicdesk.core.pdf import render_pdf
from civicdesk.reports import charts
from civicdesk.reports.choices import ReportKind
from civicdesk.reports.renderers import common
from civicdesk.reports.renderers.common import COUNT, FIGURES, RATE, TARGETS, TREND, YEN

TEMPLATES = {
    ReportKind.DAILY: "print/reports/daily.html",
    ReportKind.NIGHT: "print/reports/night.html",
    ReportKind.MONTHLY: "print/reports/monthly.html",
    ReportKind.ANNUAL: "print/reports/annual.html",
}
NOTHING = "—"


def render(data: dict, *, municipality_name: str) -> bytes:
    kind = data["period"]["kind"]
    context = {
        "municipality_name": municipality_name,
        "title": common.REPORT_TITLES[kind],
        "period_label": data["period"]["label"],
        "mark": common.version_mark(data),
        **CONTEXTS[kind](data),
    }
    return render_pdf(TEMPLATES[kind], context)


# --- The reports -------------------------------------------------------------------------------


def _daily(data: dict) -> dict:
    return {
        "figures": _figure_table(common.figure_rows(data)),
        "outcomes": _outcome_table(common.figure_rows(data)),
        "hand_overs": _hand_over_rows(data["total"]["hand_overs"]),
        "hot_voice": data["hot_voice"],
        "report": data.get("report") or {},
    }


def _night(data: dict) -> dict:
    days = [
        {
            "date": era_date(dt.date.fromisoformat(day["date"]), "short"),
            "weekday": common.weekday(day["date"]),
            "values": [_count(n) for n in common.night_values(day)],
        }
        for day in data["days"]
    ]
    return {
        "headers": [header for _channel, _key, header in common.NIGHT],
        "days": days,
        "total": [_count(n) for n in common.night_values(data["total"])],
    }


def _monthly(data: dict) -> dict:
    comparison = [("当月", data["total"]), ("前月", data["previous_month"])]
    comparison.append(("前年同月", data["same_month_last_year"]))
    days = [(day["date"][8:].lstrip("0") + "日", day) for day in data["days"]]
    return {
        "figures": _figure_table(common.figure_rows(data)),
        "comparison": _figure_table(comparison),
        # reports.charts escapes every label it draws: the SVG is safe to embed as it is.
        "chart": mark_safe(charts.daily_trend(data["days"])),
        "trend": _trend_table(days),
        "targets": _target_rows(data["targets"]),
        "target_headers": [column.header for column in TARGETS],
        "hand_overs": _hand_over_rows(data["total"]["hand_overs"]),
        "no_effect": _count(data["no_effect"]),
        "report": data.get("report") or {},
    }


def _annual(data: dict) -> dict:
    months = [(common.month_label(month["month"]), month["total"]) for month in data["months"]]
    return {
        "figures": _figure_table(common.figure_rows(data)),
        "chart": mark_safe(charts.monthly_trend(data["months"])),  # escaped: see _monthly
        "trend": _trend_table(months),
        "targets": _target_rows(data["targets"]),
        "target_headers": [column.header for column in TARGETS],
        "hand_overs": _hand_over_rows(data["total"]["hand_overs"]),
    }


CONTEXTS = {
    ReportKind.DAILY: _daily,
    ReportKind.NIGHT: _night,
    ReportKind.MONTHLY: _monthly,
    ReportKind.ANNUAL: _annual,
}


# --- Tables ------------------------------------------------------------------------------------


def _figure_table(labelled: list[tuple[str, dict]]) -> dict:
    """Figures down, revenue types (or months compared) across: fits A4 portrait."""
    return {
        "columns": [label for label, _figures in labelled],
        "rows": [
            {
                "header": column.header,
                "cells": [
                    _format(figures.get(column.key), column.kind) for _l, figures in labelled
                ],
            }
            for column in FIGURES
        ],
    }


def _outcome_table(labelled: list[tuple[str, dict]]) -> dict:
    codes = {code for _label, figures in labelled for code in figures["calls_by_outcome"]}
    return {
        "columns": [label for label, _figures in labelled],
        "rows": [
            {
                "header": common.outcome_label(code),
                "cells": [
                    _count(figures["calls_by_outcome"].get(code, 0)) for _l, figures in labelled
                ],
            }
            for code in sorted(codes, key=common.outcome_order)
        ],
    }


def _trend_table(rows: list[tuple[str, dict]]) -> dict:
    return {
        "headers": [column.header for column in TREND],
        "rows": [
            {"label": label, "cells": [_count(figures[column.key]) for column in TREND]}
            for label, figures in rows
        ],
    }


def _target_rows(targets: list[dict]) -> list[dict]:
    return [
        {
            "label": target["label"],
            "channel": common.target_channel_label(target["channel"]),
            "cells": [_format(target[column.key], column.kind) for column in TARGETS],
        }
        for target in targets
    ]


def _hand_over_rows(counts: dict) -> list[dict]:
    rows = [
        {"label": common.hand_over_reason_label(code), "count": _count(n)}
        for code, n in counts.items()
    ]
    rows.append({"label": common.TOTAL_LABEL, "count": _count(sum(counts.values()))})
    return rows


# --- Numbers -----------------------------------------------------------------------------------


def _format(value, kind: str) -> str:
    if value is None:
        return NOTHING
    if kind == RATE:
        return f"{value * 100:.1f}%"
    if kind == YEN:
        return f"{value:,}円"
    assert kind == COUNT, kind
    return _count(value)


def _count(value: int) -> str:
    return f"{value:,}"
