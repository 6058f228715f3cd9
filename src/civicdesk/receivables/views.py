"""Staff import pages: upload, validation (dry run) with the first errors, then the import.

Both steps run as background tasks; the run page polls its own URL with htmx while the run
is pending or running (without JavaScript, the 更新 link does the same).
"""

import hashlib
import uuid
from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civicdesk.accounts.services import client_ip
from civicdesk.privacy.models import AccessAction
from civicdesk.privacy.services import record_access
from civicdesk.receivables import selectors, tasks
from civicdesk.receivables.forms import ImportUploadForm
from civicdesk.receivables.models import ImportRun, ImportStatus


def _require_import_access(user) -> None:
    if not selectors.may_import(user):
        raise PermissionDenied("データ取込みは自治体職員のみ行えます。")


@never_cache
def imports(request):
    _require_import_access(request.user)
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            run = _queue_upload(
                acting_user=request.user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                encoding=form.cleaned_data["encoding"],
                full=form.cleaned_data["full"],
                ip_address=client_ip(request),
            )
            messages.success(request, "ファイルを受け付けました。内容を検証しています。")
            return redirect("receivables:import_run", pk=run.pk)
    else:
        form = ImportUploadForm()
    context = {"form": form, "runs": selectors.recent_import_runs(request.user)}
    return render(request, "receivables/imports.html", context)


@never_cache
def import_run(request, pk: int):
    _require_import_access(request.user)
    run = get_object_or_404(selectors.import_runs_for(request.user), pk=pk)
    context = {
        "run": run,
        "active": selectors.is_active(run),
        "counts": selectors.count_rows(run),
        "encoding": selectors.encoding_label(run),
        "errors": selectors.error_rows(run),
        "errors_shown_max": selectors.ERRORS_SHOWN,
        "dropped_columns": selectors.dropped_columns(run),
        "may_execute": selectors.may_execute(run),
        "follow_up": selectors.follow_up_run(run),
        "validated_by": selectors.validated_run(run),
    }
    if request.headers.get("HX-Request") == "true":
        return render(request, "receivables/_import_status.html", context)
    return render(request, "receivables/import_run.html", context)


@require_POST
def import_execute(request, pk: int):
    _require_import_access(request.user)
    run = get_object_or_404(selectors.import_runs_for(request.user), pk=pk)
    new_run = None
    if selectors.may_execute(run):
        new_run = _queue_validated_import(
            acting_user=request.user, run=run, ip_address=client_ip(request)
        )
    if new_run is None:
        messages.error(
            request,
            "この取込みは実行できません（検証が終わっていないか、エラーがあるか、実行済みです）。",
        )
        return redirect("receivables:import_run", pk=run.pk)
    messages.success(request, "取込みを開始しました。")
    return redirect("receivables:import_run", pk=new_run.pk)


# --- State changes (to move into receivables/services.py: see the report) -------------------


def _queue_upload(*, acting_user, kind, upload, encoding, full, ip_address=None) -> ImportRun:
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
            ip_address=ip_address,
        )
        tasks.execute_import_run.enqueue(run.pk)
    return run


def _queue_validated_import(*, acting_user, run: ImportRun, ip_address=None) -> ImportRun | None:
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
            ip_address=ip_address,
        )
        tasks.execute_import_run.enqueue(new_run.pk)
    return new_run
