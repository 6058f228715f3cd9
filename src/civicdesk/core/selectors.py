"""Read queries of the core app: the business calendar on the home and calendar pages."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone

from civicdesk.core import calendar
from civicdesk.core.calendar import add_months
from civicdesk.core.models import Municipality
from civicdesk.core.models.calendar import BusinessCalendar, Service

WEEKDAY_SHORT = "月火水木金土日"
# Months the calendar page shows; the holiday rules jpholiday implements hold in this range.
FIRST_YEAR, LAST_YEAR = 2000, 2099
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
# The home page looks this far ahead for the next opening before a full search.
HOME_WINDOW_DAYS = 31


@dataclass(frozen=True)
class ServiceToday:
    """One row of the home page's 本日の業務時間 table."""

    service: str
    label: str
    day: calendar.DayInfo
    open_now: bool
    closes_at: dt.time | None
    next_open: dt.datetime | None

    @property
    def hours_text(self) -> str:
        return calendar.format_hours(self.day.hours)

    @property
    def next_open_text(self) -> str:
        if self.next_open is None:
            return ""
        moment = timezone.localtime(self.next_open, calendar.TOKYO)
        weekday = WEEKDAY_SHORT[moment.weekday()]
        return f"{moment.month}月{moment.day}日（{weekday}）{calendar.format_time(moment.time())}"


def _service_order(item: BusinessCalendar) -> int:
    return Service.values.index(item.service)


def today_by_service(user) -> list[ServiceToday]:
    """Today's hours and open-now state of every calendar of the user's municipality.

    A fixed number of queries: the calendars and their rules are loaded once for a month.
    """
    municipality = Municipality.objects.for_user(user)
    if municipality is None:
        return []
    calendars = sorted(
        BusinessCalendar.objects.filter(municipality=municipality), key=_service_order
    )
    now = timezone.now().astimezone(calendar.TOKYO)
    today = now.date()
    loaded = calendar.snapshots(calendars, today, today + dt.timedelta(days=HOME_WINDOW_DAYS))
    return [_service_today(item, loaded[item.pk], now) for item in calendars]


def _service_today(item: BusinessCalendar, snap: calendar.Snapshot, now) -> ServiceToday:
    info = snap.day(now.date())
    closes_at = next((end for start, end in info.hours if start <= now.time() < end), None)
    next_opening = None
    if closes_at is None:
        next_opening = snap.next_open(now)
        if next_opening is None:  # closed for over a month: search further, rarely
            try:
                next_opening = calendar.next_open(item, now)
            except calendar.NoOpeningFound:
                next_opening = None
    return ServiceToday(
        service=item.service,
        label=item.get_service_display(),
        day=info,
        open_now=closes_at is not None,
        closes_at=closes_at,
        next_open=next_opening,
    )


def _parse_service(value: str | None, notices: list[str]) -> str:
    if not value:
        return Service.CALLS
    if value in Service.values:
        return value
    notices.append(f"サービス「{value}」はありません。{Service.CALLS.label}を表示しています。")
    return Service.CALLS


def _parse_month(value: str | None, today: dt.date, notices: list[str]) -> dt.date:
    current = today.replace(day=1)
    if not value:
        return current
    match = MONTH_PATTERN.match(value)
    if match:
        year, month = int(match[1]), int(match[2])
        if FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12:
            return dt.date(year, month, 1)
    notices.append(
        f"月「{value}」は表示できません"
        f"（{FIRST_YEAR}-01〜{LAST_YEAR}-12 の形式で指定してください）。今月を表示しています。"
    )
    return current


def _month_link(service: str, first: dt.date) -> str | None:
    if not FIRST_YEAR <= first.year <= LAST_YEAR:
        return None
    return f"?service={service}&month={first:%Y-%m}"


def calendar_month_context(request) -> dict:
    """The month view: GET service (default calls) and month=YYYY-MM (default this month)."""
    notices: list[str] = []
    service = _parse_service(request.GET.get("service"), notices)
    first = _parse_month(request.GET.get("month"), timezone.localdate(), notices)
    last = add_months(first, 1) - dt.timedelta(days=1)
    rows = []
    try:
        infos = calendar.days(
            service, first, last, municipality=Municipality.objects.for_user(request.user)
        )
    except calendar.CalendarNotFound as error:
        notices.append(str(error))
        infos = []
    for info in infos:
        rows.append(
            {
                "info": info,
                "weekday": WEEKDAY_SHORT[info.date.weekday()],
                "hours_text": calendar.format_hours(info.hours),
            }
        )
    return {
        "services": Service.choices,
        "service": service,
        "service_label": Service(service).label,
        "month": first,
        "month_value": f"{first:%Y-%m}",
        "month_label": f"{first.year}年{first.month}月",
        "previous_url": _month_link(service, add_months(first, -1)),
        "next_url": _month_link(service, add_months(first, 1)),
        "rows": rows,
        "open_count": sum(1 for row in rows if row["info"].open),
        "notices": notices,
    }
