"""Reminder letters (催告書): the batches, a new batch (a background task), a batch's page
(polled with htmx while it is being made) and its files.

Supervisors make and download; staff and inspectors see the batches' counts only (no names,
no files: 403 on downloads). A download is an export request (privacy.export_requests) and a
later print: registered, counted and logged (services.letter_prints.letter_file_plan).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicdesk.core.forms import add_service_errors
from civicdesk.core.http import require
from civicdesk.core.models import Municipality
from civicdesk.dunning import exporters
from civicdesk.dunning.choices import LetterBatchStatus
from civicdesk.dunning.forms.letters import LetterBatchForm
from civicdesk.dunning.selectors import letters as selectors
from civicdesk.dunning.services import letters as services
from civicdesk.privacy.forms.exports import ExportRequestForm
from civicdesk.privacy.views.exports import start_export

view_required = require(selectors.may_view_batches, message="催告書を閲覧する権限がありません。")
print_required = require(selectors.may_create_batches, message="催告書を印刷する権限がありません。")


def _form(user, data=None) -> LetterBatchForm:
    return LetterBatchForm(data, municipality_id=Municipality.objects.id_for_user(user))


def _list_page(request, form):
    context = {
        "batches": selectors.recent_batches(request.user),
        "form": form,
        "may_create": selectors.may_create_batches(request.user),
    }
    return render(request, "dunning/letters/list.html", context)


@never_cache
@require_GET
@view_required
def letter_batches(request):
    form = _form(request.user) if selectors.may_create_batches(request.user) else None
    return _list_page(request, form)


@require_POST
@require(selectors.may_create_batches, message="催告書を作成する権限がありません。")
def letter_batch_new(request):
    form = _form(request.user, request.POST)
    if form.is_valid():
        try:
            batch = services.request_letter_batch(
                acting_user=request.user,
                campaign=form.cleaned_data["campaign"],
                resident_nos=form.cleaned_data["resident_nos"],
                revenue_type=form.cleaned_data["revenue_type"] or None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "催告書の作成を受け付けました。")
            return redirect("dunning:letter_batch", pk=batch.pk)
    return _list_page(request, form)


@never_cache
@require_GET
@view_required
def letter_batch(request, pk: int):
    batch = get_object_or_404(selectors.batches_for(request.user), pk=pk)
    context = {
        "batch": batch,
        "active": batch.status in (LetterBatchStatus.PENDING, LetterBatchStatus.RUNNING),
        "skipped": services.skipped_text(batch.skipped),
        "may_download": selectors.may_create_batches(request.user)
        and batch.status == LetterBatchStatus.DONE,
    }
    if request.headers.get("HX-Request") == "true":
        return render(request, "dunning/letters/_status.html", context)
    return render(request, "dunning/letters/detail.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@print_required
def letter_batch_pdf(request, pk: int):
    return _download(request, pk, exporters.LETTER_PDF, "催告書（PDF）の印刷")


@never_cache
@require_http_methods(["GET", "POST"])
@print_required
def letter_batch_list(request, pk: int):
    return _download(request, pk, exporters.LETTER_LIST, "催告書一覧（Excel）の出力")


def _download(request, pk: int, exporter: str, title: str):
    """GET: the export request form; POST: the request, made at once when no approval is
    needed (the one-time link), else waiting for staff (privacy.export_requests)."""
    batch = get_object_or_404(selectors.batches_for(request.user), pk=pk)
    form = ExportRequestForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        response = start_export(request, form, exporter, {"batch": batch.pk})
        if response is not None:
            return response
    context = {"batch": batch, "form": form, "title": title}
    return render(request, "dunning/letters/download.html", context)
