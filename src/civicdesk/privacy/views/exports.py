"""Pages of the export requests (持出し申請, issue 8 §2): the list, the staff inbox, one request
(approve / reject, make the file, 返却確認, 受渡し), the one-time download and the hand-over
register. Pages that offer a download create the requests with ``start_export``; these pages
follow them.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from civicdesk.privacy.forms.exports import DecisionForm, HandOverForm, ReturnForm
from civicdesk.privacy.models.registers import ExportRequestStatus, HandOverDirection
from civicdesk.privacy.selectors import exports as selectors
from civicdesk.privacy.services import export_requests as services
from civicdesk.privacy.services.export_register import ExportError

ALL = "all"
CONTENT_TYPES = {
    ".zip": "application/zip",
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
}


def start_export(request, form, exporter: str, params: dict):
    """Ask for the export; make it now if it needs no approval. None: the form has errors."""
    try:
        item = services.request_export(
            acting_user=request.user,
            exporter=exporter,
            params=params,
            reason=form.cleaned_data["reason"],
            encrypt=form.cleaned_data["encrypt"],
            return_due_on=form.cleaned_data["return_due_on"],
        )
        if item.status != ExportRequestStatus.APPROVED:
            messages.success(request, "持出しを申請しました。職員の承認後に出力できます。")
            return redirect("privacy:export_request", pk=item.pk)
        made = services.make_export(acting_user=request.user, export_request=item)
    except ValidationError as error:
        form.add_service_errors(error)
        return None
    except ExportError as error:
        form.add_error(None, str(error))
        return None
    return render(request, "privacy/exports/ready.html", {"made": made})


def _require(allowed: bool, message: str = "持出し申請を閲覧する権限がありません。") -> None:
    if not allowed:
        raise PermissionDenied(message)


def _visible_request(request, pk: int):
    _require(selectors.may_see_exports(request.user))
    return get_object_or_404(selectors.requests_for(request.user), pk=pk)


@never_cache
@require_GET
def export_requests(request):
    _require(selectors.may_see_exports(request.user))
    services.discard_expired_downloads()
    status = request.GET.get("status", ALL)
    shown = selectors.requests_for(request.user)
    if status in ExportRequestStatus.values:
        shown = shown.filter(status=status)
    else:
        status = ALL
    context = {
        "page": Paginator(shown, 50).get_page(request.GET.get("page")),
        "returns": selectors.returns_outstanding(request.user),
        "today": timezone.localdate(),
        "statuses": [(ALL, "すべて"), *ExportRequestStatus.choices],
        "selected_status": status,
        "pending_count": selectors.awaiting_approval(request.user).count(),
        "labels": services.exporter_label,
    }
    return render(request, "privacy/exports/list.html", context)


@never_cache
@require_GET
def export_inbox(request):
    _require(selectors.may_decide(request.user), "持出し申請の承認は自治体職員のみ行えます。")
    rows = selectors.awaiting_approval(request.user)
    return render(request, "privacy/exports/inbox.html", {"rows": rows})


@never_cache
@require_GET
def export_request(request, pk: int):
    item = _visible_request(request, pk)
    return _detail(request, item)


def _detail(request, item, status: int = 200, **forms):
    user = request.user
    record = item.record
    context = {
        "item": item,
        "record": record,
        "label": services.exporter_label(item.exporter),
        "today": timezone.localdate(),
        "may_decide": selectors.may_decide(user)
        and item.status == ExportRequestStatus.PENDING
        and item.requested_by_id != user.pk,
        "may_make": item.status == ExportRequestStatus.APPROVED and item.requested_by_id == user.pk,
        "may_return": record is not None
        and record.returned_at is None
        and selectors.may_confirm_return(user, record),
        "may_hand_over": record is not None and selectors.may_hand_over(user, record),
        "hand_overs": record.hand_overs.select_related("handler", "receiver_confirmed_by")
        if record
        else [],
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "return_form": forms.get("return_form") or ReturnForm(),
        "hand_over_form": forms.get("hand_over_form") or HandOverForm(),
    }
    return render(request, "privacy/exports/detail.html", context, status=status)


@require_POST
def export_approve(request, pk: int):
    return _decide(request, pk, services.approve_export, "承認しました。")


@require_POST
def export_reject(request, pk: int):
    return _decide(request, pk, services.reject_export, "却下しました。")


def _decide(request, pk, decide, done: str):
    item = _visible_request(request, pk)
    _require(selectors.may_decide(request.user), "持出し申請の承認は自治体職員のみ行えます。")
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            decide(
                acting_user=request.user,
                export_request=item,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, done)
            return redirect("privacy:export_request", pk=item.pk)
    return _detail(request, item, status=400, decision_form=form)


@never_cache
@require_POST
def export_make(request, pk: int):
    """Makes the file and shows, once, its password and the one-time link."""
    item = _visible_request(request, pk)
    try:
        made = services.make_export(acting_user=request.user, export_request=item)
    except (ExportError, ValidationError) as error:
        problems = error.messages if isinstance(error, ValidationError) else [str(error)]
        messages.error(request, " ".join(problems))
        return redirect("privacy:export_request", pk=item.pk)
    return render(request, "privacy/exports/ready.html", {"made": made})


@never_cache
@require_GET
def export_download(request, token: str):
    try:
        download = services.take_download(acting_user=request.user, token=token)
    except services.DownloadGone as error:
        return render(request, "privacy/exports/gone.html", {"message": str(error)}, status=410)
    suffix = "." + download.file_name.rsplit(".", 1)[-1].lower()
    return FileResponse(
        download.stream,
        as_attachment=True,
        filename=download.file_name,
        content_type=CONTENT_TYPES.get(suffix, "application/octet-stream"),
    )


@require_POST
def export_return(request, pk: int):
    item = _visible_request(request, pk)
    if item.record is None:
        raise PermissionDenied("出力されていない申請です。")
    _require(
        selectors.may_confirm_return(request.user, item.record),
        "返却確認は出力した本人か自治体職員が行います。",
    )
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.confirm_return(
                acting_user=request.user,
                record=item.record,
                method=form.cleaned_data["method"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "返却確認を記録しました。")
            return redirect("privacy:export_request", pk=item.pk)
    return _detail(request, item, status=400, return_form=form)


@require_POST
def export_hand_over(request, pk: int):
    item = _visible_request(request, pk)
    if item.record is None:
        raise PermissionDenied("出力されていない申請です。")
    _require(
        selectors.may_hand_over(request.user, item.record), "受渡しを記録する権限がありません。"
    )
    form = HandOverForm(request.POST)
    if form.is_valid():
        try:
            services.hand_over_export(
                acting_user=request.user,
                record=item.record,
                receiver=form.cleaned_data["receiver"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "受渡しを記録しました。職員が受領を確認します。")
            return redirect("privacy:export_request", pk=item.pk)
    return _detail(request, item, status=400, hand_over_form=form)


# --- The hand-over register ------------------------------------------------------------------


@never_cache
@require_GET
def handover_register(request):
    _require(selectors.may_see_hand_overs(request.user), "受渡し記録を閲覧する権限がありません。")
    direction = request.GET.get("direction", "")
    shown = selectors.hand_over_register(request.user)
    if direction in HandOverDirection.values:
        shown = shown.filter(direction=direction)
    else:
        direction = ""
    context = {
        "page": Paginator(shown, 50).get_page(request.GET.get("page")),
        "directions": HandOverDirection.choices,
        "selected_direction": direction,
        "may_confirm": selectors.may_confirm_receipt(request.user),
    }
    return render(request, "privacy/exports/handovers.html", context)


@require_POST
def handover_confirm(request, pk: int):
    _require(selectors.may_confirm_receipt(request.user), "受領確認は自治体職員のみ行えます。")
    item = get_object_or_404(selectors.hand_over_register(request.user), pk=pk)
    try:
        services.confirm_receipt(acting_user=request.user, hand_over=item)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "受領を確認しました。")
    return redirect("privacy:handover_register")
