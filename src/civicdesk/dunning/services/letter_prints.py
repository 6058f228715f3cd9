"""Later prints of a reminder-letter batch (再印刷): the stored PDF or Excel list again.

A batch's files stay under MEDIA_ROOT/letters/<id>/ with their hashes in the batch and the
export register. A later print refuses a file that changed since (it would not be what the
register says was printed), counts PDF prints and logs each one with the fields first printed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.audit.services import record_access
from civicdesk.dunning.choices import LetterBatchStatus
from civicdesk.dunning.models import LetterBatch
from civicdesk.dunning.selectors import letters as selectors
from civicdesk.privacy.services import export_register as exports
from civicdesk.privacy.services.export_requests import ExportPlan


def reprint_letter_batch(*, acting_user, batch: LetterBatch, reason: str = "再印刷") -> Path:
    """The batch's PDF for printing again: counted and logged (action print)."""
    return _stored_file(acting_user, batch, "pdf", AccessAction.PRINT, reason, count_print=True)


def export_letter_list(*, acting_user, batch: LetterBatch, reason: str = "再印刷（一覧）") -> Path:
    """The batch's Excel list again: logged (action export)."""
    return _stored_file(acting_user, batch, "list", AccessAction.EXPORT, reason, count_print=False)


def _stored_file(acting_user, batch, kind, action, reason, *, count_print) -> Path:
    path = _checked_path(acting_user, batch, kind)
    _count_and_log(acting_user, batch, action, reason, count_print=count_print)
    return path


def _checked_path(acting_user, batch, kind) -> Path:
    """The batch's stored file, if it is still what was registered when it was made."""
    if not selectors.may_create_batches(acting_user):
        raise PermissionDenied("催告書を印刷する権限がありません。")
    name, sha256 = (
        (batch.pdf_file, batch.pdf_sha256)
        if kind == "pdf"
        else (batch.list_file, batch.list_sha256)
    )
    if batch.status != LetterBatchStatus.DONE or not name:
        raise ValidationError({"__all__": ["この催告書はまだ作成されていません。"]})
    path = Path(name)
    if not path.is_file():
        raise ValidationError(
            {"__all__": [f"ファイルがありません（移動・削除された可能性）: {path.name}"]}
        )
    if exports.file_sha256(path) != sha256:
        # The register holds the hash of what was printed; a changed file is not that.
        raise ValidationError(
            {"__all__": ["ファイルが作成時から変更されています。印刷できません。"]}
        )
    return path


def _count_and_log(acting_user, batch, action, reason, *, count_print) -> None:
    with transaction.atomic():
        if count_print:
            LetterBatch.objects.filter(pk=batch.pk).update(print_count=F("print_count") + 1)
        record_access(
            acting_user=acting_user,
            action=action,
            obj=batch,
            fields=_printed_fields(batch),
            reason=reason,
        )
    batch.refresh_from_db(fields=["print_count"])


# --- Through the export requests (privacy.export_requests; registered in dunning/exporters.py) ---

PLAN_KINDS = {
    # kind: (file name, format, content, access action on the batch, counts as a print)
    "pdf": ("催告書_{pk}.pdf", "pdf", "催告書 #{pk}（{count}通）PDF", AccessAction.PRINT, True),
    "list": (
        "催告書一覧_{pk}.xlsx",
        "xlsx",
        "催告書一覧 #{pk}（{count}通）Excel",
        AccessAction.EXPORT,
        False,
    ),
}


def letter_file_plan(*, acting_user, batch: LetterBatch, kind: str) -> ExportPlan:
    """The batch's stored PDF or list as an export plan. The copy handed out is a later print:
    the batch's print count and its access-log entry are written with the register row."""
    try:
        path = _checked_path(acting_user, batch, kind)
    except ValidationError as error:
        raise exports.ExportError(" ".join(error.messages)) from None
    name, file_format, content, action, count_print = PLAN_KINDS[kind]
    count = batch.letter_count

    def write(stream) -> int:
        with path.open("rb") as source:
            shutil.copyfileobj(source, stream)
        return count

    def after(record) -> None:
        reason = f"再印刷（持出記録 #{record.pk}）: {record.reason}"
        _count_and_log(acting_user, batch, action, reason, count_print=count_print)

    return ExportPlan(
        content=content.format(pk=batch.pk, count=count),
        file_name=name.format(pk=batch.pk),
        file_format=file_format,
        write=write,
        fields=_printed_fields(batch),
        after=after,
    )


def _printed_fields(batch: LetterBatch) -> list[str]:
    """The fields the first print logged (the batch's print entry), for the reprint's entry."""
    entry = (
        AccessLogEntry.objects.filter(
            object_type=LetterBatch._meta.label_lower,
            object_id=str(batch.pk),
            action=AccessAction.PRINT,
        )
        .order_by("seq")
        .first()
    )
    return list(entry.fields) if entry else []
