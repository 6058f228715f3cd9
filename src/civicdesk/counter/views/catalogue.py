"""The catalogue pages: every counter role reads the procedures and their fees; staff change
a procedure and add dated fee rows (a fee in force is never edited: a new row replaces it from
its date)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from civicdesk.core.http import refuse_unless, require
from civicdesk.counter.forms.catalogue import FeeForm, ProcedureForm
from civicdesk.counter.selectors import catalogue as selectors
from civicdesk.counter.services import catalogue as services


@require(selectors.may_view_catalogue, message="手続の一覧を閲覧する権限がありません。")
def procedures(request):
    rows = selectors.catalogue(request.user, timezone.localdate())
    context = {"rows": rows, "may_change": selectors.may_change_catalogue(request.user)}
    return render(request, "counter/catalogue/list.html", context)


@require_http_methods(["GET", "POST"])
@require(selectors.may_view_catalogue, message="手続を閲覧する権限がありません。")
def procedure(request, pk: int):
    item = get_object_or_404(selectors.procedures_for(request.user), pk=pk)
    data = request.POST if request.method == "POST" else None
    form = _procedure_form(item, request.user.municipality, data)
    if request.method == "POST":
        refuse_unless(
            request.user, selectors.may_change_catalogue, message="手続を変更する権限がありません。"
        )
        if form.is_valid():
            try:
                services.save_procedure(
                    acting_user=request.user, procedure=item, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"「{form.cleaned_data['name']}」を保存しました。")
                return redirect("counter:procedure", pk=item.pk)
    return _page(request, item, form=form, status=400 if form.is_bound else 200)


@require_POST
@require(selectors.may_change_catalogue, message="手数料を登録する権限がありません。")
def fee_add(request, pk: int):
    item = get_object_or_404(selectors.procedures_for(request.user), pk=pk)
    fee_form = FeeForm(request.POST)
    if fee_form.is_valid():
        try:
            services.add_fee(acting_user=request.user, procedure=item, **fee_form.cleaned_data)
        except ValidationError as error:
            fee_form.add_service_errors(error)
        else:
            messages.success(request, "手数料を登録しました。")
            return redirect("counter:procedure", pk=item.pk)
    return _page(request, item, fee_form=fee_form, status=400)


def _procedure_form(item, municipality, data=None) -> ProcedureForm:
    if data is not None:
        return ProcedureForm(data, municipality=municipality)
    initial = {
        "name": item.name,
        "category": item.category,
        "section": item.section,
        "queue": item.queue_id,
        "checklist": "\n".join(item.checklist),
        "requester_kinds": item.requester_kinds,
        "data_items": item.data_items,
        "requires_review": item.requires_review,
        "uses_tamper_proof_paper": item.uses_tamper_proof_paper,
        "has_fee": item.has_fee,
        "active": item.active,
    }
    return ProcedureForm(initial=initial, municipality=municipality)


def _page(request, item, *, form=None, fee_form=None, status=200):
    context = {
        "procedure": item,
        "form": form or _procedure_form(item, request.user.municipality),
        "fee_form": fee_form or FeeForm(initial={"exempt_requester_kinds": ["official"]}),
        "fees": selectors.fee_history(item),
        "may_change": selectors.may_change_catalogue(request.user),
    }
    return render(request, "counter/catalogue/procedure.html", context, status=status)
