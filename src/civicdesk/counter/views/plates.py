"""The temporary-plate pages (自動車臨時運行許可): the issue ledger (発行管理簿) with overdue
plates first, the staff's plate list, lending a plate with a permit for a request, and
recording its return. The ledger names each permit's chassis number: its view is logged."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civicdesk.audit.shortcuts import log_view
from civicdesk.core.http import refuse_unless, require
from civicdesk.counter.forms.requests import PlateAddForm, PlateLendForm, PlateReturnForm
from civicdesk.counter.selectors import requests as selectors
from civicdesk.counter.services import plates as services

LEDGER = "臨時運行許可の発行管理簿を閲覧する権限がありません。"


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_view_plates, message=LEDGER)
def plates(request):
    """GET: the ledger (?all=1: returned loans too); POST: a new plate (staff)."""
    user = request.user
    add_form = PlateAddForm() if selectors.may_add_plates(user) else None
    if request.method == "POST":
        refuse_unless(user, selectors.may_add_plates, message="番号標を登録する権限がありません。")
        add_form = PlateAddForm(request.POST)
        if add_form.is_valid():
            try:
                plate = services.add_plate(acting_user=user, number=add_form.cleaned_data["number"])
            except ValidationError as error:
                add_form.add_service_errors(error)
            else:
                messages.success(request, f"番号標「{plate.number}」を登録しました。")
                return redirect("counter:plates")
    today = timezone.localdate()
    everything = request.GET.get("all") == "1"
    lines = selectors.plate_ledger(user, today, only_out=not everything)
    lines.sort(key=lambda line: (not line.overdue, not line.out))
    if any(line.loan.request.vehicle_chassis_no for line in lines):
        log_view(
            request,
            fields=["vehicle_chassis_no"],
            reason=f"臨時運行許可 発行管理簿（{len(lines)}件）",
        )
    context = {
        "lines": lines,
        "everything": everything,
        "plates": list(selectors.plates_for(user)),
        "free": set(selectors.free_plates(user).values_list("pk", flat=True)),
        "add_form": add_form,
        "may_lend": selectors.may_lend_plates(user),
        "return_form": PlateReturnForm(),
        "today": today,
    }
    return render(request, "counter/plates/index.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_lend_plates, message="番号標を貸し出す権限がありません。")
def plate_lend(request, pk: int):
    user = request.user
    held = get_object_or_404(selectors.requests_for(user), pk=pk)
    today = timezone.localdate()
    form = PlateLendForm(
        request.POST if request.method == "POST" else None,
        plates=selectors.free_plates(user),
        initial={"valid_until": today + dt.timedelta(days=services.MAX_PERMIT_DAYS - 1)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            loan = services.lend_plate(
                acting_user=user,
                request=held,
                plate=data["plate"],
                permit_no=data["permit_no"],
                valid_until=data["valid_until"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                f"番号標「{loan.plate.number}」を貸し出しました（許可番号 {loan.permit_no}）。",
            )
            return redirect("counter:request_detail", pk=held.pk)
    return render(request, "counter/plates/lend.html", {"held": held, "form": form})


@require_POST
@require(selectors.may_lend_plates, message="番号標の返却を記録する権限がありません。")
def plate_return(request, pk: int):
    loan = get_object_or_404(selectors.loans_for(request.user), pk=pk)
    form = PlateReturnForm(request.POST)
    returned_on = form.cleaned_data["returned_on"] if form.is_valid() else None
    if not form.is_valid():
        messages.error(request, "返却日を YYYY-MM-DD で入力してください。")
        return redirect("counter:plates")
    try:
        services.return_plate(acting_user=request.user, loan=loan, returned_on=returned_on)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"許可番号 {loan.permit_no} の番号標の返却を記録しました。")
    return redirect("counter:plates")
