"""`civicdesk export contacts`: contact results out (layout 4), registered as an export.

    civicdesk export contacts --from 2025-04-01 --to 2025-04-30 --reason "国保システムへの連携" \\
        --user staff01 [--format csv|xlsx] [--encoding cp932|utf-8] [--out FILE] [--json]

``--user`` is required: the export register (持出記録) and the access log name the person who
took the data out, and a server shell has no signed-in user.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from civicdesk.core.japanese import parse_era_date
from civicdesk.core.tabular import ENCODING_LABELS, ENCODINGS
from civicdesk.privacy.services.export_register import ExportError
from civicdesk.receivables.exporters.contacts import FORMATS, export_contacts


class Command(BaseCommand):
    help = "個人情報を含むデータをファイルに出力し、持出記録に登録します（例: export contacts）。"

    def add_arguments(self, parser):
        subjects = parser.add_subparsers(
            dest="subject", required=True, title="出力するデータ", metavar="{contacts}"
        )
        contacts = subjects.add_parser(
            "contacts",
            help="折衝記録（様式4: 経過記録の連携用）",
            description="期間内の折衝記録を様式4で出力し、持出記録に登録します。",
        )
        contacts.add_argument(
            "--from", dest="start", help="開始日 YYYY-MM-DD（和暦 R7.4.1 も可。この日を含む）"
        )
        contacts.add_argument(
            "--to", dest="end", help="終了日 YYYY-MM-DD（和暦も可。この日を含む）"
        )
        contacts.add_argument("--reason", help="持出しの理由（必須。持出記録に残ります）")
        contacts.add_argument("--user", help="出力する利用者のユーザーID（必須）")
        contacts.add_argument("--format", dest="file_format", default="csv", help="csv または xlsx")
        contacts.add_argument(
            "--encoding", help="CSV の文字コード: cp932（既定）または utf-8（BOM付き）"
        )
        contacts.add_argument(
            "--out", help="出力ファイル（省略時: contacts_開始日_終了日.csv を現在のフォルダに）"
        )
        contacts.add_argument(
            "--json", action="store_true", help='結果を JSON 1行で出力する（{"rows": …}）'
        )

    def handle(self, *args, **options):
        start = _date(options["start"], "--from")
        end = _date(options["end"], "--to")
        file_format = options["file_format"]
        if file_format not in FORMATS:
            raise _error(f"--format は csv または xlsx を指定してください: {file_format}")
        encoding = _encoding(options["encoding"], file_format)
        user = _user(options["user"])
        out = Path(options["out"] or f"contacts_{start:%Y%m%d}_{end:%Y%m%d}.{file_format}")
        try:
            result = export_contacts(
                acting_user=user,
                start=start,
                end=end,
                reason=options["reason"] or "",
                file_format=file_format,
                encoding=encoding,
                out=out,
            )
        except (ExportError, PermissionDenied) as error:
            raise _error(str(error)) from None
        if options["json"]:
            line = {"rows": result.count, "file": str(result.path), "sha256": result.sha256}
            self.stdout.write(json.dumps(line, ensure_ascii=False))
            return
        if result.count == 0:
            self.stdout.write("出力対象の折衝記録はありません（0件）")
            self.stdout.write("見出し行だけのファイルも持出しとして記録しました。")
        else:
            self.stdout.write(f"折衝記録 {result.count:,}件を出力しました。")
        kind = f"CSV・{ENCODING_LABELS[encoding]}" if file_format == "csv" else "Excel（xlsx）"
        self.stdout.write(f"ファイル: {result.path}")
        self.stdout.write(f"形式: {kind}")
        self.stdout.write(f"SHA-256: {result.sha256}")
        self.stdout.write(f"持出記録: No.{result.record.pk}（理由: {result.record.reason}）")


def _error(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def _date(value: str | None, option: str) -> dt.date:
    if not value:
        raise _error(f"{option} を YYYY-MM-DD 形式で指定してください。")
    try:
        return parse_era_date(value)  # 2025-04-01, and also R7.4.1 or 令和7年4月1日
    except ValueError as error:
        raise _error(f"{option}: {error}（例: 2025-04-01）") from None


def _encoding(value: str | None, file_format: str) -> str:
    if value is None:
        return "cp932"
    if file_format != "csv":
        raise _error("--encoding は CSV のときだけ指定できます（xlsx に文字コードはありません）。")
    normalised = value.lower().replace("_", "-")
    normalised = {"utf8": "utf-8", "sjis": "cp932", "shift-jis": "cp932"}.get(
        normalised, normalised
    )
    if normalised not in ENCODINGS:
        raise _error(f"--encoding は cp932 または utf-8 を指定してください: {value}")
    return normalised


def _user(username: str | None):
    if not username:
        raise _error(
            "--user に出力する利用者のユーザーIDを指定してください（持出記録に残ります）。"
        )
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise _error(f"ユーザー「{username}」は登録されていないか、無効になっています。")
    return user
