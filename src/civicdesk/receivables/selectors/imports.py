"""Read queries of the receivables app: the staff import pages."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import QuerySet

from civicdesk.accounts.models import Role
from civicdesk.core.models import Municipality
from civicdesk.receivables.models import ImportKind, ImportRun, ImportStatus

RECENT_RUNS = 30
ERRORS_SHOWN = 100
ACTIVE_STATUSES = (ImportStatus.PENDING, ImportStatus.RUNNING)

# FILE:LINE:COLUMN: reason — the file name may itself contain colons, the line never does.
_ERROR_LINE = re.compile(r"^(?P<file>.*?):(?P<line>\d+):(?P<column>[^:]*): ?(?P<reason>.*)$", re.S)


def may_import(user) -> bool:
    """Imports are municipal staff work (DESIGN: staff imports data)."""
    return getattr(user, "is_authenticated", False) and user.role == Role.STAFF


def municipality_id_for(user) -> int | None:
    """The user's municipality, or the installation's default one."""
    return Municipality.objects.id_for_user(user)


def import_runs_for(user) -> QuerySet[ImportRun]:
    """The import runs of the user's municipality, newest first; nothing for other roles."""
    if not may_import(user):
        return ImportRun.objects.none()
    return (
        ImportRun.objects.filter(municipality_id=municipality_id_for(user))
        .select_related("acting_user")
        .order_by("-created_at", "-pk")
    )


def recent_import_runs(user) -> list[ImportRun]:
    return list(import_runs_for(user)[:RECENT_RUNS])


@dataclass(frozen=True)
class ErrorRow:
    line: str
    column: str
    reason: str


def error_rows(run: ImportRun, limit: int = ERRORS_SHOWN) -> list[ErrorRow]:
    """The first errors as table rows (行, 列, 内容); the importer stores them as text lines."""
    return [_error_row(error) for error in (run.errors or [])[:limit]]


def _error_row(error) -> ErrorRow:
    if isinstance(error, dict):
        return ErrorRow(
            str(error.get("line", "")), str(error.get("column", "")), str(error.get("reason", ""))
        )
    if isinstance(error, list | tuple) and len(error) == 4:
        return ErrorRow(str(error[1]), str(error[2]), str(error[3]))
    match = _ERROR_LINE.match(str(error))
    if match is None:
        return ErrorRow("", "", str(error))
    return ErrorRow(match["line"], match["column"], match["reason"])


def dropped_columns(run: ImportRun) -> list[str]:
    return list((run.counts or {}).get("dropped_columns", []))


COUNT_LABELS = {
    "rows": "行数",
    "obligors": "納付義務者",
    "accounts": "口座（整理番号）",
    "installments": "期別",
    "payments": "納付",
    "households": "世帯",
    "members": "世帯員",
    "created": "新規",
    "updated": "更新",
    "unchanged": "変更なし",
    "deleted": "削除",
}
# The importer reports every key (0 where it does not apply); each kind shows its own.
_KIND_COUNTS = {
    ImportKind.RECEIVABLES: ("rows", "obligors", "accounts", "installments"),
    ImportKind.HOUSEHOLD: ("rows", "households", "members"),
    ImportKind.PAYMENTS: ("rows", "payments"),
}
_CHANGE_COUNTS = ("created", "updated", "unchanged", "deleted")


def count_rows(run: ImportRun) -> list[tuple[str, int]]:
    counts = run.counts or {}
    keys = (*_KIND_COUNTS.get(run.kind, ()), *_CHANGE_COUNTS)
    return [(COUNT_LABELS[key], counts[key]) for key in keys if key in counts]


def encoding_label(run: ImportRun) -> str:
    labels = {"cp932": "CP932（Shift_JIS）", "utf-8": "UTF-8", "utf-8-sig": "UTF-8（BOM付き）"}
    return labels.get(run.encoding, run.encoding) if run.encoding else "自動判定"


def is_active(run: ImportRun) -> bool:
    return run.status in ACTIVE_STATUSES


def follow_up_run(run: ImportRun) -> ImportRun | None:
    """The real import started from this validation run, if any (same saved upload)."""
    if not run.dry_run or not run.upload:
        return None
    return (
        ImportRun.objects.filter(
            municipality_id=run.municipality_id, upload=run.upload.name, dry_run=False
        )
        .order_by("-pk")
        .first()
    )


def validated_run(run: ImportRun) -> ImportRun | None:
    """The validation run this real import was started from."""
    if run.dry_run or not run.upload:
        return None
    return (
        ImportRun.objects.filter(
            municipality_id=run.municipality_id, upload=run.upload.name, dry_run=True
        )
        .order_by("-pk")
        .first()
    )


def may_execute(run: ImportRun) -> bool:
    """A finished validation without errors whose file has not been imported yet."""
    return (
        run.dry_run
        and run.status == ImportStatus.DONE
        and run.error_count == 0
        and bool(run.upload)
        and follow_up_run(run) is None
    )
