"""``civicdesk cards recordings register | purge | check``: the call recordings of 別紙④.

    civicdesk cards recordings register rec.wav --call-type a --at 2026-06-10T10:15+09:00
    civicdesk cards recordings purge --as-of 2026-07-01 --json      # monthly, from cron
    civicdesk cards recordings check --as-of 2026-07-01             # exit 1 on any finding

``purge`` erases every recording whose retention ended before the date and which no hold
stops, with one certificate (消去証明書) in the export register; ``check`` names every
recording past its erase-by date that still exists, every file whose SHA-256 changed or that
is missing, every erased recording whose file is still there, and every file in the folder
that no recording names (a copy). Runs as the command (the OS account is named in the
registers); ``--municipality`` picks one by code (default: the installation's default).
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.utils import timezone

from civicdesk.audit.actors import system_actor_name
from civicdesk.cards.choices import CallType
from civicdesk.cards.commands.registry import Subcommand, register
from civicdesk.cards.selectors import recordings as selectors
from civicdesk.cards.services import recordings as services
from civicdesk.core.models import Municipality

NAME = "recordings"


class Refused(Exception):
    """A refusal for stderr (one line, Japanese) and exit 1."""


def _municipality(code: str | None) -> Municipality:
    found = (
        Municipality.objects.filter(code=code).first() if code else Municipality.objects.default()
    )
    if found is None:
        raise Refused(f"--municipality: 自治体 {code or '（既定）'} がありません。")
    return found


def _as_of(text: str | None) -> dt.date:
    if not text:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Refused(
            f"--as-of: 日付を YYYY-MM-DD の形で指定してください（例: 2026-07-01）: {text}"
        ) from None


def _moment(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise Refused(
            f"--at: 日時を ISO 形式で指定してください（例: 2026-06-10T10:15+09:00）: {text}"
        ) from None
    if timezone.is_naive(moment):
        raise Refused(f"--at: 時差（+09:00 など）を付けてください: {text}")
    return moment


def _arguments(parser) -> None:
    actions = parser.add_subparsers(dest="recordings_action", required=True)
    add = actions.add_parser("register", help="録音ファイルを保存用の領域へ取り込み登録する")
    add.add_argument("file", help="録音機器から書き出したファイル（.wav .mp3 .ogg .opus .m4a）")
    add.add_argument(
        "--call-type", required=True, choices=CallType.values, help="通話の種別（a i u e o）"
    )
    add.add_argument("--at", required=True, help="録音日時（ISO、時差付き）")
    add.add_argument("--duration", type=int, default=0, help="通話時間（秒）")
    purge = actions.add_parser("purge", help="保管期間を過ぎた通話録音を消去し消去証明書を作る")
    purge.add_argument("--as-of", help="基準日 YYYY-MM-DD（既定: 今日）")
    check = actions.add_parser("check", help="消去漏れと録音ファイルの改変・欠落を調べる")
    check.add_argument("--as-of", help="基準日 YYYY-MM-DD（既定: 今日）")
    for sub in (add, purge, check):
        sub.add_argument("--municipality", help="自治体コード（既定: 既定の自治体）")
        sub.add_argument("--json", action="store_true", help="結果を JSON 1行で出力する")


def _handle(command, options: dict) -> int:
    handlers = {"register": _register, "purge": _purge, "check": _check}
    try:
        return handlers[options["recordings_action"]](command, options)
    except Refused as refusal:
        command.stderr.write(str(refusal))
        return 1
    except ValidationError as error:
        command.stderr.write(" ".join(error.messages))
        return 1


def _register(command, options: dict) -> int:
    recording = services.register_recording(
        acting_user=None,
        municipality=_municipality(options.get("municipality")),
        source_path=options["file"],
        call_type=options["call_type"],
        recorded_at=_moment(options["at"]),
        duration_seconds=options.get("duration") or 0,
    )
    result = {
        "recording": recording.pk,
        "sha256": recording.sha256,
        "bytes": recording.size_bytes,
        "keep_until": recording.keep_until.isoformat(),
        "erase_by": selectors.erase_by_for(recording.keep_until).isoformat(),
    }
    _write(
        command,
        options,
        result,
        f"通話録音 {recording.pk} を登録しました（保管期限 "
        f"{result['keep_until']}、消去期限 {result['erase_by']}）。",
    )
    return 0


def _purge(command, options: dict) -> int:
    municipality = _municipality(options.get("municipality"))
    as_of = _as_of(options.get("as_of"))
    erasure = services.erase_due_recordings(
        acting_user=None,
        municipality=municipality,
        as_of=as_of,
        system_name=system_actor_name(f"cards {NAME} purge"),
    )
    held = selectors.held_past_retention(municipality, as_of).count()
    result = {
        "as_of": as_of.isoformat(),
        "erased": erasure.erased_count if erasure else 0,
        "bytes": erasure.erased_bytes if erasure else 0,
        "held": held,
        "certificate": erasure.pk if erasure else None,
        "digest": erasure.digest if erasure else None,
    }
    text = (
        f"{as_of.isoformat()}: 通話録音 {result['erased']} 件"
        f"（{result['bytes']} バイト）を消去しました"
        + (f"（消去証明書 第{erasure.pk}号）" if erasure else "")
        + f"。消去停止中で残したもの {held} 件。"
    )
    _write(command, options, result, text)
    return 0


def _check(command, options: dict) -> int:
    municipality = _municipality(options.get("municipality"))
    result = selectors.check_recordings(municipality, _as_of(options.get("as_of")))
    findings = [
        *(_finding("消去期限超過", r, _erase_by(r)) for r in result.overdue),
        *(_finding("SHA-256 不一致（改変）", r) for r in result.changed),
        *(_finding("ファイルなし", r) for r in result.missing),
        *(_finding("消去済みなのにファイルが残っている", r) for r in result.left_behind),
        *(f"登録のないファイル（複製の疑い）: {name}" for name in result.unregistered),
    ]
    if options.get("json"):
        command.stdout.write(
            json.dumps(
                {
                    "as_of": result.as_of.isoformat(),
                    "checked": result.checked,
                    "held": result.held,
                    "overdue": [r.pk for r in result.overdue],
                    "changed": [r.pk for r in result.changed],
                    "missing": [r.pk for r in result.missing],
                    "left_behind": [r.pk for r in result.left_behind],
                    "unregistered": result.unregistered,
                    "ok": result.ok,
                },
                ensure_ascii=False,
            )
        )
    else:
        for line in findings:
            command.stdout.write(line)
        command.stdout.write(
            f"{result.as_of.isoformat()}: 保管中の通話録音 {result.checked} 件を確認しました"
            f"（消去停止中 {result.held} 件）。"
            + ("問題はありません。" if result.ok else f"問題 {len(findings)} 件。")
        )
    return 0 if result.ok else 1


def _erase_by(recording) -> str:
    return f"消去期限 {selectors.erase_by_for(recording.keep_until):%Y-%m-%d}"


def _finding(what: str, recording, detail: str = "") -> str:
    recorded = timezone.localtime(recording.recorded_at).strftime("%Y-%m-%d %H:%M")
    extra = f"、{detail}" if detail else ""
    return f"{what}: 通話録音 {recording.pk}（{recorded}、{recording.file_name}{extra}）"


def _write(command, options: dict, result: dict, text: str) -> None:
    if options.get("json"):
        command.stdout.write(json.dumps(result, ensure_ascii=False))
    else:
        command.stdout.write(text)


register(
    Subcommand(
        name=NAME,
        help="通話録音の登録・保管期間経過後の消去（消去証明書）・点検（別紙④）",
        arguments=_arguments,
        handle=_handle,
    )
)
