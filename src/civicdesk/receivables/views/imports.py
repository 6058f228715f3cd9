"""Staff import pages: upload, validation (dry run) with the first errors, then the import.

Both steps run as background tasks; the run page polls its own URL with htmx while the run
is pending or running (without JavaScript, the 更新 link does the same).
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civicdesk.core.http import require
from civicdesk.receivables import services
from civicdesk.receivables.forms import ImportUploadForm
from civicdesk.receivables.selectors import imports as selectors

import_required = require(selectors.may_import, message="データ取込みは自治体職員のみ行えます。")


@never_cache
@import_required
def imports(request):
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            run = services.queue_import_upload(
                acting_user=request.user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                encoding=form.cleaned_data["encoding"],
                full=form.cleaned_data["full"],
            )
            messages.success(request, "ファイルを受け付けました。内容を検証しています。")
            return redirect("receivables:import_run", pk=run.pk)
    else:
        form = ImportUploadForm()
    context = {"form": form, "runs": selectors.recent_import_runs(request.user)}
    return render(request, "receivables/imports.html", context)


@never_cache
@import_required
def import_run(request, pk: int):
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
@import_required
def import_execute(request, pk: int):
    run = get_object_or_404(selectors.import_runs_for(request.user), pk=pk)
    new_run = None
    if selectors.may_execute(run):
        new_run = services.queue_validated_import(acting_user=request.user, run=run)
    if new_run is None:
        messages.error(
            request,
            "この取込みは実行できません（検証が終わっていないか、エラーがあるか、実行済みです）。",
        )
        return redirect("receivables:import_run", pk=run.pk)
    messages.success(request, "取込みを開始しました。")
    return redirect("receivables:import_run", pk=new_run.pk)
