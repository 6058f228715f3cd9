"""The business calendar (業務カレンダー): when calls, visits, SMS and the counter are open.

The rules are data (``core.models.calendar``, edited in the admin); this module only
evaluates them. For one day the first rule that matches decides:

1. one-off closure (臨時休業日)             → closed, with its reason ("臨時休業")
2. designated extra day (指定開庁日)         → open with its hours, its label ("土日開庁")
3. year-end closure (年末年始, e.g. 12/29–1/3) → closed, "年末年始"
4. national holiday (国民の祝日・休日)        → closed, its name ("春分の日", "振替休日")
5. nth-weekday opening (e.g. 第二土曜日)      → open with its hours, its label
6. weekday hours (曜日ごとの業務時間)          → open with its hours, its label ("平日")
7. nothing matches                           → closed, the weekday ("土曜日", "日曜日"):
   Saturday and Sunday are closed unless a rule opens them.

An evening extension (夜間延長) then moves the closing time of the last interval of an open
day to its time: on its weekday, or, when that weekday is closed and the rule says so, on
the next open day (seed 003: "月曜日が休日の場合は翌開庁日"). Designated days keep the hours
the municipality set for them and are never extended.

Times are Asia/Tokyo wall-clock times; an interval includes its start and excludes its end.
Each public function loads the rules of the range it needs with a fixed number of queries
(never one per day).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

from django.db.models import prefetch_related_objects

from civicdesk.core.models import Municipality
from civicdesk.core.models.calendar import (
    BusinessCalendar,
    Closure,
    DesignatedDay,
    NationalHoliday,
    Service,
    Weekday,
)

__all__ = [
    "CalendarError",
    "CalendarNotFound",
    "DayInfo",
    "NoOpeningFound",
    "Service",
    "Snapshot",
    "day_info",
    "days",
    "format_hours",
    "format_time",
    "get_calendar",
    "hours",
    "is_open",
    "next_open",
    "open_days",
    "regular_hours",
    "service_value",
    "snapshot",
    "snapshots",
]

TOKYO = ZoneInfo("Asia/Tokyo")
# How far back a shifted evening extension looks for its closed weekday (covers 12/29–1/3
# plus weekends with room to spare).
LOOKBACK_DAYS = 31
# next_open gives up after this many days: a calendar that never opens is a set-up error.
SEARCH_DAYS = 2 * 366
RULE_SETS = ("weekly_hours", "nth_weekday_openings", "evening_extensions")

Interval = tuple[dt.time, dt.time]


class CalendarError(Exception):
    """A calendar question that cannot be answered; the message is for the user."""


class CalendarNotFound(CalendarError, LookupError):
    pass


class NoOpeningFound(CalendarError):
    pass


@dataclass(frozen=True)
class DayInfo:
    date: dt.date
    open: bool
    hours: list[Interval]
    reason: str


@dataclass(frozen=True)
class _Base:
    """A day before evening extensions are applied."""

    open: bool
    hours: list[Interval]
    reason: str
    designated: bool = False


class Snapshot:
    """One calendar's rules for the days ``start``..``end``, loaded once, evaluated in memory."""

    def __init__(self, calendar, start, end, *, designated, closures, holidays):
        self.calendar = calendar
        self.start = start
        self.end = end
        self._loaded_from = start - dt.timedelta(days=LOOKBACK_DAYS)
        self._designated: dict[dt.date, DesignatedDay] = designated
        self._closures: dict[dt.date, Closure] = closures
        self._holidays: dict[dt.date, str] = holidays
        self._base_cache: dict[dt.date, _Base] = {}

    @cached_property
    def _weekly(self) -> dict[int, list]:
        by_weekday = defaultdict(list)
        for rule in self.calendar.weekly_hours.all():
            by_weekday[rule.weekday].append(rule)
        return by_weekday

    def day(self, day: dt.date) -> DayInfo:
        if not self.start <= day <= self.end:
            raise ValueError(f"{day} is outside the loaded range {self.start}..{self.end}")
        base = self._base(day)
        hours = base.hours
        if base.open and not base.designated:
            hours = _extend(hours, self._extension_until(day))
        return DayInfo(date=day, open=base.open, hours=hours, reason=base.reason)

    def days(self) -> list[DayInfo]:
        return [self.day(day) for day in _date_range(self.start, self.end)]

    def regular_hours(self, day: dt.date) -> list[Interval]:
        """The day's hours without evening extensions (what counts as 夜間 starts after them)."""
        if not self.start <= day <= self.end:
            raise ValueError(f"{day} is outside the loaded range {self.start}..{self.end}")
        base = self._base(day)
        return list(base.hours) if base.open else []

    def is_open(self, local: dt.datetime) -> bool:
        return _contains(self.day(local.date()).hours, local.time())

    def next_open(self, local: dt.datetime) -> dt.datetime | None:
        """``local`` if open, else the next opening within the loaded range (or None)."""
        for day in _date_range(local.date(), self.end):
            for start, end in self.day(day).hours:
                if day > local.date() or local.time() < start:
                    return dt.datetime.combine(day, start, tzinfo=TOKYO)
                if local.time() < end:
                    return local
        return None

    def _base(self, day: dt.date) -> _Base:
        if day not in self._base_cache:
            self._base_cache[day] = self._evaluate(day)
        return self._base_cache[day]

    def _evaluate(self, day: dt.date) -> _Base:
        # Order = precedence (module docstring).
        if closure := self._closures.get(day):
            return _Base(False, [], closure.reason)
        if designated := self._designated.get(day):
            return _Base(True, [designated.interval], designated.label, designated=True)
        if self.calendar.in_year_end(day):
            return _Base(False, [], "年末年始")
        if self.calendar.closed_on_national_holidays and day in self._holidays:
            return _Base(False, [], self._holidays[day])
        for rules in (self._nth_rules(day), self._weekly[day.weekday()]):
            if rules:
                return _Base(True, _merge(rule.interval for rule in rules), rules[0].label)
        return _Base(False, [], Weekday(day.weekday()).label)

    def _nth_rules(self, day: dt.date) -> list:
        return [rule for rule in self.calendar.nth_weekday_openings.all() if rule.matches(day)]

    def _extension_until(self, day: dt.date) -> dt.time | None:
        times = [
            rule.until
            for rule in self.calendar.evening_extensions.all()
            if self._extension_applies(rule, day)
        ]
        return max(times, default=None)

    def _extension_applies(self, rule, day: dt.date) -> bool:
        if day.weekday() == rule.weekday:
            return True
        if not rule.shift_when_closed:
            return False
        # `day` is open: it gets the extension when the days before it, back to the rule's
        # weekday, are all closed (it is that weekday's "next open day").
        previous = day - dt.timedelta(days=1)
        while previous >= self._loaded_from and not self._base(previous).open:
            if previous.weekday() == rule.weekday:
                return True
            previous -= dt.timedelta(days=1)
        return False


def day_bounds(start: dt.date, end: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in Tokyo: whole local days, for filtering
    datetimes (end defaults to start: one day)."""
    last = end or start
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=TOKYO),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=TOKYO),
    )


def add_months(first: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after (or before) ``first``'s month."""
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _date_range(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    for offset in range((end - start).days + 1):
        yield start + dt.timedelta(days=offset)


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping or touching intervals joined (e.g. two rows of one weekday)."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _extend(hours: list[Interval], until: dt.time | None) -> list[Interval]:
    if until is None or not hours or until <= hours[-1][1]:
        return hours
    return [*hours[:-1], (hours[-1][0], until)]


def _contains(hours: list[Interval], moment: dt.time) -> bool:
    return any(start <= moment < end for start, end in hours)


def _local(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("タイムゾーン付きの日時を指定してください（例: timezone.now()）。")
    return at.astimezone(TOKYO)


def service_value(service) -> str:
    value = str(service)
    if value not in Service.values:
        raise CalendarError(
            f"不明なサービスです: {value}（指定できるもの: {', '.join(Service.values)}）"
        )
    return value


def get_calendar(service, municipality: Municipality | None = None) -> BusinessCalendar:
    """The calendar for a service (a Service value or a BusinessCalendar, returned as is)."""
    if isinstance(service, BusinessCalendar):
        return service
    value = service_value(service)
    if municipality is None:
        municipality = Municipality.objects.default()
    if municipality is None:
        raise CalendarNotFound("自治体が登録されていません。管理画面で自治体を登録してください。")
    # A service run at several sites (the card venues) has one calendar per site, reached
    # through the site's own row; the municipality-wide calendar is the one without a site.
    calendar = BusinessCalendar.objects.filter(
        municipality=municipality, service=value, site=""
    ).first()
    if calendar is None:
        raise CalendarNotFound(
            f"{municipality.name}（{municipality.code}）の「{Service(value).label}」の"
            "業務カレンダーが登録されていません。管理画面で登録してください。"
        )
    return calendar


def snapshots(calendars, start: dt.date, end: dt.date) -> dict[int, Snapshot]:
    """Snapshots of several calendars over one range, with a fixed number of queries."""
    calendars = list(calendars)
    prefetch_related_objects(calendars, *RULE_SETS)
    loaded_from = start - dt.timedelta(days=LOOKBACK_DAYS)
    ids = [calendar.pk for calendar in calendars]
    designated: dict[int, dict] = defaultdict(dict)
    for row in DesignatedDay.objects.filter(calendar_id__in=ids, date__range=(loaded_from, end)):
        designated[row.calendar_id][row.date] = row
    closures: dict[int, dict] = defaultdict(dict)
    for row in Closure.objects.filter(calendar_id__in=ids, date__range=(loaded_from, end)):
        closures[row.calendar_id][row.date] = row
    holidays = NationalHoliday.objects.names_between(loaded_from, end)
    return {
        calendar.pk: Snapshot(
            calendar,
            start,
            end,
            designated=designated[calendar.pk],
            closures=closures[calendar.pk],
            holidays=holidays,
        )
        for calendar in calendars
    }


def snapshot(service, start: dt.date, end: dt.date, *, municipality=None) -> Snapshot:
    calendar = get_calendar(service, municipality)
    return snapshots([calendar], start, end)[calendar.pk]


def days(service, start: dt.date, end: dt.date, *, municipality=None) -> list[DayInfo]:
    """Every day from start to end inclusive (empty when end is before start)."""
    if end < start:
        return []
    return snapshot(service, start, end, municipality=municipality).days()


def open_days(service, start: dt.date, end: dt.date, *, municipality=None) -> list[dt.date]:
    return [info.date for info in days(service, start, end, municipality=municipality) if info.open]


def day_info(service, day: dt.date, *, municipality=None) -> DayInfo:
    return snapshot(service, day, day, municipality=municipality).day(day)


def hours(service, day: dt.date, *, municipality=None) -> list[Interval]:
    return day_info(service, day, municipality=municipality).hours


def regular_hours(service, day: dt.date, *, municipality=None) -> list[Interval]:
    """The day's hours before any evening extension (empty on a closed day)."""
    return snapshot(service, day, day, municipality=municipality).regular_hours(day)


def is_open(service, at: dt.datetime, *, municipality=None) -> bool:
    """Whether the service is open at the aware datetime ``at`` (compared in Asia/Tokyo)."""
    local = _local(at)
    return _contains(hours(service, local.date(), municipality=municipality), local.time())


def next_open(service, at: dt.datetime, *, municipality=None) -> dt.datetime:
    """``at`` itself when open, else the start of the next opening (aware, Asia/Tokyo)."""
    local = _local(at)
    calendar = get_calendar(service, municipality)
    # A month is almost always enough; only then load the whole search range.
    for window in (LOOKBACK_DAYS, SEARCH_DAYS):
        end = local.date() + dt.timedelta(days=window)
        found = snapshot(calendar, local.date(), end).next_open(local)
        if found is not None:
            return at if found is local else found
    raise NoOpeningFound(
        f"{calendar}: {local:%Y年%m月%d日}から{SEARCH_DAYS}日以内に開庁時間がありません。"
        "業務カレンダーの設定を確認してください。"
    )


def format_time(moment: dt.time) -> str:
    return f"{moment.hour}:{moment.minute:02d}"


def format_hours(hours: list[Interval]) -> str:
    """'8:30〜17:15', several intervals joined with '、'; '' when closed."""
    return "、".join(f"{format_time(start)}〜{format_time(end)}" for start, end in hours)
