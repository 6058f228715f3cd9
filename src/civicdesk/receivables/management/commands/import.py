"""`civicdesk import receivables|household|payments FILE`: import a municipality's file.

Errors go to stderr as ``FILE:LINE:COLUMN: reason`` (the first 1,000, then a count line) and
the command exits with 2, having written nothing. With ``--json`` the last line on stdout is
one JSON object with the counts; otherwise a short Japanese summary.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civicdesk.accounts.models import User
from civicdesk.core.models import Municipality
from civicdesk.receivables.importers.reader import encoding_name
from civicdesk.receivables.models import ImportKind
from civicdesk.receivables.services import COUNT_KEYS, import_file

JSON_KEYS = (*COUNT_KEYS, "dropped_columns")
SUMMARY_LABELS = (
    ("rows", "行"),
    ("obligors", "納付義務者"),
    ("accounts", "口座"),
    ("installments", "期別"),
    ("payments", "納付"),
    ("households", "世帯"),
    ("members", "世帯員"),
)


class Command(BaseCommand):
    help = (
        "自治体のファイルを取り込みます"
        "（receivables=滞納データ, household=世帯員, payments=納付）。"
        "例: civicdesk import receivables 滞納.csv --dry-run"
    )

    def add_arguments(self, parser):
        kinds = ", ".join(f"{value}={label}" for value, label in ImportKind.choices)
        parser.add_argument("kind", help=f"取込みの種類（{kinds}）")
        parser.add_argument("file", help="取り込むファイル（CSV、またはマッピングで定義した形式）")
        parser.add_argument("--encoding", help="文字コード cp932 または utf-8（省略時は自動判定）")
        parser.add_argument(
            "--full", action="store_true", help="全件ファイル: ファイルにない口座を削除する"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="検証して件数を表示するだけで、書き込まない"
        )
        parser.add_argument("--mapping", help="他社形式の定義ファイル（YAML）")
        parser.add_argument("--json", action="store_true", help="最後の行に件数を JSON で出力する")
        parser.add_argument("--municipality", help="地方公共団体コード（省略時は既定の自治体）")
        parser.add_argument("--user", help="取込み者のユーザーID（アクセスログと受渡し記録に残る）")

    def handle(self, *args, **options):
        kind = options["kind"]
        if kind not in ImportKind.values:
            raise _error(f"取込みの種類は {', '.join(ImportKind.values)} のいずれかです: {kind}")
        path = Path(options["file"])
        if not path.is_file():
            raise _error(f"ファイルがありません: {path}")
        if options["mapping"] and not Path(options["mapping"]).is_file():
            raise _error(f"マッピングファイルがありません: {options['mapping']}")
        if options["encoding"]:
            try:
                encoding_name(options["encoding"])
            except ValueError as problem:
                raise _error(str(problem)) from None
        result = import_file(
            acting_user=_user(options["user"]),
            municipality=_municipality(options["municipality"]),
            kind=kind,
            path=path,
            encoding=options["encoding"],
            full=options["full"],
            dry_run=options["dry_run"],
            mapping_path=options["mapping"],
            display_name=str(path),
        )
        for error in result.errors:
            self.stderr.write(str(error))
        if result.error_count > len(result.errors):
            self.stderr.write(
                f"エラーは全部で {result.error_count:,} 件です"
                f"（先頭の {len(result.errors):,} 件を表示しました）"
            )
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {key: result.counts.get(key, 0) for key in JSON_KEYS}, ensure_ascii=False
                )
            )
        else:
            self.stdout.write(_summary(result, options["dry_run"]))
        if result.error_count:
            raise _error(
                f"取込みを中止しました: エラー {result.error_count:,} 件（何も書き込んでいません）"
            )


def _error(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def _summary(result, dry_run: bool) -> str:
    counts = result.counts
    read = "、".join(f"{label} {counts[key]:,}" for key, label in SUMMARY_LABELS if counts.get(key))
    if result.error_count:
        head = "取込みできません"
    elif dry_run:
        head = "検証のみ（書き込んでいません）"
    else:
        head = "取込みました"
    lines = [f"{head}: {read or '0 行'}"]
    if not result.error_count:
        lines.append(
            f"新規 {counts['created']:,}、更新 {counts['updated']:,}、"
            f"変更なし {counts['unchanged']:,}、削除 {counts['deleted']:,}"
        )
    if result.dropped_columns:
        lines.append(f"取り込まなかった列: {'、'.join(result.dropped_columns)}")
    return "\n".join(lines)


def _municipality(code: str | None) -> Municipality:
    if code:
        municipality = Municipality.objects.filter(code=code).first()
        if municipality is None:
            raise _error(f"地方公共団体コード {code} の自治体は登録されていません。")
        return municipality
    municipality = Municipality.objects.default()
    if municipality is None:
        raise _error("自治体が登録されていません（civicdesk demo で作成できます）。")
    return municipality


def _user(username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise _error(f"ユーザー {username} は登録されていないか、無効です。")
    return user
