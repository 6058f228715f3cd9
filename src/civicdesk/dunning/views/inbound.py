"""The 受電 page: calls the PBX announced pop here; a search finds callers it could not match.

The pops are a partial the page polls every 3 s with htmx; without JavaScript the 更新 link
reloads the page. The search is POSTed (its text is personal data, kept out of URLs and server
logs) and logged with its kind and count only.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.http import require
from civicdesk.dunning.forms.inbound import InboundSearchForm
from civicdesk.dunning.selectors import inbound as selectors
from civicdesk.dunning.services import inbound as services
from civicdesk.receivables.selectors.obligors import SEARCH_LIMIT, obligors_for, search_obligors

inbound_required = require(
    selectors.may_take_inbound_calls, message="受電の画面はオペレータと業務責任者のみ使えます。"
)


def _pops_context(request) -> dict:
    pops = selectors.pops_for(request.user)
    services.record_pops_shown(acting_user=request.user, pops=pops)
    return {"pops": pops, "pop_minutes": selectors.POP_MINUTES}


@never_cache
@inbound_required
def inbound(request):
    form = InboundSearchForm(request.POST if request.method == "POST" else None)
    result = None
    if form.is_bound and form.is_valid():
        result = search_obligors(
            request.user, form.cleaned_data["query"], form.cleaned_data["kind"]
        )
        # The kind and the count only: the query itself stays out of the log.
        record_access(
            acting_user=request.user,
            action=AccessAction.SEARCH,
            reason=f"受電検索: {result.kind_label}（{result.count}件）",
        )
    context = {
        **_pops_context(request),
        "form": form,
        "result": result,
        "limit": SEARCH_LIMIT,
        "case_urls": {o.pk: selectors.case_url(o.pk) for o in (result.obligors if result else [])},
    }
    return render(request, "dunning/inbound/page.html", context)


@never_cache
@inbound_required
def inbound_pops(request):
    return render(request, "dunning/inbound/_pops.html", _pops_context(request))


@never_cache
@inbound_required
def inbound_banner(request):
    """The shell's 「着信あり」 line on every page (htmx, every 5 s): a count, a link, no names."""
    context = {"count": selectors.waiting_call_count(request.user)}
    return render(request, "dunning/inbound/_banner.html", context)


@require_POST
@inbound_required
def inbound_record(request, obligor_pk: int):
    """受電を記録: a call the PBX did not announce, for the obligor chosen; on to the case."""
    obligor = get_object_or_404(obligors_for(request.user), pk=obligor_pk)
    call = services.record_inbound_call(acting_user=request.user, obligor=obligor)
    return redirect(selectors.case_url(obligor.pk, call.pk))
