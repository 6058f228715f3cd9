"""The live page: today's work per operator, refreshed by htmx every 10 s (a link without JS).

Only counts, campaign names and user names: no personal data of obligors, so nothing to log.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from civicdesk.dunning.selectors.live import live_stats, may_view_live


def _require_live(user) -> None:
    if not may_view_live(user):
        raise PermissionDenied("稼働状況は業務責任者と自治体職員のみ閲覧できます。")


@never_cache
def live(request):
    _require_live(request.user)
    return render(request, "dunning/live/page.html", {"stats": live_stats(request.user)})


@never_cache
def live_panel(request):
    _require_live(request.user)
    return render(request, "dunning/live/_panel.html", {"stats": live_stats(request.user)})
