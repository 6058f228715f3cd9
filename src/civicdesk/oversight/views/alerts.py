"""The inspectors' inbox of access-log alerts (issue 8 §6): a list and a review page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from civicdesk.oversight.forms.alerts import ReviewForm
from civicdesk.oversight.models import AlertKind, AlertStatus
from civicdesk.oversight.selectors import alerts as selectors
from civicdesk.oversight.services import analysis

ALL = "all"


def _require_reviewer(user) -> None:
    if not selectors.may_review_alerts(user):
        raise PermissionDenied


@never_cache
@require_http_methods(["GET"])
def alerts(request):
    _require_reviewer(request.user)
    # The inbox opens on what is still to be checked; 「すべて」 shows the reviewed ones too.
    status = request.GET.get("status", AlertStatus.OPEN)
    kind = request.GET.get("kind", "")
    shown = selectors.alerts_for(request.user)
    if status in AlertStatus.values:
        shown = shown.filter(status=status)
    else:
        status = ALL
    counts = selectors.kind_counts(shown)
    if kind in AlertKind.values:
        shown = shown.filter(kind=kind)
    else:
        kind = ""
    context = {
        "page": Paginator(shown, 50).get_page(request.GET.get("page")),
        "counts": counts,
        "statuses": [(ALL, "すべて"), *AlertStatus.choices],
        "kinds": AlertKind.choices,
        "selected_status": status,
        "selected_kind": kind,
    }
    return render(request, "privacy/alerts.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def alert(request, pk: int):
    _require_reviewer(request.user)
    item = get_object_or_404(selectors.alerts_for(request.user), pk=pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            analysis.review_alert(
                acting_user=request.user, alert=item, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            # A dict names its field ("note"); "already reviewed" belongs to the whole form.
            form.add_error(None, error)
        else:
            messages.success(request, "確認済みにしました。")
            return redirect("privacy:alert", pk=item.pk)
    return render(request, "privacy/alert.html", {"alert": item, "form": form})
