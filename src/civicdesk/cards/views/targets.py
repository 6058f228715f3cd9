"""The card-target pages: the list (filters by venue, state and 予約管理番号), a target's page
with its events and reservations, the upload of the ward's file (staff and the contractor's
lead), and a move out (転出, the lead).

Names are shown only to the roles with ``cards.view_cardtarget``; every page showing a
target's data logs the view with the items named.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicdesk.audit.shortcuts import log_view
from civicdesk.cards.choices import CLOSED_TARGET_STATUSES
from civicdesk.cards.forms.targets import MoveOutForm, TargetFilterForm, TargetImportForm
from civicdesk.cards.selectors import targets as selectors
from civicdesk.cards.services import targets as services
from civicdesk.core.http import require

PER_PAGE = 50
LIST = "交付対象者の一覧を表示する権限がありません。"
IMPORT = "交付対象者を取り込む権限がありません。"
MOVE_OUT = "転出を記録する権限がありません。"
DETAIL_FIELDS = ["予約管理番号", "氏名", "氏名カナ", "生年月日", "住所", "区分", "状況"]


@never_cache
@require_GET
@require(selectors.may_list_targets, message=LIST)
def target_list(request):
    user = request.user
    form = TargetFilterForm(request.GET or None, venues=selectors.venues_for(user))
    chosen = form.cleaned_data if form.is_valid() else {}
    rows = selectors.targets_for(
        user,
        venue=chosen.get("venue"),
        status=chosen.get("status", ""),
        reservation_no=chosen.get("reservation_no", ""),
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    names = selectors.may_see_names(user)
    if page.object_list:
        log_view(
            request,
            fields=["予約管理番号", "氏名"] if names else ["予約管理番号"],
            reason=f"交付対象者の一覧（{page.number}ページ）",
        )
    kept = {key: value for key, value in request.GET.items() if key != "page" and value}
    context = {
        "form": form,
        "page": page,
        "show_names": names,
        "may_import": selectors.may_import_targets(user),
        "query": urlencode(kept),
    }
    return render(request, "cards/targets/list.html", context)


@never_cache
@require_GET
@require("cards.view_cardtarget", message=LIST)
def target_detail(request, pk: int):
    user = request.user
    target = selectors.target_for(user, pk)
    if target is None:
        raise Http404("交付対象者が見つかりません。")
    log_view(request, target, fields=DETAIL_FIELDS, reason="交付対象者の詳細")
    may_move_out = (
        selectors.may_record_move_out(user) and target.status not in CLOSED_TARGET_STATUSES
    )
    context = {
        "target": target,
        "events": selectors.events_of(target),
        "reservations": selectors.reservations_of(target),
        "move_out_form": MoveOutForm() if may_move_out else None,
    }
    return render(request, "cards/targets/detail.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_import_targets, message=IMPORT)
def target_import(request):
    user = request.user
    form = TargetImportForm(request.POST or None, request.FILES or None)
    refused = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = services.import_targets(
                acting_user=user,
                municipality=selectors.municipality_for(user),
                file=upload,
                name=upload.name,
                notices_received=form.cleaned_data["notices_received"],
            )
        except services.TargetImportError as error:
            refused = error
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            dropped = run.dropped_columns
            note = f"（取り込まなかった列: {'、'.join(dropped)}）" if dropped else ""
            messages.success(
                request, f"{run.file_name} の交付対象者 {run.row_count} 件を取り込みました。{note}"
            )
            return redirect("cards:target_import")
    context = {"form": form, "refused": refused, "imports": selectors.imports_for(user)}
    return render(request, "cards/targets/import.html", context)


@require_POST
@require(selectors.may_record_move_out, message=MOVE_OUT)
def target_move_out(request, pk: int):
    user = request.user
    target = selectors.target_for(user, pk)
    if target is None:
        raise Http404("交付対象者が見つかりません。")
    form = MoveOutForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("cards:target", pk=target.pk)
    try:
        services.record_move_out(acting_user=user, target=target, note=form.cleaned_data["note"])
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"{target.reservation_no} の転出を記録しました。")
    return redirect("cards:target", pk=target.pk)
