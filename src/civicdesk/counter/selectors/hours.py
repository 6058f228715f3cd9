"""The counter's hours as the staff page shows them (seed 003 §5): the counter calendar of the
coming months — open days and their hours, Monday evenings (or the next open day's when Monday
is closed), closed days with their reasons, designated weekend mornings — and how many
designated days each fiscal year has used of its limit.

The calendar itself lives in core (``core.calendar`` evaluates the rules); this module only
reads it for the user's municipality, with a fixed number of queries for the whole range.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from civicdesk.core import calendar
from civicdesk.core.calendar import add_months
from civicdesk.core.japanese import fiscal_year_label, fiscal_year_of
from civicdesk.core.models import Municipality
from civicdesk.core.models.calendar import (
    BusinessCalendar,
    DesignatedDay,
    Service,
    fiscal_year_range,
)

VIEW_HOURS = "counter.view_queue"  # everyone on the counter floor, supervisors and staff
DESIGNATE = "core.add_designatedday"  # municipal staff (accounts.roles)
WEEKDAY_SHORT = "月火水木金土日"
MONTHS_SHOWN = 3


def may_view_hours(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(VIEW_HOURS))


def may_designate(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(DESIGNATE))


@dataclass(frozen=True)
class HoursDay:
    info: calendar.DayInfo
    # The closing time when an evening extension (夜間延長) moved it, else None.
    evening_until: dt.time | None
    designated: DesignatedDay | None

    @property
    def weekday(self) -> str:
        return WEEKDAY_SHORT[self.info.date.weekday()]

    @property
    def hours_text(self) -> str:
        return calendar.format_hours(self.info.hours)

    @property
    def weekend(self) -> bool:
        return self.info.date.weekday() >= 5


@dataclass(frozen=True)
class HoursMonth:
    first: dt.date
    days: list[HoursDay]

    @property
    def label(self) -> str:
        return f"{self.first.year}年{self.first.month}月"

    @property
    def open_count(self) -> int:
        return sum(1 for day in self.days if day.info.open)


@dataclass(frozen=True)
class FiscalYearUse:
    fiscal_year: int
    used: int
    limit: int
    days: list[DesignatedDay]

    @property
    def label(self) -> str:
        return fiscal_year_label(self.fiscal_year)

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)


@dataclass
class CounterHours:
    calendar: BusinessCalendar | None
    first: dt.date
    months: list[HoursMonth] = field(default_factory=list)
    fiscal_years: list[FiscalYearUse] = field(default_factory=list)
    notice: str = ""


def counter_calendar_for(user) -> BusinessCalendar | None:
    """The counter calendar of the user's municipality (None when it has none yet)."""
    municipality = Municipality.objects.for_user(user)
    if municipality is None:
        return None
    return BusinessCalendar.objects.filter(
        municipality=municipality, service=Service.COUNTER
    ).first()


def counter_hours(user, first: dt.date, *, today: dt.date, months: int = MONTHS_SHOWN):
    """The months from ``first`` (the 1st of a month) and the designated-day use of every
    fiscal year they touch, and of today's fiscal year."""
    business = counter_calendar_for(user)
    shown = CounterHours(calendar=business, first=first)
    if business is None:
        shown.notice = (
            "窓口の業務カレンダーが登録されていません。管理者が管理画面で登録してください。"
        )
        return shown
    last = add_months(first, months) - dt.timedelta(days=1)
    years = sorted({fiscal_year_of(first), fiscal_year_of(last), fiscal_year_of(today)})
    designated = _designated(business, years[0], years[-1])
    snap = calendar.snapshots([business], first, last)[business.pk]
    by_date = {row.date: row for row in designated}
    for offset in range(months):
        month_first = add_months(first, offset)
        month_last = add_months(month_first, 1) - dt.timedelta(days=1)
        days = [_day(snap, info, by_date) for info in _infos(snap, month_first, month_last)]
        shown.months.append(HoursMonth(first=month_first, days=days))
    shown.fiscal_years = [_use(business, year, designated) for year in years]
    return shown


def _designated(business: BusinessCalendar, first_year: int, last_year: int):
    start = fiscal_year_range(first_year)[0]
    end = fiscal_year_range(last_year)[1]
    return list(DesignatedDay.objects.filter(calendar=business, date__range=(start, end)))


def _infos(snap: calendar.Snapshot, start: dt.date, end: dt.date):
    day = start
    while day <= end:
        yield snap.day(day)
        day += dt.timedelta(days=1)


def _day(snap: calendar.Snapshot, info: calendar.DayInfo, designated: dict) -> HoursDay:
    regular = snap.regular_hours(info.date)
    extended = bool(info.hours and regular and info.hours[-1][1] > regular[-1][1])
    return HoursDay(
        info=info,
        evening_until=info.hours[-1][1] if extended else None,
        designated=designated.get(info.date) if info.open else None,
    )


def _use(business: BusinessCalendar, year: int, designated: list[DesignatedDay]):
    start, end = fiscal_year_range(year)
    days = [row for row in designated if start <= row.date <= end]
    return FiscalYearUse(
        fiscal_year=year, used=len(days), limit=business.designated_day_limit, days=days
    )
