"""Fee subcommands of ``civicdesk counter`` (for operations and for checking):

    civicdesk counter day-close --date 2026-06-10 --user cashier1 \\
        [--counted '{"1000": 3, "500": 1}'] [--reason "釣銭の渡し過ぎ"] --json
        {"day_close": 4, "day": "2026-06-10", "expected": {"cash": 3500, …}, "counted_cash": 3500,
         "difference": 0, "entries": 12, "reason": ""}
    civicdesk counter export-fees --from 2026-06-01 --to 2026-06-30 --user staff1 \\
        [--reason R] [--out FILE] [--json]
        {"rows": 412, "file": "/…/fees_20260601_20260630.csv", "sha256": "…", "export": 9}

``day-close`` counts the cash given by ``--counted`` (denomination → pieces; none given: no
cash counted, so a day that took cash needs ``--reason``). ``export-fees`` writes the entries
of the period as CP932 CSV through the export register: the rows hold no personal data, but
every file that leaves is registered with its reason. Refusals print one line in Japanese on
stderr and exit 1.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from civicdesk.core.japanese import era_date, parse_era_date
from civicdesk.core.tabular import ExportError, write_csv
from civicdesk.counter.commands.registry import Subcommand, register
from civicdesk.counter.selectors import fees as selectors
from civicdesk.counter.services import day_close
from civicdesk.privacy.services.export_register import write_registered_export

MAX_EXPORT_DAYS = 366


class Refused(Exception):
    """A refusal: its message (Japanese) goes to stderr and the command exits 1."""


def _refusals(handle):
    def wrapped(command, options: dict) -> int:
        try:
            return handle(command, options)
        except (Refused, ExportError, PermissionDenied) as refusal:
            command.stderr.write(str(refusal))
        except ValidationError as error:
            command.stderr.write(" ".join(error.messages))
        return 1

    return wrapped


def _user(username: str | None, check, refusal: str):
    user = get_user_model().objects.filter(username=username or "").first()
    if user is None or not user.is_active:
        raise Refused(f"--user: 有効なユーザー {username or ''} はいません。")
    if not check(user):
        raise Refused(f"--user: {username} には{refusal}権限がありません。")
    return user


def _date(text: str | None, option: str) -> dt.date:
    if not text:
        raise Refused(f"{option} を YYYY-MM-DD で指定してください。")
    try:
        return parse_era_date(text)
    except ValueError as error:
        raise Refused(f"{option}: {error}（例: 2026-06-10）") from None


# --- day-close ---------------------------------------------------------------------------------


def _day_close_arguments(parser) -> None:
    parser.add_argument("--date", required=True, help="精算する日 YYYY-MM-DD")
    parser.add_argument("--user", required=True, help="精算する利用者のユーザーID")
    parser.add_argument(
        "--counted",
        help='金種ごとの枚数（JSON。例: {"10000": 1, "1000": 3, "100": 5}）。省略: 現金なし',
    )
    parser.add_argument("--reason", default="", help="過不足の理由（過不足があるとき必須）")
    parser.add_argument("--json", action="store_true", help="結果を JSON 1行で出力する")


def _counted(text: str | None) -> dict:
    if not text:
        return {}
    try:
        counted = json.loads(text)
    except json.JSONDecodeError:
        raise Refused(f'--counted: JSON で指定してください（例: {{"1000": 3}}）: {text}') from None
    if not isinstance(counted, dict):
        raise Refused('--counted: 金種と枚数の組で指定してください（例: {"1000": 3}）。')
    return counted


@_refusals
def _day_close(command, options: dict) -> int:
    user = _user(options["user"], selectors.may_close_day, "精算の")
    day = _date(options["date"], "--date")
    close = day_close.close_day(
        acting_user=user,
        day=day,
        denominations=_counted(options.get("counted")),
        reason=options.get("reason") or "",
    )
    data = {
        "day_close": close.pk,
        "day": close.day.isoformat(),
        "expected": close.expected,
        "counted_cash": close.counted_cash,
        "difference": close.difference,
        "entries": close.entries,
        "reason": close.reason,
    }
    text = (
        f"{era_date(close.day)}を精算しました: 現金の収納額 {close.expected['cash']:,}円・"
        f"実査額 {close.counted_cash:,}円・過不足 {close.difference:,}円（{close.entries}件）"
    )
    command.stdout.write(json.dumps(data, ensure_ascii=False) if options.get("json") else text)
    return 0


# --- export-fees -------------------------------------------------------------------------------


def _export_arguments(parser) -> None:
    parser.add_argument("--from", dest="start", required=True, help="開始日 YYYY-MM-DD（含む）")
    parser.add_argument("--to", dest="end", required=True, help="終了日 YYYY-MM-DD（含む）")
    parser.add_argument("--user", required=True, help="出力する利用者のユーザーID")
    parser.add_argument("--reason", help="持出しの理由（省略: 手数料収納データの連携）")
    parser.add_argument("--out", help="出力ファイル（省略: fees_開始日_終了日.csv）")
    parser.add_argument("--json", action="store_true", help="結果を JSON 1行で出力する")


@_refusals
def _export_fees(command, options: dict) -> int:
    user = _user(options["user"], selectors.may_export_fees, "手数料の収納記録を出力する")
    start = _date(options["start"], "--from")
    end = _date(options["end"], "--to")
    if end < start:
        raise Refused("--to は --from 以降の日付にしてください。")
    if (end - start).days >= MAX_EXPORT_DAYS:
        raise Refused(f"出力できる期間は{MAX_EXPORT_DAYS}日までです。")
    municipality_id = selectors.municipality_id_for(user)
    out = Path(options.get("out") or f"fees_{start:%Y%m%d}_{end:%Y%m%d}.csv")
    reason = options.get("reason") or f"手数料収納データの連携（{start:%Y-%m-%d}〜{end:%Y-%m-%d}）"
    result = write_registered_export(
        acting_user=user,
        out=out,
        write=lambda stream: write_csv(
            selectors.fee_export_rows(municipality_id, start, end),
            selectors.FEE_EXPORT_HEADERS,
            stream,
            "cp932",
        ),
        content=f"窓口手数料の収納記録（{era_date(start)}〜{era_date(end)}）CSV（CP932）",
        file_format="csv",
        reason=reason,
        fields=selectors.FEE_EXPORT_FIELDS,
    )
    data = {
        "rows": result.count,
        "file": str(result.path),
        "sha256": result.sha256,
        "export": result.record.pk,
    }
    text = f"手数料の収納記録 {result.count:,}件を出力しました: {result.path}"
    command.stdout.write(json.dumps(data, ensure_ascii=False) if options.get("json") else text)
    return 0


register(
    Subcommand(
        name="day-close",
        help="1日の手数料を精算する（日計・精算）",
        arguments=_day_close_arguments,
        handle=_day_close,
    )
)
register(
    Subcommand(
        name="export-fees",
        help="期間の手数料の収納記録を CP932 の CSV に出力し、持出記録に登録する",
        arguments=_export_arguments,
        handle=_export_fees,
    )
)
