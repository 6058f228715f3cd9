"""The tamper-proof paper page (改ざん防止用紙): the stock, the movements by day, the latest
rows, and the form to record a delivery, spoiled sheets or a count."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from civicdesk.core.http import refuse_unless, require
from civicdesk.counter.choices import PaperMovementKind
from civicdesk.counter.forms.fees import PaperForm
from civicdesk.counter.selectors import fees as selectors
from civicdesk.counter.services import paper as services

DAYS_SHOWN = 31
ROWS_SHOWN = 50


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_view_paper, message="改ざん防止用紙の受払を閲覧する権限がありません。")
def paper(request):
    user = request.user
    may_record = selectors.may_record_paper(user)
    form = PaperForm() if may_record else None
    if request.method == "POST":
        refuse_unless(user, selectors.may_record_paper, message="受払を記録する権限がありません。")
        form = PaperForm(request.POST)
        if form.is_valid() and _record(request, form):
            return redirect("counter:paper")
    municipality_id = selectors.municipality_id_for(user)
    today = timezone.localdate()
    context = {
        "stock": selectors.paper_stock(municipality_id),
        "days": selectors.paper_by_day(
            municipality_id, today - dt.timedelta(days=DAYS_SHOWN - 1), today
        ),
        "rows": list(selectors.paper_movements_for(user)[:ROWS_SHOWN]),
        "form": form,
    }
    return render(request, "counter/paper/index.html", context)


def _record(request, form: PaperForm) -> bool:
    data = form.cleaned_data
    user = request.user
    try:
        if data["kind"] == PaperMovementKind.RECEIVED:
            services.receive_paper(acting_user=user, sheets=data["sheets"], note=data["note"])
        elif data["kind"] == PaperMovementKind.SPOILED:
            services.spoil_paper(acting_user=user, sheets=data["sheets"], note=data["note"])
        else:
            services.count_paper(acting_user=user, counted=data["sheets"], note=data["note"])
    except ValidationError as error:
        form.add_service_errors(error)
        return False
    messages.success(request, "改ざん防止用紙の受払を記録しました。")
    return True
