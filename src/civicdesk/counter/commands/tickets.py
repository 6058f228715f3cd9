"""Ticket subcommands of ``civicdesk counter`` (for operations and for checking):

    civicdesk counter issue --queue A [--at 2026-06-10T10:00+09:00] [--municipality 032093] --json
        {"ticket": 12, "number": 1, "label": "A-001", "queue": "A", "day": "2026-06-10", …}
    civicdesk counter call-next --counter 1 --user clerk1 --json
        {"ticket": 12, …, "counter": "1"}   or   {"ticket": null, "counter": "1"}
    civicdesk counter display-key --name "1階待合" --kind waiting_room --user supervisor1
        {"device": 3, …, "key": "…", "url": "/counter/display/…/"}   (the key is shown once)

``--at`` issues at another moment and is refused outside development settings (it would
let anyone back-date a ticket). Refusals (受付時間外, an unknown queue, a busy counter …)
print one line in Japanese on stderr and exit 1.
"""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from civicdesk.core.calendar import TOKYO
from civicdesk.core.models import Municipality
from civicdesk.counter.choices import DisplayKind
from civicdesk.counter.commands.registry import Subcommand, register
from civicdesk.counter.models import Queue, Ticket
from civicdesk.counter.selectors import tickets as selectors
from civicdesk.counter.services import displays, tickets


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


def _describe(ticket: Ticket) -> dict:
    return {
        "ticket": ticket.pk,
        "number": ticket.number,
        "label": ticket.label,
        "queue": ticket.queue.code,
        "day": ticket.day.isoformat(),
        "status": ticket.status,
        "issued_at": ticket.issued_at.astimezone(TOKYO).isoformat(),
    }


def _user(username: str | None, check, refusal: str):
    user = get_user_model().objects.filter(username=username or "").first()
    if user is None or not user.is_active:
        raise Refused(f"--user: 有効なユーザー {username} はいません。")
    if not check(user):
        raise Refused(f"--user: {username} には{refusal}権限がありません。")
    return user


# --- issue -----------------------------------------------------------------------------------


def _issue_arguments(parser) -> None:
    parser.add_argument("--queue", required=True, help="待ち行列の記号（例: A）")
    parser.add_argument(
        "--at", help="発券日時 ISO 8601（開発環境のみ。例: 2026-06-10T10:00+09:00）"
    )
    parser.add_argument("--municipality", help="地方公共団体コード（省略: 既定の自治体）")
    parser.add_argument("--json", action="store_true", help="結果を JSON 1行で出力する")


def development() -> bool:
    """What lets ``--at`` through: DEBUG, or any environment but production."""
    return bool(settings.DEBUG or not settings.PRODUCTION)


def _moment(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    if not development():
        raise Refused("--at は開発環境でだけ使えます（本番環境では現在時刻で発券します）。")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise Refused(
            f"--at: 日時を ISO 8601 で指定してください（例: 2026-06-10T10:00+09:00）: {text}"
        ) from None
    if moment.tzinfo is None:
        raise Refused(f"--at: 時差（例: +09:00）を付けてください: {text}")
    return moment


def _municipality(code: str | None) -> Municipality:
    found = (
        Municipality.objects.filter(code=code).first() if code else Municipality.objects.default()
    )
    if found is None:
        raise Refused(f"--municipality: 自治体 {code or '（既定）'} が登録されていません。")
    return found


@_refusals
def _issue(command, options: dict) -> int:
    at = _moment(options.get("at"))
    municipality = _municipality(options.get("municipality"))
    queue = Queue.objects.filter(municipality=municipality, code=options["queue"]).first()
    if queue is None:
        raise Refused(f"--queue: {municipality.name}に待ち行列 {options['queue']} はありません。")
    ticket = tickets.issue_ticket(acting_user=None, queue=queue, at=at)
    data = {**_describe(ticket), "waiting_ahead": selectors.waiting_ahead(ticket)}
    return _write(command, options, data, f"{ticket.label}（{queue.name}）を発券しました。")


# --- call-next -------------------------------------------------------------------------------


def _call_next_arguments(parser) -> None:
    parser.add_argument("--counter", required=True, help="窓口の番号（例: 1）")
    parser.add_argument("--user", required=True, help="呼び出す担当者のユーザーID")
    parser.add_argument("--json", action="store_true", help="結果を JSON 1行で出力する")


@_refusals
def _call_next(command, options: dict) -> int:
    user = _user(options["user"], selectors.may_work_desk, "番号札を呼び出す")
    code = options["counter"]
    # The counters this user may work at: a clerk's windows, a cashier's cash desk.
    counter = selectors.counters_for(user).filter(code=code).first()
    if counter is None:
        raise Refused(f"--counter: {user.username} が担当できる使用中の窓口 {code} はありません。")
    ticket = tickets.call_next(acting_user=user, counter=counter)
    if ticket is None:
        return _write(command, options, {"ticket": None, "counter": code}, "お待ちの方はいません。")
    data = {**_describe(ticket), "counter": code, "calls": ticket.calls}
    return _write(command, options, data, f"{counter.name}: {ticket.label} を呼び出しました。")


# --- display-key -----------------------------------------------------------------------------


def _display_key_arguments(parser) -> None:
    parser.add_argument("--name", required=True, help="表示端末の名称（例: 1階待合 東側）")
    parser.add_argument("--kind", required=True, choices=DisplayKind.values)
    parser.add_argument("--user", required=True, help="登録する業務責任者・職員のユーザーID")


@_refusals
def _display_key(command, options: dict) -> int:
    user = _user(options["user"], selectors.may_manage_displays, "表示端末を登録する")
    device, key = displays.register_display(
        acting_user=user,
        municipality=selectors.municipality_for(user),
        name=options["name"],
        kind=options["kind"],
    )
    data = {
        "device": device.pk,
        "name": device.name,
        "kind": device.kind,
        "key": key,
        "url": reverse("counter:display", kwargs={"key": key}),
    }
    command.stdout.write(json.dumps(data, ensure_ascii=False))
    command.stderr.write(
        f"{device}を登録しました。キーの表示はこの一度だけです。"
        "サーバーのアドレスに url を続けて表示端末で開いてください。"
    )
    return 0


register(
    Subcommand(
        name="issue",
        help="番号札を発券する（--at は開発環境のみ）",
        arguments=_issue_arguments,
        handle=_issue,
    )
)
register(
    Subcommand(
        name="call-next",
        help="窓口で次の方を呼び出す",
        arguments=_call_next_arguments,
        handle=_call_next,
    )
)
register(
    Subcommand(
        name="display-key",
        help="呼出表示の端末を登録し、キーを一度だけ表示する",
        arguments=_display_key_arguments,
        handle=_display_key,
    )
)
