"""The live supervisor dashboard (本日の状況): the page, and the panel htmx fetches every 10 s
(the page works without JavaScript: a link reloads it).

Counts and the center's user names only: no personal data of obligors, so nothing to log.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from civicdesk.reports.dashboard import dashboard as dashboard_figures


def _figures(request):
    figures = dashboard_figures(request.user)
    if figures is None:
        raise PermissionDenied("本日の状況は報告書を閲覧できる方のみ閲覧できます。")
    return figures


@never_cache
@require_GET
def dashboard(request):
    return render(request, "reports/dashboard.html", {"board": _figures(request)})


@never_cache
@require_GET
def dashboard_panel(request):
    return render(request, "reports/_dashboard_panel.html", {"board": _figures(request)})
