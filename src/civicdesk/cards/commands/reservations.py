"""Reservation subcommands of ``civicdesk cards``:

    civicdesk cards mark-no-shows [--day 2026-06-10] [--municipality 131083] [--json]
        {"day": "2026-06-10", "no_shows": 12}     (default day: yesterday in Tokyo)
    civicdesk cards open-slots --venue honchosha --from 2026-06-15 --to 2026-07-31 [--json]
        {"venue": "honchosha", "from": "2026-06-15", "to": "2026-07-31", "created": 510}

Run mark-no-shows each morning (cron or the worker) for the day before: the reservations still
open become 不来場 and their targets 未受領 (the reissue list). Refusals print one line in
Japanese on stderr and exit 1.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.utils import timezone

from civicdesk.cards.commands.registry import Subcommand, register
from civicdesk.cards.models import Venue
from civicdesk.cards.services import reservations, slots
from civicdesk.core.calendar import TOKYO
from civicdesk.core.models import Municipality


class Refused(Exception):
    """A refusal: its message (Japanese) goes to stderr and the command exits 1."""


def _refusals(handle):
    def wrapped(command, options: dict) -> int:
        try:
            return handle(command, options)
        except Refused as refusal:
            command.stderr.write(str(refusal))
        except ValidationError as error:
            command.stderr.write(" ".join(error.messages))
        return 1

    return wrapped


def _write(command, options: dict, data: dict, text: str) -> int:
    command.stdout.write(json.dumps(data, ensure_ascii=False) if options.get("json") else text)
    return 0


def _date(option: str, text: str | None, default: dt.date | None = None) -> dt.date:
    if not text:
        if default is None:
            raise Refused(f"--{option}: 日付を指定してください（例: 2026-06-10）。")
        return default
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Refused(f"--{option}: 日付は YYYY-MM-DD で指定してください: {text}") from None


def _municipality(code: str | None) -> Municipality:
    found = (
        Municipality.objects.filter(code=code).first() if code else Municipality.objects.default()
    )
    if found is None:
        raise Refused(f"--municipality: 自治体 {code or '（既定）'} が登録されていません。")
    return found


def _common(parser) -> None:
    parser.add_argument("--municipality", help="地方公共団体コード（省略: 既定の自治体）")
    parser.add_argument("--json", action="store_true", help="結果を JSON 1行で出力する")


# --- mark-no-shows -----------------------------------------------------------------------------


def _no_show_arguments(parser) -> None:
    parser.add_argument("--day", help="対象の日 YYYY-MM-DD（省略: 前日）")
    _common(parser)


@_refusals
def _mark_no_shows(command, options: dict) -> int:
    yesterday = timezone.now().astimezone(TOKYO).date() - dt.timedelta(days=1)
    day = _date("day", options.get("day"), yesterday)
    municipality = _municipality(options.get("municipality"))
    count = reservations.mark_no_shows(acting_user=None, municipality=municipality, day=day)
    data = {"day": day.isoformat(), "no_shows": count}
    return _write(command, options, data, f"{day} の不来場 {count}件を記録しました。")


register(
    Subcommand(
        "mark-no-shows",
        "終わった日の予約中のままの予約を不来場にし、対象者を未受領にする",
        _no_show_arguments,
        _mark_no_shows,
    )
)


# --- open-slots --------------------------------------------------------------------------------


def _open_arguments(parser) -> None:
    parser.add_argument("--venue", required=True, help="会場の記号（例: honchosha）")
    parser.add_argument("--from", dest="start", required=True, help="開始日 YYYY-MM-DD")
    parser.add_argument("--to", dest="end", required=True, help="終了日 YYYY-MM-DD")
    _common(parser)


@_refusals
def _open_slots(command, options: dict) -> int:
    start = _date("from", options.get("start"))
    end = _date("to", options.get("end"))
    municipality = _municipality(options.get("municipality"))
    venue = Venue.objects.filter(municipality=municipality, code=options["venue"]).first()
    if venue is None:
        raise Refused(f"--venue: {municipality.name}に会場 {options['venue']} はありません。")
    created = slots.open_slots(acting_user=None, venue=venue, start=start, end=end)
    data = {
        "venue": venue.code,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "created": created,
    }
    text = f"{venue.short_name} の予約枠を{created}枠作成しました（{start}〜{end}）。"
    return _write(command, options, data, text)


register(
    Subcommand(
        "open-slots",
        "会場の開場カレンダーから予約枠を作成する（既存の枠はそのまま）",
        _open_arguments,
        _open_slots,
    )
)
