"""`civicdesk calendar`: print a service's business days for a date range (table or JSON)."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata

from django.core.management.base import BaseCommand, CommandError

from civicdesk.core import calendar
from civicdesk.core.models import Municipality
from civicdesk.core.models.calendar import Service

MAX_DAYS = 3 * 366  # a longer listing is a typo, not a report
WEEKDAY_SHORT = "月火水木金土日"
HEADERS = ("日付", "曜日", "開/閉", "時間", "理由")


class Command(BaseCommand):
    help = (
        "業務カレンダーの開庁日・時間を表示します"
        "（例: --service calls --from 2025-04-01 --to 2025-04-30 --json）。"
    )

    def add_arguments(self, parser):
        services = ", ".join(f"{value}={label}" for value, label in Service.choices)
        parser.add_argument("--service", help=f"サービス（{services}）")
        parser.add_argument("--from", dest="start", help="開始日 YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="終了日 YYYY-MM-DD（この日を含む）")
        parser.add_argument("--json", action="store_true", help="JSON で出力する")
        parser.add_argument("--municipality", help="地方公共団体コード（省略時は既定の自治体）")

    def handle(self, *args, **options):
        service = _service(options["service"])
        start = _date(options["start"], "--from")
        end = _date(options["end"], "--to")
        if end < start:
            raise _error(f"--from（{start}）は --to（{end}）以前の日付にしてください。")
        if (end - start).days + 1 > MAX_DAYS:
            raise _error(f"期間は {MAX_DAYS} 日以内にしてください。")
        municipality = _municipality(options["municipality"])
        try:
            infos = calendar.days(service, start, end, municipality=municipality)
        except calendar.CalendarError as error:
            raise _error(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps([_as_json(info) for info in infos], ensure_ascii=False))
        else:
            self.stdout.write(_table(infos))


def _error(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def _service(value: str | None) -> str:
    if not value:
        raise _error(f"--service を指定してください（{', '.join(Service.values)}）。")
    try:
        return calendar.service_value(value)
    except calendar.CalendarError as error:
        raise _error(str(error)) from None


def _date(value: str | None, option: str) -> dt.date:
    if not value:
        raise _error(f"{option} を YYYY-MM-DD 形式で指定してください。")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _error(f"{option} の日付が正しくありません: {value}（YYYY-MM-DD 形式）") from None


def _municipality(code: str | None) -> Municipality | None:
    if code is None:
        return None
    municipality = Municipality.objects.filter(code=code).first()
    if municipality is None:
        raise _error(f"地方公共団体コード {code} の自治体は登録されていません。")
    return municipality


def _as_json(info: calendar.DayInfo) -> dict:
    return {
        "date": info.date.isoformat(),
        "open": info.open,
        "hours": [[f"{start:%H:%M}", f"{end:%H:%M}"] for start, end in info.hours],
        "reason": info.reason,
    }


def _table(infos: list[calendar.DayInfo]) -> str:
    rows = [HEADERS] + [
        (
            info.date.isoformat(),
            WEEKDAY_SHORT[info.date.weekday()],
            "開" if info.open else "閉",
            calendar.format_hours(info.hours) or "-",
            info.reason,
        )
        for info in infos
    ]
    widths = [max(_width(row[column]) for row in rows) for column in range(len(HEADERS))]
    return "\n".join(
        "  ".join(_pad(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _width(text: str) -> int:
    # Full-width characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
