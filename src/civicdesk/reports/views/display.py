"""The report data (reports.selectors, or Report.figures once final) as table rows for the
pages. The column headers and code labels are renderers.common's, so the page, the Excel file,
the PDF and the CSV say the same words; here the values are only formatted for reading.
"""

from __future__ import annotations

from django.utils.safestring import mark_safe

from civicdesk.core.japanese import number
from civicdesk.dunning.choices import ContactOutcome, HandOverReason
from civicdesk.reports import charts
from civicdesk.reports.renderers import common

MISSING = "—"
# The monthly report's comparison with the previous month and the same month last year.
COMPARED = ("attempts", "reached_calls", "reach_rate", "reached", "promises", "promise_rate",
            "visits", "sms", "inbound_calls", "letters", "kept_rate")  # fmt: skip


def cell(value, kind: str = common.COUNT) -> str:
    """12,345 / 25.0% (rates are fractions) / — where nothing was there to count."""
    if value is None:
        return MISSING
    if kind == common.RATE:
        return f"{value * 100:.1f}%"
    return number(value)


def cells(values: dict, columns) -> list[str]:
    return [cell(values.get(column.key), column.kind) for column in columns]


def headers(columns) -> list[str]:
    return [column.header for column in columns]


def figure_table(data: dict) -> dict:
    """Per revenue type and the total (the daily, monthly and annual reports)."""
    return {
        "headers": headers(common.FIGURES),
        "rows": [(label, cells(values, common.FIGURES)) for label, values in
                 common.figure_rows(data)],
    }  # fmt: skip


def outcome_rows(total: dict) -> list[tuple[str, str]]:
    """Calls by result, in the order of the result choices (unknown codes last)."""
    counts = total.get("calls_by_outcome", {})
    order = {code: index for index, code in enumerate(ContactOutcome.values)}
    codes = sorted(counts, key=lambda code: (order.get(code, len(order)), code))
    return [(common.outcome_label(code), number(counts[code])) for code in codes]


def hand_over_rows(total: dict) -> list[tuple[str, str]]:
    counts = total.get("hand_overs", {})
    order = {code: index for index, code in enumerate(HandOverReason.values)}
    codes = sorted(counts, key=lambda code: (order.get(code, len(order)), code))
    return [(common.hand_over_reason_label(code), number(counts[code])) for code in codes]


def comparison_rows(data: dict) -> list[tuple[str, str, str, str]]:
    """(figure, this month, previous month, same month last year)."""
    columns = {column.key: column for column in common.FIGURES}
    periods = (data["total"], data.get("previous_month") or {},
               data.get("same_month_last_year") or {})  # fmt: skip
    return [
        (columns[key].header, *(cell(values.get(key), columns[key].kind) for values in periods))
        for key in COMPARED
    ]


def target_table(targets: list[dict]) -> dict:
    return {
        "headers": ["区分", "手段", *headers(common.TARGETS)],
        "rows": [
            (target["label"], common.target_channel_label(target["channel"]),
             cells(target, common.TARGETS))
            for target in targets
        ],
    }  # fmt: skip


def night_table(data: dict) -> dict:
    rows = [
        (f"{int(row['date'][8:])}日（{common.weekday(row['date'])}）",
         [number(value) for value in common.night_values(row)])
        for row in data["days"]
    ]  # fmt: skip
    total = [number(value) for value in common.night_values(data["total"])]
    return {"headers": [header for *_parts, header in common.NIGHT], "rows": rows,
            "total": total}  # fmt: skip


def month_table(data: dict) -> dict:
    """The annual report: one row per month of the fiscal year, the total last."""
    rows = [(f"{int(month['month'][5:])}月", cells(month["total"], common.FIGURES))
            for month in data["months"]]  # fmt: skip
    rows.append((common.TOTAL_LABEL, cells(data["total"], common.FIGURES)))
    return {"headers": headers(common.FIGURES), "rows": rows}


def daily_chart(data: dict) -> str:
    # charts.py escapes every text it writes, so its SVG may go into the page as it is.
    return mark_safe(charts.daily_trend(data["days"]))


def monthly_chart(data: dict) -> str:
    return mark_safe(charts.monthly_trend(data["months"]))
