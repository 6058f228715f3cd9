"""The counter hours page (窓口の開庁日・時間, seed 003 §5): the counter calendar of the coming
months for everyone on the counter floor, and for municipal staff the form that designates a
weekend morning (指定開庁日) through core.services.add_designated_day.

The page shows no personal data (days, hours, reasons): nothing to log on a view; the
designation logs itself (the service).
"""

from __future__ import annotations

import datetime as dt
import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from civicdesk.core.calendar import TOKYO, add_months, format_hours
from civicdesk.core.http import refuse_unless, require
from civicdesk.core.services import add_designated_day
from civicdesk.counter.forms.hours import DesignateDayForm
from civicdesk.counter.selectors import hours as selectors

MONTH = re.compile(r"(\d{4})-(\d{2})")
FIRST_YEAR, LAST_YEAR = 2000, 2099


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_view_hours, message="窓口の開庁日を閲覧する権限がありません。")
def hours(request):
    """GET: the months from ``?from=YYYY-MM`` (default this month); POST: designate a day."""
    today = timezone.localdate(timezone.now(), TOKYO)
    notices: list[str] = []
    first = _first_month(request.GET.get("from"), today, notices)
    may_designate = selectors.may_designate(request.user)
    form = DesignateDayForm() if may_designate else None
    if request.method == "POST":
        refuse_unless(
            request.user, selectors.may_designate, message="指定開庁日を登録する権限がありません。"
        )
        form = DesignateDayForm(request.POST)
        designated = _designate(request, form)
        if designated is not None:
            messages.success(
                request,
                f"{_date_text(designated.date)}を指定開庁日（{designated.label} "
                f"{format_hours([designated.interval])}）にしました。",
            )
            return redirect(_page_url(designated.date.replace(day=1)))
    shown = selectors.counter_hours(request.user, first, today=today)
    if shown.notice:
        notices.append(shown.notice)
    context = {
        "shown": shown,
        "form": form if shown.calendar is not None else None,
        "notices": notices,
        "today": today,
        "previous_url": _page_url(add_months(first, -selectors.MONTHS_SHOWN)),
        "next_url": _page_url(add_months(first, selectors.MONTHS_SHOWN)),
        "this_month_url": _page_url(today.replace(day=1)),
    }
    return render(request, "counter/hours/index.html", context)


def _designate(request, form: DesignateDayForm):
    if not form.is_valid():
        return None
    business = selectors.counter_calendar_for(request.user)
    if business is None:
        form.add_error(None, "窓口の業務カレンダーが登録されていません。")
        return None
    try:
        return add_designated_day(
            acting_user=request.user,
            calendar=business,
            date=form.cleaned_data["date"],
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            label=form.cleaned_data["label"].strip(),
        )
    except ValidationError as error:
        form.add_service_errors(error)
        return None


def _first_month(text: str | None, today: dt.date, notices: list[str]) -> dt.date:
    current = today.replace(day=1)
    if not text:
        return current
    match = MONTH.fullmatch(text)
    if match and FIRST_YEAR <= int(match[1]) <= LAST_YEAR and 1 <= int(match[2]) <= 12:
        return dt.date(int(match[1]), int(match[2]), 1)
    notices.append(
        f"「{text}」は表示できる月ではありません（例: 2026-03）。今月から表示しています。"
    )
    return current


def _page_url(first: dt.date) -> str:
    return f"{reverse('counter:hours')}?from={first:%Y-%m}"


def _date_text(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日（{selectors.WEEKDAY_SHORT[day.weekday()]}）"
