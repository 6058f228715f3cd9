"""予定件数 (yearly targets, seed 000 §16) of a fiscal year with the progress so far: staff set
the counts (reports.target_services), supervisors and inspectors read."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from civicdesk.core.japanese import fiscal_year_label
from civicdesk.reports.forms.reports import TargetCountsForm
from civicdesk.reports.models import Target
from civicdesk.reports.renderers import common
from civicdesk.reports.selectors import reports as selectors
from civicdesk.reports.services import targets as target_services
from civicdesk.reports.views import display
from civicdesk.reports.views.data import municipality_for
from civicdesk.reports.views.pages import view_required
from civicdesk.reports.views.periods import today

CREATE = "create"


@never_cache
@require_http_methods(["GET", "POST"])
@view_required
def targets(request, fiscal_year: int):
    if not target_services.FIRST_YEAR <= fiscal_year <= target_services.LAST_YEAR:
        raise Http404("対象外の年度です。")
    may_edit = request.user.has_perm(target_services.CHANGE_TARGETS)
    municipality = municipality_for(request.user)
    lines = selectors.targets_of(municipality, fiscal_year)
    form = TargetCountsForm(targets=lines) if may_edit else None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("予定件数を変更できるのは区・市の職員です。")
        if request.POST.get("action") == CREATE:
            return _create(request, fiscal_year)
        form = TargetCountsForm(request.POST, targets=lines)
        if _save(request, fiscal_year, form):
            return redirect(reverse("reports:targets", args=[fiscal_year]))
    progress = selectors.target_progress(municipality.pk, fiscal_year, today())
    context = {
        "fiscal_year": fiscal_year,
        "label": fiscal_year_label(fiscal_year),
        "rows": _rows(lines, progress, form),
        "headers": display.target_table([])["headers"],
        "form": form,
        "may_edit": may_edit,
        "previous_year": fiscal_year - 1,
        "next_year": fiscal_year + 1,
    }
    return render(request, "reports/targets.html", context)


def _rows(lines: list[Target], progress: list[dict], form) -> list[dict]:
    return [
        {
            "label": line.label,
            "channel": line.get_channel_display(),
            "field": form[f"count_{line.pk}"] if form is not None else None,
            "cells": display.cells(row, common.TARGETS),
        }
        for line, row in zip(lines, progress, strict=True)
    ]


def _save(request, fiscal_year: int, form: TargetCountsForm) -> bool:
    if not form.is_valid():
        return False
    try:
        changed = target_services.save_targets(
            acting_user=request.user, fiscal_year=fiscal_year, counts=form.counts(),
        )  # fmt: skip
    except ValidationError as error:
        form.add_service_errors(error)
        return False
    messages.success(request, f"予定件数を保存しました（変更 {len(changed)} 件）。")
    return True


def _create(request, fiscal_year: int):
    try:
        made = target_services.create_contract_targets(
            acting_user=request.user, fiscal_year=fiscal_year
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"仕様書の予定件数を登録しました（{len(made)} 件）。")
    return redirect(reverse("reports:targets", args=[fiscal_year]))
