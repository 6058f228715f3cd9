"""The staff roster's export page: the roster lives in accounts, its file leaves through the
export requests like every other file with personal data."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from civicdesk.accounts.selectors import roster as accounts_selectors
from civicdesk.core.japanese import era_month
from civicdesk.privacy.forms.exports import ExportRequestForm
from civicdesk.privacy.services.roster_export import EXPORTER
from civicdesk.privacy.views.exports import start_export


@never_cache
@require_http_methods(["GET", "POST"])
def roster_export(request, pk: int):
    """GET: the form alone; POST: an export request, made at once unless staff must approve."""
    if not accounts_selectors.may_view_rosters(request.user):
        raise PermissionDenied("業務従事者名簿を扱う権限がありません。")
    roster = get_object_or_404(accounts_selectors.rosters_for(request.user), pk=pk)
    if not accounts_selectors.may_export_rosters(request.user):
        raise PermissionDenied("業務従事者名簿を扱う権限がありません。")
    form = ExportRequestForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        response = start_export(request, form, EXPORTER, {"roster": roster.pk})
        if response is not None:
            return response
    context = {"form": form, "roster": roster, "month_label": era_month(roster.month)}
    return render(request, "accounts/roster/export.html", context)
