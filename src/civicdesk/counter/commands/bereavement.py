"""``civicdesk counter erase-bereavement [--date D] [--json]``: blank the personal data of the
bereavement-desk cases ended (done or cancelled) longer ago than the desk's retention period.

    15 2 * * *  civicdesk civicdesk counter erase-bereavement --json    # once a day

Every municipality's cases, each with its own desk's ``retention_days``; one access-log entry
(削除) per case, named after the command and the OS account that ran it. Running it again the
same day erases nothing more. Prints one JSON line with ``--json``.
"""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone

from civicdesk.audit.actors import system_actor_name
from civicdesk.core.calendar import TOKYO
from civicdesk.counter.commands.registry import Subcommand, register
from civicdesk.counter.services.bereavement import erase_ended_cases

NAME = "erase-bereavement"


def _arguments(parser) -> None:
    parser.add_argument("--date", help="基準日 YYYY-MM-DD（既定: 今日）")
    parser.add_argument("--json", action="store_true", help="結果を JSON 1行で出力する")


def _handle(command, options: dict) -> int:
    text = options.get("date")
    if text:
        try:
            today = dt.date.fromisoformat(text)
        except ValueError:
            command.stderr.write(
                f"--date: 日付を YYYY-MM-DD の形で指定してください（例: 2026-06-10）: {text}"
            )
            return 1
    else:
        today = timezone.now().astimezone(TOKYO).date()
    erased = erase_ended_cases(
        acting_user=None, today=today, actor_name=system_actor_name(f"counter {NAME}")
    )
    numbers = [case.reservation_no for case in erased]
    if options.get("json"):
        result = {"date": today.isoformat(), "erased": len(numbers), "reservations": numbers}
        command.stdout.write(json.dumps(result, ensure_ascii=False))
    else:
        command.stdout.write(
            f"{today.isoformat()}: 保存期間を過ぎたおくやみコーナーの案件 {len(numbers)} 件の"
            "個人情報を消去しました。"
        )
    return 0


register(
    Subcommand(
        name=NAME,
        help="保存期間を過ぎたおくやみコーナーの案件（完了・取消）の個人情報を消去する",
        arguments=_arguments,
        handle=_handle,
    )
)
