"""The live page: today's work per operator, refreshed by htmx every 10 s (a link without JS).

Only counts, campaign names and user names: no personal data of obligors, so nothing to log.
"""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from civicdesk.core.http import require
from civicdesk.dunning.selectors.live import live_stats, may_view_live

live_required = require(may_view_live, message="稼働状況は業務責任者と自治体職員のみ閲覧できます。")


@never_cache
@live_required
def live(request):
    return render(request, "dunning/live/page.html", {"stats": live_stats(request.user)})


@never_cache
@live_required
def live_panel(request):
    return render(request, "dunning/live/_panel.html", {"stats": live_stats(request.user)})
