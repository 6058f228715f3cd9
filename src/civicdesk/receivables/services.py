"""State changes of the receivables app: importing the municipality's files.

``import_file`` checks the whole file first (nothing is written while a single error
remains), then writes it in one transaction, records the ImportRun, an access-log entry and
a hand-over record (受渡し記録). A failed import leaves only its ImportRun (status failed, with
the errors); a dry run leaves only its ImportRun (dry_run=True). ``run_import`` does the same
for an upload the web page saved in a pending ImportRun.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from django.db import DatabaseError, transaction
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.privacy.models import HandOverDirection
from civicdesk.privacy.services.hand_overs import record_hand_over
from civicdesk.receivables.importers import households, payments, receivables_check
from civicdesk.receivables.importers.errors import ErrorLog, ImportRowError, Stop
from civicdesk.receivables.importers.mapping import Mapping, MappingError, load_mapping
from civicdesk.receivables.importers.reader import Source, detect_encoding, encoding_name
from civicdesk.receivables.importers.receivables_write import write_receivables
from civicdesk.receivables.models import ImportKind, ImportRun, ImportStatus
from civicdesk.receivables.selectors import imports as selectors

# The name the issue gives the error record (it shadows the builtin only in this module).
ImportError = ImportRowError

COUNT_KEYS = (
    "rows",
    "obligors",
    "accounts",
    "installments",
    "payments",
    "households",
    "members",
    "created",
    "updated",
    "unchanged",
    "deleted",
    "errors",
)
# Share of the progress bar for the checking pass; the writing pass fills the rest.
CHECK_SHARE = 60


@dataclass
class ImportResult:
    counts: dict  # COUNT_KEYS plus "dropped_columns", as printed by ``import --json``
    errors: list[ImportRowError]  # the first 1,000
    error_count: int
    dropped_columns: list[str]
    run: ImportRun
    kept_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def import_file(
    *,
    acting_user,
    municipality,
    kind: str,
    path: Path | str,
    encoding: str | None = None,
    full: bool = False,
    dry_run: bool = False,
    mapping_path: Path | str | None = None,
    display_name: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import one receivables, household or payments file (docs/data-formats.md)."""
    path = Path(path)
    if kind not in ImportKind.values:
        raise ValueError(f"unknown import kind: {kind!r}")
    if encoding:
        encoding_name(encoding)  # ValueError with a Japanese message for anything else
    run = ImportRun.objects.create(
        municipality=municipality,
        kind=kind,
        file_name=(display_name or path.name)[:255],
        sha256="",
        encoding=encoding or "",
        full=full,
        dry_run=dry_run,
        status=ImportStatus.RUNNING,
        acting_user=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        started_at=timezone.now(),
    )
    return _execute(
        run,
        acting_user=acting_user,
        path=path,
        label=display_name or str(path),
        encoding=encoding,
        mapping_path=Path(mapping_path) if mapping_path else None,
        progress=progress,
    )


def run_import(run_id: int) -> ImportResult:
    """Execute a pending ImportRun whose upload the web page saved; updates its progress."""
    run = ImportRun.objects.select_related("acting_user", "municipality").get(pk=run_id)
    if run.status != ImportStatus.PENDING:
        raise ValueError(f"import run {run_id} is {run.status}, not pending")
    run.status = ImportStatus.RUNNING
    run.started_at = timezone.now()
    ImportRun.objects.filter(pk=run.pk).update(status=run.status, started_at=run.started_at)

    def save_progress(percent: int) -> None:
        # Inside the writing transaction the page sees this only at commit; the checking
        # pass (most of the wait for a large file) runs outside it and shows live.
        ImportRun.objects.filter(pk=run.pk).update(progress=percent)

    return _execute(
        run,
        acting_user=run.acting_user,
        path=Path(run.upload.path),
        label=run.file_name,
        encoding=run.encoding or None,
        mapping_path=None,
        progress=save_progress,
    )


class _Progress:
    """Calls the caller's callback only when the whole percentage changes."""

    def __init__(self, callback: Callable[[int], None] | None):
        self.callback = callback
        self.last = -1

    def __call__(self, percent: float) -> None:
        value = min(100, int(percent))
        if self.callback is not None and value != self.last:
            self.last = value
            self.callback(value)

    def reading(self, done: int, size: int) -> None:
        self(CHECK_SHARE * done / size if size else CHECK_SHARE)

    def writing(self, fraction: float) -> None:
        self(CHECK_SHARE + (99 - CHECK_SHARE) * fraction)


def _execute(run, *, acting_user, path, label, encoding, mapping_path, progress) -> ImportResult:
    started = time.perf_counter()
    errors = ErrorLog(label)
    progress = _Progress(progress)
    counts = dict.fromkeys(COUNT_KEYS, 0)
    kept: list[str] = []
    dropped: list[str] = []
    checked = None
    source = None
    try:
        mapping = _mapping(mapping_path, run.kind)
        codec = _codec(path, encoding, mapping)
        run.encoding = codec
        source = Source(path, encoding=codec, mapping=mapping, progress=progress.reading)
        checked = _check(run.kind, source, mapping, errors)
        counts |= checked.counts()
        kept, dropped = checked.columns()
    except Stop:
        pass
    except MappingError as problem:
        errors.add(problem.line, None, problem.reason, file=str(mapping_path))
    except OSError as problem:
        errors.add(1, None, f"ファイルを読めません: {problem.strerror or problem}")
    except Exception as problem:
        _unexpected(run, counts, errors, dropped, started, problem)
        raise
    run.sha256 = source.sha256 if source is not None and checked is not None else _sha256(path)

    if not errors:
        try:
            with transaction.atomic():
                counts |= checked.write(
                    run=run,
                    acting_user=acting_user,
                    full=run.full,
                    errors=errors,
                    progress=progress.writing,
                )
                if errors or run.dry_run:
                    transaction.set_rollback(True)
                else:
                    counts = _finish(run, counts, errors, dropped, started)
                    _record(run, acting_user, kept, counts["rows"])
        except DatabaseError as problem:
            errors.add(
                1, None, f"データベースに書き込めませんでした（何も取り込んでいません）: {problem}"
            )
        except Exception as problem:
            _unexpected(run, counts, errors, dropped, started, problem)
            raise
        finally:
            checked.close()
    elif checked is not None:
        checked.close()
    if errors or run.dry_run:
        counts = _finish(run, counts, errors, dropped, started)
    progress(100)
    return ImportResult(
        counts=counts,
        errors=list(errors.items),
        error_count=errors.count,
        dropped_columns=dropped,
        run=run,
        kept_columns=kept,
    )


def _unexpected(run, counts, errors: ErrorLog, dropped, started, problem: Exception) -> None:
    """A bug or a failing hook receiver: the run still says what happened (nothing was
    written), then the caller (worker, command) sees the exception."""
    errors.add(
        1, None, f"取込み中に予期しないエラーが発生しました（何も取り込んでいません）: {problem!r}"
    )
    _finish(run, counts, errors, dropped, started)


def _mapping(mapping_path: Path | None, kind: str) -> Mapping | None:
    if mapping_path is None:
        return None
    try:
        return load_mapping(mapping_path, kind)
    except OSError as problem:
        raise MappingError(
            f"マッピングファイルを読めません: {problem.strerror or problem}"
        ) from None


def _codec(path: Path, encoding: str | None, mapping: Mapping | None) -> str:
    if encoding:
        return encoding_name(encoding)  # checked by import_file already
    if mapping is not None and mapping.encoding:
        try:
            return encoding_name(mapping.encoding)
        except ValueError as problem:
            raise MappingError(str(problem)) from None
    return detect_encoding(path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def _check(kind: str, source: Source, mapping: Mapping | None, errors: ErrorLog):
    if kind == ImportKind.RECEIVABLES:
        return _CheckedReceivables(receivables_check.check_receivables(source, mapping, errors))
    if kind == ImportKind.HOUSEHOLD:
        return households.check_households(source, mapping, errors)
    return payments.check_payments(source, mapping, errors)


class _CheckedReceivables:
    """The receivables first pass, with the same interface as the other two kinds."""

    def __init__(self, data):
        self.data = data

    def counts(self) -> dict:
        return {
            "rows": self.data.rows,
            "obligors": len(self.data.persons),
            "accounts": len(self.data.accounts),
            "installments": self.data.installments.count,
        }

    def columns(self) -> tuple[list[str], list[str]]:
        return self.data.table.kept_and_dropped(self.data.held())

    def write(self, *, run, acting_user, full, errors, progress) -> dict:
        tally = write_receivables(
            self.data, municipality=run.municipality, full=full, errors=errors, progress=progress
        )
        return {
            "created": tally.created,
            "updated": tally.updated,
            "unchanged": tally.unchanged,
            "deleted": tally.deleted,
        }

    def close(self) -> None:
        self.data.installments.close()


def _finish(run: ImportRun, counts: dict, errors: ErrorLog, dropped, started) -> dict:
    if errors:
        # Nothing was written, whatever the rolled-back pass had counted.
        for key in ("created", "updated", "unchanged", "deleted"):
            counts[key] = 0
    counts["errors"] = errors.count
    counts["dropped_columns"] = dropped
    run.counts = counts
    run.errors = [error.as_dict() for error in errors.items]
    run.error_count = errors.count
    run.status = ImportStatus.FAILED if errors else ImportStatus.DONE
    run.progress = 100
    run.finished_at = timezone.now()
    run.duration_seconds = round(time.perf_counter() - started, 3)
    run.save(
        update_fields=[
            "counts",
            "errors",
            "error_count",
            "status",
            "progress",
            "finished_at",
            "duration_seconds",
            "sha256",
            "encoding",
        ]
    )
    return counts


def _record(run: ImportRun, acting_user, kept: list[str], rows: int) -> None:
    record_access(
        acting_user=acting_user,
        action=AccessAction.CREATE,
        obj=run,
        fields=kept,
        reason=f"取込み: {run.file_name}",
    )
    record_hand_over(
        acting_user=acting_user,
        direction=HandOverDirection.RECEIVED,
        content=ImportKind(run.kind).label,
        file_name=run.file_name,
        sha256=run.sha256,
        count=rows,
        at=run.finished_at,
    )


# --- Queuing imports from the staff page (the worker runs them through run_import) ---


def queue_import_upload(*, acting_user, kind, upload, encoding, full) -> ImportRun:
    """Save the uploaded file into a pending dry-run ImportRun and enqueue its validation."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    display_name = PurePath(upload.name).name
    # A random stored name: the original name may carry personal data (山田太郎様分.csv).
    stored_name = f"{uuid.uuid4().hex}{PurePath(display_name).suffix.lower()}"
    with transaction.atomic():
        run = ImportRun(
            municipality_id=selectors.municipality_id_for(acting_user),
            kind=kind,
            file_name=display_name,
            sha256=digest.hexdigest(),
            encoding=encoding,
            full=full,
            dry_run=True,
            status=ImportStatus.PENDING,
            acting_user=acting_user,
        )
        run.upload.save(stored_name, upload, save=False)
        run.save()
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=run,
            reason=f"取込みファイル受付（検証）: {display_name}",
        )
        _tasks().execute_import_run.enqueue(run.pk)
    return run


def queue_validated_import(*, acting_user, run: ImportRun) -> ImportRun | None:
    """A new pending ImportRun for the validated upload; the validation run stays as it was.

    None when the file was imported meanwhile (two clicks, two staff members).
    """
    with transaction.atomic():
        # The lock makes a second request wait here and then see the first one's run.
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if not selectors.may_execute(run):
            return None
        new_run = ImportRun.objects.create(
            municipality_id=run.municipality_id,
            kind=run.kind,
            file_name=run.file_name,
            sha256=run.sha256,
            encoding=run.encoding,
            full=run.full,
            dry_run=False,
            status=ImportStatus.PENDING,
            acting_user=acting_user,
            upload=run.upload.name,
        )
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=new_run,
            reason=f"取込み実行の受付: {run.file_name}（検証 #{run.pk}）",
        )
        _tasks().execute_import_run.enqueue(new_run.pk)
    return new_run


def _tasks():
    # tasks.py calls this module; importing it lazily avoids the cycle.
    from civicdesk.receivables import tasks  # noqa: PLC0415  (cycle: tasks imports this module)

    return tasks
