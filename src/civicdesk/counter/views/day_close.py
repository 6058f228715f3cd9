"""The day close pages (日計・精算): the day's totals by payment kind and procedure, the close
form with the cash counted by denomination, the staff's confirmation and the day-total
sheet (日計表) as a PDF."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civicdesk.core.http import refuse_unless, require
from civicdesk.counter.forms.fees import DayCloseForm, DayForm
from civicdesk.counter.selectors import fees as selectors
from civicdesk.counter.services import day_close as services

VIEW = "日計・精算を閲覧する権限がありません。"
ENTRIES_SHOWN = 200


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_view_day_close, message=VIEW)
def day_close(request):
    """GET ?day=: the day (default today); POST: close it (cashier, supervisor)."""
    user = request.user
    day_form = DayForm(request.GET or None)
    day = day_form.chosen_day()
    municipality_id = selectors.municipality_id_for(user)
    close = selectors.day_close_for(municipality_id, day)
    may_close = selectors.may_close_day(user) and close is None
    form = DayCloseForm() if may_close else None
    if request.method == "POST":
        refuse_unless(user, selectors.may_close_day, message="日計・精算を行う権限がありません。")
        form = DayCloseForm(request.POST)
        if form.is_valid():
            try:
                services.close_day(
                    acting_user=user,
                    day=day,
                    denominations=form.denominations(),
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, "精算しました。職員の確認を受けてください。")
                return redirect(f"{reverse('counter:day_close')}?day={day:%Y-%m-%d}")
    entries = list(selectors.day_entries(user, day).order_by("-at", "-id")[:ENTRIES_SHOWN])
    context = {
        "day": day,
        "day_form": day_form,
        "totals": selectors.day_totals(municipality_id, day),
        "close": close,
        "form": form,
        "may_confirm": close is not None
        and close.confirmed_at is None
        and selectors.may_confirm_day_close(user)
        and close.closed_by_id != user.pk,
        "entries": entries,
        "entries_limit": ENTRIES_SHOWN,
        "reversed_ids": selectors.reversed_entry_ids(entries),
        "may_take_fees": selectors.may_take_fees(user) and close is None,
        "today": timezone.localdate(),
    }
    return render(request, "counter/day_close/day.html", context)


@require_POST
@require(selectors.may_confirm_day_close, message="日計・精算の確認は市の職員だけが行えます。")
def day_close_confirm(request, pk: int):
    close = get_object_or_404(selectors.day_closes_for(request.user), pk=pk)
    try:
        services.confirm_day_close(acting_user=request.user, day_close=close)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, "精算を確認しました。")
    return redirect(f"{reverse('counter:day_close')}?day={close.day:%Y-%m-%d}")


@never_cache
@require(selectors.may_view_day_close, message=VIEW)
def day_total_pdf(request):
    day = DayForm(request.GET or None).chosen_day()
    pdf = services.day_total_pdf(acting_user=request.user, day=day)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="day-total-{day:%Y%m%d}.pdf"'
    return response
