"""`civicdesk designate-day`: open a service on a day it otherwise keeps closed (指定開庁日).

    civicdesk designate-day --service counter --date 2026-03-28 --user staff1 [--hours 08:30-12:00]

Seed 003 §5(3): the municipality designates weekend mornings in the busy season, at most 6 a
fiscal year (the calendar's ``designated_day_limit``), only on days otherwise closed, 8:30–12:00
by default. Prints one JSON line:

    {"service": "counter", "date": "2026-03-28", "hours": "08:30-12:00", "label": "土日開庁",
     "designated_this_year": 3, "limit": 6}

Only a user with ``core.add_designatedday`` (municipal staff) may designate; the calendar is
the one of the user's municipality. Refusals (unknown user, no permission, an open day, a
closure, a 7th day in the fiscal year, bad hours) print the reason in Japanese on stderr and
exit 1; nothing is saved.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from civicdesk.core import calendar
from civicdesk.core.japanese import fiscal_year_of
from civicdesk.core.models import Municipality
from civicdesk.core.models.calendar import DesignatedDay, Service, fiscal_year_range
from civicdesk.core.services import add_designated_day

PERMISSION = "core.add_designatedday"
DEFAULT_HOURS = "08:30-12:00"
DEFAULT_LABEL = "土日開庁"
HOURS_PATTERN = re.compile(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")


class Command(BaseCommand):
    help = (
        "指定開庁日（土日開庁など）を登録します"
        "（例: --service counter --date 2026-03-28 --user staff1 --hours 08:30-12:00）。"
    )

    def add_arguments(self, parser):
        services = ", ".join(f"{value}={label}" for value, label in Service.choices)
        parser.add_argument("--service", help=f"サービス（{services}）")
        parser.add_argument("--date", help="指定する日 YYYY-MM-DD")
        parser.add_argument("--user", help="指定する職員のユーザーID（自治体職員）")
        parser.add_argument(
            "--hours", default=DEFAULT_HOURS, help=f"開庁時間 HH:MM-HH:MM（既定 {DEFAULT_HOURS}）"
        )
        parser.add_argument(
            "--label", default=DEFAULT_LABEL, help=f"表示名（既定 {DEFAULT_LABEL}）"
        )

    def handle(self, *args, **options):
        service = _service(options["service"])
        day = _date(options["date"])
        start, end = _hours(options["hours"])
        user = _user(options["user"])
        business = _calendar(service, user)
        try:
            designated = add_designated_day(
                acting_user=user,
                calendar=business,
                date=day,
                start=start,
                end=end,
                label=(options["label"] or DEFAULT_LABEL).strip(),
            )
        except ValidationError as error:
            raise _refusal(" ".join(error.messages)) from None
        used = DesignatedDay.objects.filter(
            calendar=business, date__range=fiscal_year_range(fiscal_year_of(day))
        ).count()
        line = {
            "service": service,
            "date": designated.date.isoformat(),
            "hours": f"{designated.start:%H:%M}-{designated.end:%H:%M}",
            "label": designated.label,
            "designated_this_year": used,
            "limit": business.designated_day_limit,
        }
        self.stdout.write(json.dumps(line, ensure_ascii=False))


def _refusal(message: str) -> CommandError:
    return CommandError(message, returncode=1)


def _service(value: str | None) -> str:
    if not value:
        raise _refusal(f"--service を指定してください（{', '.join(Service.values)}）。")
    try:
        return calendar.service_value(value)
    except calendar.CalendarError as error:
        raise _refusal(str(error)) from None


def _date(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        raise _refusal(
            f"--date の日付が正しくありません: {value or '（なし）'}（YYYY-MM-DD 形式）"
        ) from None


def _hours(value: str) -> tuple[dt.time, dt.time]:
    match = HOURS_PATTERN.fullmatch((value or "").strip())
    try:
        if match is None:
            raise ValueError(value)
        start = dt.time(int(match[1]), int(match[2]))
        end = dt.time(int(match[3]), int(match[4]))
    except ValueError:
        raise _refusal(
            f"--hours の時間が正しくありません: {value}（HH:MM-HH:MM の形式。例 08:30-12:00）"
        ) from None
    if end <= start:
        raise _refusal(
            f"--hours の終了時刻は開始時刻より後にしてください（{start:%H:%M}-{end:%H:%M}）。"
        )
    return start, end


def _user(username: str | None):
    if not username:
        raise _refusal("--user（指定する職員のユーザーID）を指定してください。")
    user = get_user_model().objects.filter(username=username).first()
    if user is None or not user.is_active:
        raise _refusal(f"--user: ユーザー {username} はいません（または利用停止中です）。")
    if not user.has_perm(PERMISSION):
        raise _refusal(
            f"ユーザー {username} には指定開庁日を登録する権限がありません"
            "（指定開庁日は自治体職員が指定します）。"
        )
    return user


def _calendar(service: str, user):
    municipality = Municipality.objects.for_user(user)
    if municipality is None:
        raise _refusal(f"ユーザー {user.username} の自治体が登録されていません。")
    try:
        return calendar.get_calendar(service, municipality)
    except calendar.CalendarError as error:
        raise _refusal(str(error)) from None
