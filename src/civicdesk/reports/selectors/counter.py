"""The counter reports as data (JSON-ready dicts), read through the counter's selectors: the
pages, the files (xlsx, PDF, CSV) and ``civicdesk report counter-…`` all render these.

- 窓口業務 日次報告書 (counter-daily): the day's tickets, waits and service times per queue and
  hour, requests per procedure and requester kind, reviews, fees, evening and after-closing work.
- 窓口業務 月次報告書 (counter-monthly): the month's figures and a row per day, and the dates
  seed 003 §10 sets: the 業務報告書 (this report) due on the 7th of the next month and the
  業務従事者名簿 (the next month's roster) due on the 25th, each moved to the next open day of the
  counter calendar when it falls on a closed day (週休日の場合は翌開庁日).
- 窓口業務 年度報告書 (counter-annual): the fiscal year (April–March) and a row per month.

Counts only: no personal data (docs/counter.md, 「集計の定義」). These reports have no versions
(the counter's figures come from append-only events and entries, so they do not drift).
"""

from __future__ import annotations

import datetime as dt

from django.db import models

from civicdesk.core import calendar
from civicdesk.core.calendar import TOKYO, Service, add_months
from civicdesk.core.japanese import era_date, era_year, fiscal_year_label
from civicdesk.core.models import Municipality
from civicdesk.counter.selectors import reports as counter
from civicdesk.reports.selectors.reports import fiscal_year_bounds, month_bounds, municipality_data

WEEKDAYS = "月火水木金土日"
REPORT_DUE_DAY = 7  # seed 003 §10: 業務報告書 毎月7日（週休日の場合は翌開庁日）
ROSTER_DUE_DAY = 25  # seed 003 §10: 業務従事者名簿 毎月25日（週休日の場合は翌開庁日）


class CounterReportKind(models.TextChoices):
    DAILY = "counter-daily", "窓口業務 日次報告書"
    MONTHLY = "counter-monthly", "窓口業務 月次報告書"
    ANNUAL = "counter-annual", "窓口業務 年度報告書"


def _period(kind: str, start: dt.date, end: dt.date, label: str) -> dict:
    return {"kind": kind, "start": start.isoformat(), "end": end.isoformat(), "label": label}


def counter_daily_report(municipality: Municipality, day: dt.date) -> dict:
    label = f"{era_date(day)}（{WEEKDAYS[day.weekday()]}）"
    return {
        "period": _period(CounterReportKind.DAILY, day, day, label),
        "municipality": municipality_data(municipality),
        **counter.period_figures(municipality, day, day),
    }


def counter_monthly_report(municipality: Municipality, year: int, month: int) -> dict:
    start, end = month_bounds(year, month)
    return {
        "period": _period(CounterReportKind.MONTHLY, start, end, f"{era_year(start)}{month}月"),
        "municipality": municipality_data(municipality),
        **counter.period_figures(municipality, start, end, series="day"),
        "due": submission_due(municipality, year, month),
    }


def counter_annual_report(municipality: Municipality, fiscal_year: int) -> dict:
    start, end = fiscal_year_bounds(fiscal_year)
    return {
        "period": _period(CounterReportKind.ANNUAL, start, end, fiscal_year_label(fiscal_year)),
        "municipality": municipality_data(municipality),
        **counter.period_figures(municipality, start, end, series="month"),
    }


def counter_report(municipality: Municipality, kind: str, start: dt.date) -> dict:
    """The report of ``kind`` whose period starts at ``start`` (a day, a 1st, a 1 April)."""
    if kind == CounterReportKind.DAILY:
        return counter_daily_report(municipality, start)
    if kind == CounterReportKind.MONTHLY:
        return counter_monthly_report(municipality, start.year, start.month)
    if kind == CounterReportKind.ANNUAL:
        return counter_annual_report(municipality, start.year)
    raise ValueError(f"unknown counter report kind {kind!r}")


# --- Due dates (seed 003 §10) --------------------------------------------------------------------


def submission_due(municipality: Municipality, year: int, month: int) -> dict:
    """What is due in the month after ``month``: this month's 業務報告書 by the 7th and the
    roster of the month after that by the 25th, each on the next open day when closed."""
    following = add_months(dt.date(year, month, 1), 1)
    return {
        "report": _due(
            municipality,
            "業務報告書（前月の処理・取扱件数）",
            f"{year:04d}-{month:02d}",
            following.replace(day=REPORT_DUE_DAY),
        ),
        "roster": _due(
            municipality,
            "業務従事者名簿（翌月勤務割当表）",
            f"{add_months(following, 1):%Y-%m}",
            following.replace(day=ROSTER_DUE_DAY),
        ),
    }


def _due(municipality: Municipality, title: str, covers: str, nominal: dt.date) -> dict:
    due = next_open_day(municipality, nominal)
    return {
        "title": title,
        "covers": covers,
        "nominal": nominal.isoformat(),
        "due": due.isoformat() if due else None,
        "moved": due is not None and due != nominal,
    }


def next_open_day(municipality: Municipality, day: dt.date) -> dt.date | None:
    """``day`` when the counter opens on it, else the next day it opens (None without a
    counter calendar, or one that never opens)."""
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=TOKYO)
    try:
        opening = calendar.next_open(Service.COUNTER, midnight, municipality=municipality)
    except calendar.CalendarError:
        return None
    return opening.astimezone(TOKYO).date()
