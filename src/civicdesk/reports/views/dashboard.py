"""The live supervisor dashboard (本日の状況): the page, and the panel htmx fetches every 10 s
(the page works without JavaScript: a link reloads it).

Counts and the center's user names only: no personal data of obligors, so nothing to log.
"""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from civicdesk.core.http import require
from civicdesk.reports.selectors.dashboard import dashboard as dashboard_figures
from civicdesk.reports.selectors.dashboard import may_view_dashboard

dashboard_required = require(
    may_view_dashboard, message="本日の状況は報告書を閲覧できる方のみ閲覧できます。"
)


@never_cache
@require_GET
@dashboard_required
def dashboard(request):
    return render(request, "reports/dashboard.html", {"board": dashboard_figures(request.user)})


@never_cache
@require_GET
@dashboard_required
def dashboard_panel(request):
    board = dashboard_figures(request.user)
    return render(request, "reports/_dashboard_panel.html", {"board": board})
