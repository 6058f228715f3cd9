"""Hand-overs to staff (引継ぎ) and requests for staff (納付書再発行等): inbox, detail, new, list,
the Excel download (through the export requests). Every page that shows personal data writes an
access-log entry.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civicdesk.audit.shortcuts import log_view
from civicdesk.core.http import refuse_unless, require
from civicdesk.dunning import exporters
from civicdesk.dunning.choices import HandOverReason
from civicdesk.dunning.forms.handovers import (
    HandOverDecisionForm,
    HandOverFilterForm,
    HandOverForm,
    StaffRequestExportForm,
    StaffRequestFilterForm,
)
from civicdesk.dunning.selectors import handovers as selectors
from civicdesk.dunning.selectors.inbound import case_url
from civicdesk.dunning.services import handovers as services
from civicdesk.privacy.forms.exports import ExportOptionsForm
from civicdesk.privacy.views.exports import start_export
from civicdesk.receivables.selectors.obligors import obligors_for

hand_overs_required = require(
    selectors.may_view_hand_overs, message="引継ぎを閲覧する権限がありません。"
)
requests_required = require(
    selectors.may_view_staff_requests, message="職員への依頼を閲覧する権限がありません。"
)


# --- Hand-overs ------------------------------------------------------------------------------


@never_cache
@hand_overs_required
def hand_overs(request):
    form = HandOverFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else None
    inbox = selectors.hand_over_inbox(request.user, status)
    form = HandOverFilterForm(initial={"status": inbox.status_filter})
    if inbox.rows:
        log_view(
            request,
            fields=["resident_no", "revenue_type"],
            reason=f"引継ぎ一覧（{len(inbox.rows)}件）",
        )
    context = {
        "inbox": inbox,
        "form": form,
        "may_decide": selectors.may_decide_hand_overs(request.user),
    }
    return render(request, "dunning/handovers/list.html", context)


@never_cache
@hand_overs_required
def hand_over(request, pk: int):
    item = get_object_or_404(
        selectors.hand_overs_for(request.user).select_related(
            "obligor", "contact", "created_by", "handled_by"
        ),
        pk=pk,
    )
    form = HandOverDecisionForm()
    if request.method == "POST":
        refuse_unless(
            request.user,
            selectors.may_decide_hand_overs,
            message="引継ぎの対応は自治体職員のみ行えます。",
        )
        form = HandOverDecisionForm(request.POST)
        if form.is_valid():
            action = form.cleaned_data["action"]
            decide = {
                "accept": services.accept_hand_over,
                "complete": services.complete_hand_over,
                "return": services.return_hand_over,
            }[action]
            try:
                decide(
                    acting_user=request.user,
                    hand_over=item,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                label = selectors.ACTION_LABELS[action]
                messages.success(request, f"引継ぎを「{label}」にしました。")
                return redirect("dunning:hand_over", pk=item.pk)
    detail = selectors.hand_over_detail(request.user, item)
    log_view(request, item, detail.fields_shown)
    return render(request, "dunning/handovers/detail.html", {"detail": detail, "form": form})


@never_cache
@require(services.ADD_HAND_OVER, message="引継ぎを起票する権限がありません。")
def hand_over_new(request, obligor_pk: int):
    obligor = get_object_or_404(obligors_for(request.user), pk=obligor_pk)
    choices = selectors.hand_over_type_choices(request.user, obligor)
    if request.method == "POST":
        form = HandOverForm(request.POST, revenue_type_choices=choices)
        if form.is_valid():
            try:
                created = services.create_hand_over(
                    acting_user=request.user,
                    obligor=obligor,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    revenue_types=form.cleaned_data["revenue_types"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, "引継ぎを起票しました。職員が確認します。")
                return redirect("dunning:hand_over", pk=created.pk)
    else:
        initial = {}
        if request.GET.get("reason") in HandOverReason.values:
            initial["reason"] = request.GET["reason"]
        form = HandOverForm(initial=initial, revenue_type_choices=choices)
    log_view(request, obligor, ["resident_no"], reason="引継ぎの起票")
    context = {"form": form, "obligor": obligor, "case_url": case_url(obligor.pk)}
    return render(request, "dunning/handovers/new.html", context)


# --- Requests for staff ----------------------------------------------------------------------


@never_cache
@requests_required
def staff_requests(request):
    form = StaffRequestFilterForm(request.GET or None)
    kind = status = ""
    if form.is_bound and form.is_valid():
        kind, status = form.cleaned_data["kind"], form.cleaned_data["status"]
    elif not form.is_bound:
        status = "open"
        form = StaffRequestFilterForm(initial={"status": status})
    rows = selectors.staff_request_list(request.user, kind or None, status or None)
    if rows:
        log_view(
            request,
            fields=["resident_no", "revenue_type", "case_no"],
            reason=f"職員への依頼一覧（{len(rows)}件）",
        )
    context = {
        "rows": rows,
        "form": form,
        "export_form": StaffRequestExportRequestForm(initial={"kind": kind, "status": status}),
        "may_decide": request.user.has_perm(selectors.DECIDE_REQUESTS),
        "may_export": selectors.may_export_staff_requests(request.user),
    }
    return render(request, "dunning/handovers/staff_requests.html", context)


class StaffRequestExportRequestForm(StaffRequestExportForm, ExportOptionsForm):
    """Which requests, why, encrypted or not, and when the file is due back."""

    field_order = ["kind", "status", "reason", "encrypt", "return_due_on"]


@never_cache
@require(selectors.may_export_staff_requests, message="職員への依頼を出力する権限がありません。")
def staff_requests_export(request):
    """GET: the form alone; POST: an export request (privacy.export_requests). Made at once when
    no approval is needed (the page then shows the one-time link); else it waits for staff."""
    form = StaffRequestExportRequestForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        params = {"kind": form.cleaned_data["kind"], "status": form.cleaned_data["status"]}
        response = start_export(request, form, exporters.STAFF_REQUESTS, params)
        if response is not None:
            return response
    return render(request, "dunning/handovers/staff_requests_export.html", {"form": form})


@require_POST
@requests_required
def staff_request_done(request, pk: int):
    item = get_object_or_404(selectors.staff_requests_for(request.user), pk=pk)
    try:
        services.complete_staff_request(acting_user=request.user, request=item)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "依頼を処理済みにしました。")
    return redirect("dunning:staff_requests")
