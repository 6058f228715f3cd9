"""The obligor search and the obligor page (名寄せ). Both log what was looked at."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.receivables.forms import ObligorSearchForm
from civicdesk.receivables.selectors import obligors as selectors
from civicdesk.registry.selectors import may_view_obligors


def _require_obligor_access(user) -> None:
    if not may_view_obligors(user):
        raise PermissionDenied("納付義務者の情報を閲覧する権限がありません。")


@never_cache
def search(request):
    """POST, not GET: the search text is personal data and must not reach URLs or server logs."""
    _require_obligor_access(request.user)
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
def obligor_detail(request, pk: int):
    _require_obligor_access(request.user)
    # 404, not 403, outside the user's scope: the answer must not tell that the person exists.
    obligor = get_object_or_404(
        selectors.obligors_for(request.user).select_related("household"), pk=pk
    )
    view = selectors.obligor_view(request.user, obligor)
    record_access(
        acting_user=request.user,
        action=AccessAction.VIEW,
        obj=obligor,
        fields=view.fields_shown,
    )
    return render(request, "receivables/obligors/obligor.html", {"view": view})
