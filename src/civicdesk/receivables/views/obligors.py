"""The obligor search and the obligor page (名寄せ). Both log what was looked at."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.audit.shortcuts import log_view
from civicdesk.core.http import require
from civicdesk.receivables.forms import ObligorSearchForm
from civicdesk.receivables.selectors import obligors as selectors
from civicdesk.registry.selectors import may_view_obligors

obligors_required = require(
    may_view_obligors, message="納付義務者の情報を閲覧する権限がありません。"
)


@never_cache
@obligors_required
def search(request):
    """POST, not GET: the search text is personal data and must not reach URLs or server logs."""
    form = ObligorSearchForm(request.POST if request.method == "POST" else None)
    result = None
    if form.is_bound and form.is_valid():
        result = selectors.search_obligors(
            request.user, form.cleaned_data["query"], form.cleaned_data["kind"]
        )
        # The kind and the count only: the query itself stays out of the log.
        record_access(
            acting_user=request.user,
            action=AccessAction.SEARCH,
            reason=f"検索: {result.kind_label}（{result.count}件）",
        )
    context = {"form": form, "result": result, "limit": selectors.SEARCH_LIMIT}
    return render(request, "receivables/obligors/search.html", context)


@never_cache
@obligors_required
def obligor_detail(request, pk: int):
    # 404, not 403, outside the user's scope: the answer must not tell that the person exists.
    obligor = get_object_or_404(
        selectors.obligors_for(request.user).select_related("household"), pk=pk
    )
    view = selectors.obligor_view(request.user, obligor)
    log_view(request, obligor, view.fields_shown)
    return render(request, "receivables/obligors/obligor.html", {"view": view})
