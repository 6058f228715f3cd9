"""Card-target subcommands of ``civicdesk cards``:

    civicdesk cards import-targets FILE --notices N [--json]
        交付対象者 5000 件を取り込みました（koufu.csv、交付通知書 5000 枚、取込 #3）
        {"import": 3, "file": "koufu.csv", "rows": 5000, "notices_received": 5000, "dropped": []}

The file is taken whole for the default municipality (services.targets.import_targets) or
not at all: a refused file prints every error as ``FILE:LINE:COLUMN: reason`` on stderr
(the first 1,000, then the count) and exits 1. Columns the layout does not know are dropped
and named.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError

from civicdesk.cards.commands.registry import Subcommand, register
from civicdesk.cards.services.targets import TargetImportError, import_targets
from civicdesk.core.models import Municipality


def _arguments(parser) -> None:
    parser.add_argument(
        "file", help="区から受け取った交付対象者ファイル（CSV、CP932 または UTF-8）"
    )
    parser.add_argument(
        "--notices",
        type=int,
        required=True,
        help="区から受け取った交付通知書の枚数（事務センターで数えた数）",
    )
    parser.add_argument("--json", action="store_true", help="結果を JSON で出力する")


def _handle(command, options: dict) -> int:
    path = Path(options["file"])
    municipality = Municipality.objects.default()
    if municipality is None:
        command.stderr.write("自治体が登録されていません。")
        return 1
    if not path.is_file():
        command.stderr.write(f"ファイルがありません: {path}")
        return 1
    try:
        run = import_targets(
            acting_user=None,
            municipality=municipality,
            path=path,
            notices_received=options["notices"],
        )
    except TargetImportError as refused:
        for error in refused.errors:
            command.stderr.write(str(error))
        if refused.count > len(refused.errors):
            command.stderr.write(f"…ほか {refused.count - len(refused.errors)} 件")
        command.stderr.write(
            f"取り込みませんでした（エラー {refused.count} 件、何も登録していません）。"
        )
        return 1
    except ValidationError as error:
        command.stderr.write(" ".join(error.messages))
        return 1
    dropped = run.dropped_columns
    if options["json"]:
        answer = {
            "import": run.pk,
            "file": run.file_name,
            "rows": run.row_count,
            "notices_received": run.notices_received,
            "dropped": dropped,
        }
        command.stdout.write(json.dumps(answer, ensure_ascii=False))
        return 0
    command.stdout.write(
        f"交付対象者 {run.row_count} 件を取り込みました（{run.file_name}、"
        f"交付通知書 {run.notices_received} 枚、取込 #{run.pk}）"
    )
    if dropped:
        command.stdout.write(f"取り込まなかった列: {'、'.join(dropped)}")
    return 0


register(
    Subcommand(
        "import-targets",
        "区の交付対象者ファイルを取り込む（全件を検査し、誤りがあれば何も登録しない）",
        _arguments,
        _handle,
    )
)
