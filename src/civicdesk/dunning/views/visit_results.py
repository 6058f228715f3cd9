"""The tablet page of one visit (訪問先): GET shows the person and the result form, POST records.

Only the visit list's visitor opens it; another visitor's stop, a missing one and one whose
person is outside the user's scope all answer 404. Every GET (and every POST that comes back
with errors) is logged with the fields shown. A recorded stop shows its result read-only.

The offline queue (visit-offline.js) sends the same form with ``X-Requested-With``; it gets
JSON on success (it follows no redirect, so an expired session is not taken for "saved") and
400 with the page on invalid input.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from civicdesk.audit.shortcuts import log_view
from civicdesk.core.http import require
from civicdesk.dunning.choices import VisitResult
from civicdesk.dunning.forms.visit_results import VisitResultForm
from civicdesk.dunning.models import VisitStop
from civicdesk.dunning.selectors.visit_results import stop_page
from civicdesk.dunning.services import visit_results

RECORD_PERMISSION = visit_results.RECORD_PERMISSION


@never_cache
@require(RECORD_PERMISSION, message="訪問結果を入力する権限がありません。")
def visit_stop(request, pk: int):
    user = request.user
    try:
        page = stop_page(user, pk)
    except VisitStop.DoesNotExist:
        raise Http404("訪問先が見つかりません。") from None
    form = VisitResultForm(
        request.POST or None, left_notices=page.left_notices, phone_allowed=page.phone_allowed
    )
    status = 200
    if request.method == "POST":
        contact = _record(request, form, page) if form.is_valid() else None
        if contact is not None:
            return _after_save(request, page.stop, contact)
        status = 400 if _from_script(request) else 200
    log_view(
        request,
        page.stop.work_item.obligor,
        page.fields_shown,
        reason=f"訪問結果入力画面（訪問先 {page.stop.position} 番）",
    )
    context = {
        "page": page,
        "form": form,
        "stop": page.stop,
        "list_url": _list_url(page.stop),
    }
    return render(request, "dunning/visit_results/stop.html", context, status=status)


def _record(request, form: VisitResultForm, page):
    data = form.cleaned_data
    try:
        return visit_results.record_visit(
            acting_user=request.user,
            stop=page.stop,
            result=data["result"],
            client_key=data["client_key"],
            accounts=page.account_ids,
            outcome=data["outcome"],
            note=data["note"],
            promises=form.promise_rows(),
            new_phone=data.get("new_phone", ""),
            left_notices=data["left_notices"],
            evidence=data["evidence"],
            management_company=data["management_company"],
            visited_at=data["visited_at"],
        )
    except ValidationError as error:
        form.add_service_errors(error)
        return None


def _after_save(request, stop, contact):
    label = VisitResult(contact.visit_record.result).label
    next_url = _list_url(stop)
    # A resend from the offline queue arrives while the visitor is elsewhere: no message then.
    if request.headers.get("X-Visit-Resend") != "1":
        messages.success(request, f"訪問先 {stop.position} 番の結果を登録しました（{label}）。")
    if _from_script(request):
        return JsonResponse({"saved": True, "next": next_url})
    return redirect(next_url)


def _from_script(request) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _list_url(stop) -> str:
    return reverse("dunning:visit_list", args=[stop.visit_list_id])
