"""The paper and card pages: print runs and mailings, card receipts, transfers with their
delivery ledgers, the venue desk, the venue day and the reconciliation. The center's work
is the supervisor's, the venue's the venue clerk's; staff and inspectors read."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civicdesk.audit.shortcuts import log_view
from civicdesk.cards.forms import logistics as forms
from civicdesk.cards.selectors import logistics as selectors
from civicdesk.cards.services import mailings, reconciliation, stock, venue_day
from civicdesk.core.http import refuse_unless, require

LIST_LIMIT = 200
DESK_FIELDS = ["reservation_no", "name", "kana", "birth_date", "address", "status", "card_state"]
LINE_FIELDS = ["reservation_no", "name", "address"]


def _service_errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- Print runs ----------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_view_mailings, message="印刷・発送を閲覧する権限がありません。")
def mailing_list(request):
    user = request.user
    form = forms.RunForm() if mailings.may_make_run(user) else None
    if request.method == "POST":
        refuse_unless(user, mailings.may_make_run, message="印刷データを作成する権限がありません。")
        form = forms.RunForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            municipality_id = selectors.municipality_id_for(user)
            try:
                if data["kind"] == "letter":
                    made, _ = mailings.make_letter_run(
                        acting_user=user, municipality=municipality_id, reason=data["reason"]
                    )
                else:
                    made, _ = mailings.make_reissue_run(
                        acting_user=user,
                        municipality=municipality_id,
                        reason=data["reason"],
                        unbooked_mailed_by=data["unbooked_mailed_by"],
                    )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"{made}（{made.row_count:,}件）を作成しました。")
                return redirect("cards:mailing", pk=made.pk)
    runs = selectors.mailings_for(user).order_by("-created_at", "-pk")[:LIST_LIMIT]
    return render(request, "cards/logistics/mailings.html", {"runs": runs, "form": form})


@never_cache
@require(selectors.may_view_mailings, message="印刷・発送を閲覧する権限がありません。")
def mailing_detail(request, pk: int):
    user = request.user
    run = get_object_or_404(selectors.mailings_for(user), pk=pk)
    context = {
        "run": run,
        "download_form": forms.ReasonForm() if mailings.may_make_run(user) else None,
        "mailed_form": forms.MailedForm()
        if mailings.may_record_mailed(user) and run.mailed_on is None
        else None,
    }
    return render(request, "cards/logistics/mailing.html", context)


@require_POST
@require(mailings.may_make_run, message="印刷データを持ち出す権限がありません。")
def mailing_download(request, pk: int):
    run = get_object_or_404(selectors.mailings_for(request.user), pk=pk)
    form = forms.ReasonForm(request.POST)
    if form.is_valid():
        try:
            content = mailings.download_run(
                acting_user=request.user, mailing=run, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            response = HttpResponse(content, content_type="text/csv; charset=cp932")
            response["Content-Disposition"] = f'attachment; filename="{mailings.file_name_of(run)}"'
            return response
    context = {"run": run, "download_form": form, "mailed_form": None}
    return render(request, "cards/logistics/mailing.html", context, status=400)


@require_POST
@require(mailings.may_record_mailed, message="発送を記録する権限がありません。")
def mailing_mailed(request, pk: int):
    run = get_object_or_404(selectors.mailings_for(request.user), pk=pk)
    form = forms.MailedForm(request.POST)
    if form.is_valid():
        try:
            mailings.record_mailed(
                acting_user=request.user, mailing=run, mailed_on=form.cleaned_data["mailed_on"]
            )
        except ValidationError as error:
            _service_errors(request, error)
        else:
            messages.success(request, f"{run}の発送を記録しました。")
    else:
        _service_errors(request, ValidationError(form.errors["mailed_on"]))
    return redirect("cards:mailing", pk=run.pk)


# --- Card receipts -------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_view_receipts, message="カード受領を閲覧する権限がありません。")
def receipt_list(request):
    user = request.user
    may_record = stock.may_record_receipt(user)
    form = forms.ReceiptForm() if may_record else None
    if request.method == "POST":
        refuse_unless(
            user, stock.may_record_receipt, message="カード受領を記録する権限がありません。"
        )
        form = forms.ReceiptForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                receipt = stock.record_card_receipt(
                    acting_user=user,
                    municipality=selectors.municipality_id_for(user),
                    received_on=data["received_on"],
                    declared_count=data["declared_count"],
                    reservation_nos=data["reservation_nos"],
                    note=data["note"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                recorded = receipt.targets.count()
                messages.success(request, f"カード{recorded:,}枚の受領を記録しました。")
                if recorded != receipt.declared_count:
                    messages.warning(
                        request,
                        f"送付書の枚数（{receipt.declared_count:,}枚）と記録した枚数"
                        f"（{recorded:,}枚）が違います。",
                    )
                return redirect("cards:receipts")
    receipts = selectors.receipts_for(user)[:LIST_LIMIT]
    return render(request, "cards/logistics/receipts.html", {"receipts": receipts, "form": form})


# --- Transfers -----------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_view_transfers, message="会場への送付を閲覧する権限がありません。")
def transfer_list(request):
    user = request.user
    venues = selectors.venues_for(user)
    form = forms.TransferForm(venues=venues) if stock.may_transfer(user) else None
    if request.method == "POST":
        refuse_unless(user, stock.may_transfer, message="会場への送付を行う権限がありません。")
        form = forms.TransferForm(request.POST, venues=venues)
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = stock.transfer_to_venue(
                    acting_user=user,
                    venue=data["venue"],
                    order=data["order"],
                    reservation_nos=data["reservation_nos"],
                    count=data["count"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"{made}を作成しました。台帳を印刷してください。")
                return redirect("cards:transfer", pk=made.pk)
    context = {
        "transfers": selectors.transfers_for(user)[:LIST_LIMIT],
        "stock": selectors.stock_by_venue(selectors.municipality_id_for(user)),
        "form": form,
    }
    return render(request, "cards/logistics/transfers.html", context)


@never_cache
@require(selectors.may_view_transfers, message="会場への送付を閲覧する権限がありません。")
def transfer_detail(request, pk: int):
    user = request.user
    transfer = get_object_or_404(selectors.transfers_for(user), pk=pk)
    lines = None
    if selectors.may_view_transfer_lines(user):
        lines = list(selectors.transfer_lines(transfer))
        log_view(request, transfer, fields=LINE_FIELDS, reason=f"送付 No.{transfer.number}の明細")
    context = {
        "transfer": transfer,
        "lines": lines,
        "order_label": dict(stock.LedgerOrder.choices).get(transfer.ledger_order, ""),
        "ledger_form": forms.LedgerForm() if stock.may_print_ledger(user) else None,
        "receive_form": forms.ReceiveForm()
        if stock.may_receive(user) and transfer.received_at is None
        else None,
    }
    return render(request, "cards/logistics/transfer.html", context)


@require_POST
@require(stock.may_print_ledger, message="各会場送付台帳を印刷する権限がありません。")
def transfer_ledger(request, pk: int):
    transfer = get_object_or_404(selectors.transfers_for(request.user), pk=pk)
    form = forms.LedgerForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    pdf = stock.ledger_pdf(acting_user=request.user, transfer=transfer, reason=reason)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ledger-{transfer.number:05d}.pdf"'
    return response


@require_POST
@require(stock.may_receive, message="送付されたカードの受領を記録する権限がありません。")
def transfer_receive(request, pk: int):
    transfer = get_object_or_404(selectors.transfers_for(request.user), pk=pk)
    form = forms.ReceiveForm(request.POST)
    if not form.is_valid():
        _service_errors(request, ValidationError(form.errors["counted"]))
        return redirect("cards:transfer", pk=transfer.pk)
    try:
        done = stock.receive_transfer(
            acting_user=request.user, transfer=transfer, counted=form.cleaned_data["counted"]
        )
    except ValidationError as error:
        _service_errors(request, error)
    else:
        messages.success(request, f"送付 No.{done.number}の受領を記録しました。")
        if done.received_count != done.card_count:
            messages.warning(
                request,
                f"送付枚数 {done.card_count:,}枚に対し、"
                f"数えた枚数は {done.received_count:,}枚です。",
            )
    return redirect("cards:transfer", pk=transfer.pk)


# --- The venue desk ------------------------------------------------------------------------


@never_cache
@require(stock.may_issue, message="会場の交付窓口を使う権限がありません。")
def venue_desk(request):
    lookup = forms.DeskLookupForm(request.GET or None)
    target = None
    number = lookup.cleaned_data["reservation_no"] if lookup.is_valid() else ""
    if number:
        target = selectors.target_by_number(request.user, number)
        scanned = mailings.number_from_barcode(number) if target is None else None
        if scanned:  # the letter's barcode read at the desk
            target = selectors.target_by_number(request.user, scanned)
        if target is None:
            messages.error(request, f"予約管理番号「{number}」は見つかりません。")
        else:
            log_view(request, target, fields=DESK_FIELDS, reason="会場での交付（本人確認）")
    context = {
        "lookup": lookup,
        "target": target,
        "issue_form": forms.IssueForm(),
        "return_form": forms.ReturnForm(),
        "fail_form": forms.FailForm(),
    }
    return render(request, "cards/logistics/desk.html", context)


def _desk_target(request, pk: int):
    target = selectors.target_for(request.user, pk)
    if target is None:
        raise Http404("交付対象者が見つかりません。")
    return target


def _back_to_desk(target):
    return redirect(f"{reverse('cards:venue_desk')}?reservation_no={target.reservation_no}")


@require_POST
@require(stock.may_issue, message="カードを交付する権限がありません。")
def venue_desk_action(request, pk: int, action: str):
    target = _desk_target(request, pk)
    user = request.user
    try:
        if action == "issue":
            form = forms.IssueForm(request.POST)
            form.is_valid()
            checked = form.cleaned_data.get("identity_checked") is True
            stock.issue_card(acting_user=user, target=target, identity_checked=checked)
            done = "交付しました。"
        elif action == "return":
            form = forms.ReturnForm(request.POST)
            form.is_valid()
            stock.return_card(acting_user=user, target=target, note=form.cleaned_data.get("note"))
            done = "区へ返却しました。"
        elif action == "fail":
            form = forms.FailForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            stock.fail_issue(acting_user=user, target=target, reason=reason)
            done = "交付不可を記録しました。"
        else:
            raise Http404("不明な操作です。")
    except ValidationError as error:
        _service_errors(request, error)
    else:
        messages.success(request, f"予約管理番号「{target.reservation_no}」: {done}")
    return _back_to_desk(target)


# --- The venue day -------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_view_venue_days, message="会場の日締めを閲覧する権限がありません。")
def venue_day_page(request):
    user = request.user
    choice = forms.VenueDayChoiceForm(request.GET or None, venues=selectors.venues_for(user))
    venue, day = choice.chosen_venue(), choice.chosen_day()
    if venue is None:  # a municipality without venues yet (the ward sets them up)
        return render(request, "cards/logistics/venue_day.html", {"choice": choice, "day": day})
    closed = selectors.venue_days_for(user, venue).filter(date=day).first()
    may_close = venue_day.may_close_venue_day(user) and closed is None
    form = forms.VenueDayCloseForm() if may_close else None
    if request.method == "POST":
        refuse_unless(
            user, venue_day.may_close_venue_day, message="会場の日締めを行う権限がありません。"
        )
        form = forms.VenueDayCloseForm(request.POST)
        if form.is_valid():
            try:
                venue_day.close_venue_day(
                    acting_user=user,
                    venue=venue,
                    day=day,
                    counted=form.cleaned_data["counted"],
                    explanation=form.cleaned_data["explanation"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"{venue.short_name} {day}を締めました。")
                return redirect(f"{reverse('cards:venue_day')}?venue={venue.pk}&day={day}")
    context = {
        "choice": choice,
        "venue": venue,
        "day": day,
        "figures": venue_day.day_figures(venue, day),
        "closed": closed,
        "form": form,
        "history": selectors.venue_days_for(user, venue)[:31],
    }
    return render(request, "cards/logistics/venue_day.html", context)


# --- The reconciliation --------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_view_reconciliation, message="突合を閲覧する権限がありません。")
def reconciliation_page(request):
    user = request.user
    day_form = forms.DayForm(request.GET or None)
    day = day_form.chosen_day()
    municipality_id = selectors.municipality_id_for(user)
    figures = selectors.reconciliation(municipality_id, day)
    may_close = selectors.may_close_reconciliation(user) and figures.close is None
    form = forms.ReconciliationCloseForm() if may_close else None
    if request.method == "POST":
        refuse_unless(
            user, selectors.may_close_reconciliation, message="突合を締める権限がありません。"
        )
        form = forms.ReconciliationCloseForm(request.POST)
        if form.is_valid():
            try:
                reconciliation.close_reconciliation(
                    acting_user=user,
                    municipality=municipality_id,
                    day=day,
                    explanation=form.cleaned_data["explanation"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"{day}の突合を締めました。")
                return redirect(f"{reverse('cards:reconciliation')}?day={day}")
    context = {"day_form": day_form, "day": day, "figures": figures, "form": form}
    return render(request, "cards/logistics/reconciliation.html", context)
