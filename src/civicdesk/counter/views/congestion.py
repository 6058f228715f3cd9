"""The congestion view (混雑状況) for supervisors and staff: per queue the tickets waiting now,
the longest wait now, today's average and p90 wait, the share called within the queue's
target, and the counters open — replayed from the ticket events. The panel refreshes itself
(htmx); without JavaScript the page's 更新 link does the same."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from civicdesk.core.http import require
from civicdesk.counter.selectors import tickets as selectors

DENIED = "混雑状況を表示する権限がありません。"
REFRESH_SECONDS = 15


def _context(request) -> dict:
    municipality_id = selectors.municipality_id_for(request.user)
    return {
        "congestion": selectors.congestion(municipality_id),
        "open_window_minutes": int(selectors.OPEN_WINDOW.total_seconds() // 60),
        "refresh_seconds": REFRESH_SECONDS,
    }


@never_cache
@require_GET
@require(selectors.may_view_congestion, message=DENIED)
def congestion(request):
    return render(request, "counter/congestion/page.html", _context(request))


@never_cache
@require_GET
@require(selectors.may_view_congestion, message=DENIED)
def congestion_panel(request):
    return render(request, "counter/congestion/_panel.html", _context(request))
