"""What every report file shares: the figure columns, their Japanese headers and the labels of
the codes in the report data (reports.selectors), so Excel, PDF and CSV say the same words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from civicdesk.core.choices import ContactChannel, RevenueType
from civicdesk.core.japanese import era_year
from civicdesk.dunning.choices import ContactOutcome, HandOverReason
from civicdesk.reports.choices import ReportKind, ReportStatus, TargetChannel

COUNT, RATE, YEN = "count", "rate", "yen"
TOTAL_LABEL = "合計"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = COUNT
    width: float = 11


# The figures of one revenue type (or the total) in the order staff read them: calls, then
# conversations and promises, the other channels, then what came of the promises.
FIGURES = (
    Column("attempts", "架電件数"),
    Column("reached_calls", "対話（架電）"),
    Column("reach_rate", "対話率", RATE),
    Column("reached", "対話（全区分）", width=13),
    Column("promises", "納付約束"),
    Column("promise_rate", "納付約束率", RATE),
    Column("visits", "訪問"),
    Column("sms", "SMS"),
    Column("inbound_calls", "受電"),
    Column("letters", "文書"),
    Column("promises_due", "約束期日到来", width=13),
    Column("promises_kept", "約束履行"),
    Column("kept_rate", "履行率", RATE),
    Column("paid_after_contact", "接触後納付（件）", width=15),
    Column("paid_after_contact_amount", "接触後納付額（円）", YEN, width=17),
)

# The trend rows (one per day of a month) and the month rows of the annual report.
# The first three are the chart's series (charts.daily_trend draws the same three).
TREND = (
    Column("attempts", "架電件数"),
    Column("reached_calls", "対話（架電）"),
    Column("promises", "納付約束"),
    Column("reached", "対話（全区分）", width=13),
    Column("visits", "訪問"),
)
TREND_CHART_SERIES = 3

# The target lines (selectors.target_progress).
TARGETS = (
    Column("target", "予定件数"),
    Column("done", "実績"),
    Column("pacing", "月割り"),
    Column("achieved", "達成率", RATE),
    Column("against_pacing", "月割り比", RATE),
    Column("forecast", "見込み"),
)

# Night: what "reached" means for each channel (a call answered, a visit where someone opened).
NIGHT = (
    ("calls", "reached", "夜間架電（対話）"),
    ("calls", "not_reached", "夜間架電（不通）"),
    ("visits", "reached", "夜間訪問（面談）"),
    ("visits", "not_reached", "夜間訪問（不在）"),
)

REPORT_TITLES = dict(ReportKind.choices)
WEEKDAYS = "月火水木金土日"


def revenue_type_label(code: str) -> str:
    return _label(RevenueType, code)


def channel_label(code: str) -> str:
    return _label(ContactChannel, code)


def outcome_label(code: str) -> str:
    return _label(ContactOutcome, code)


def hand_over_reason_label(code: str) -> str:
    return _label(HandOverReason, code)


def target_channel_label(code: str) -> str:
    return _label(TargetChannel, code)


def _label(choices, code: str) -> str:
    # An unknown code (a choice added later) still prints, as itself, rather than failing.
    try:
        return choices(code).label
    except ValueError:
        return code


def figure_rows(data: dict) -> list[tuple[str, dict]]:
    """(label, figures) per revenue type in RevenueType order, then the total."""
    by_type = data["by_revenue_type"]
    rows = [(revenue_type_label(code), by_type[code]) for code in RevenueType.values]
    return [*rows, (TOTAL_LABEL, data["total"])]


def night_values(row: dict) -> list[int]:
    return [row[channel][key] for channel, key, _header in NIGHT]


def version_mark(data: dict) -> str:
    """第N版（確定） / 第N版（作成中） / 作成中 for the reports a supervisor finalises; empty for
    the figures-only ones (night, annual), which have no versions."""
    if "report" not in data:
        return ""
    report = data["report"]
    if report is None:
        return ReportStatus.DRAFT.label
    status = ReportStatus(report["status"]).label
    if report["status"] == ReportStatus.DRAFT and report["version"] == 1:
        return status
    return f"第{report['version']}版（{status}）"


def weekday(iso_date: str) -> str:
    return WEEKDAYS[dt.date.fromisoformat(iso_date).weekday()]


def month_label(month: str) -> str:
    """令和7年5月 for "2025-05" (the annual report's month rows)."""
    first = dt.date.fromisoformat(f"{month}-01")
    return f"{era_year(first)}{first.month}月"


def outcome_order(code: str) -> int:
    """Results in the order of ContactOutcome (reached first), unknown codes last."""
    values = ContactOutcome.values
    return values.index(code) if code in values else len(values)
