"""The cashier's pages (会計): the tickets waiting at the cash counter, the fee form of a ticket
(its approved requests with their fees pre-filled, the payment kind; one press takes every
fee, issues every request and finishes the ticket), the receipts as an 80 mm PDF, a request
by post settled alone, and reversing a fee with its reason.

Nothing here shows a request's personal items: the ticket number, the procedure, the copies
and the fee are what the cashier needs.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civicdesk.core.http import require
from civicdesk.counter.choices import FeeEntryKind, TicketStatus
from civicdesk.counter.forms.fees import PaymentForm
from civicdesk.counter.forms.requests import ReasonForm
from civicdesk.counter.models import Ticket
from civicdesk.counter.selectors import fees as selectors
from civicdesk.counter.selectors import requests as request_selectors
from civicdesk.counter.services import fees as services
from civicdesk.counter.services import receipts

CASHIER = "会計（手数料の収納）を行う権限がありません。"


def may_work_the_cash_desk(user) -> bool:
    return selectors.may_take_fees(user) and request_selectors.may_issue_requests(user)


def _ticket_for(user, pk: int) -> Ticket:
    return get_object_or_404(
        Ticket.objects.select_related("queue", "counter"),
        pk=pk,
        queue__municipality_id=selectors.municipality_id_for(user),
    )


@never_cache
@require(may_work_the_cash_desk, message=CASHIER)
def cashier(request):
    """The cash counter's screen: tickets called here and waiting, requests by post approved,
    and the day's latest receipts."""
    user = request.user
    today = timezone.localdate()
    called, waiting = request_selectors.pickup_tickets(user, today)
    entries = list(selectors.day_entries(user, today).order_by("-at", "-id")[:30])
    context = {
        "called": called,
        "waiting": waiting,
        "postal": request_selectors.postal_to_settle(user),
        "entries": entries,
        "reversed_ids": selectors.reversed_entry_ids(entries),
        "closed": selectors.is_day_closed(selectors.municipality_id_for(user), today),
        "today": today,
    }
    return render(request, "counter/cashier/index.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@require(may_work_the_cash_desk, message=CASHIER)
def cashier_ticket(request, ticket: int):
    """GET: the ticket's requests to hand over with their fees; POST: settle them."""
    user = request.user
    held = _ticket_for(user, ticket)
    payable = request_selectors.payable_requests(held)
    form = PaymentForm(
        request.POST if request.method == "POST" else None, initial={"client_key": uuid.uuid4()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.settle_requests(
                acting_user=user,
                requests=payable,
                payment_kind=form.cleaned_data["payment_kind"],
                ticket=held,
                client_key=form.cleaned_data["client_key"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request, f"{held.label} の会計を完了しました。領収書を印刷してください。"
            )
            return redirect("counter:cashier_ticket", ticket=held.pk)
    lines = services.cashier_lines(payable, timezone.localdate())
    paid = list(
        selectors.fee_entries_for(user).filter(ticket=held, kind=FeeEntryKind.CHARGE).order_by("at")
    )
    context = {
        "ticket": held,
        "lines": lines,
        "total": sum(line.amount for line in lines),
        "form": form,
        "paid": paid,
        "reversed_ids": selectors.reversed_entry_ids(paid),
        "at_pickup": held.status == TicketStatus.PICKUP,
    }
    return render(request, "counter/cashier/ticket.html", context)


@require_POST
@require(may_work_the_cash_desk, message=CASHIER)
def request_settle(request, pk: int):
    """A request by post (no ticket): its fee taken (usually 定額小為替) and issued."""
    held = get_object_or_404(request_selectors.requests_for(request.user), pk=pk)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "納付方法を選んでください。")
        return redirect("counter:request_detail", pk=held.pk)
    try:
        entries = services.settle_requests(
            acting_user=request.user,
            requests=[held],
            payment_kind=form.cleaned_data["payment_kind"],
            client_key=form.cleaned_data["client_key"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("counter:request_detail", pk=held.pk)
    numbers = "、".join(entry.receipt_no for entry in entries) or "手数料なし"
    messages.success(request, f"収納して交付しました（領収番号 {numbers}）。")
    return redirect("counter:request_detail", pk=held.pk)


@never_cache
@require(selectors.may_view_fees, message="領収書を印刷する権限がありません。")
def fee_receipt(request, pk: int):
    """One entry's receipt (a reprint, or a reversal's slip)."""
    entry = get_object_or_404(selectors.fee_entries_for(request.user), pk=pk)
    pdf = receipts.receipt_pdf(acting_user=request.user, entries=[entry])
    return _pdf(pdf, f"receipt-{entry.receipt_no}.pdf")


@never_cache
@require(selectors.may_view_fees, message="領収書を印刷する権限がありません。")
def ticket_receipts(request, ticket: int):
    """The receipts of a ticket's fees still standing, one per page."""
    held = _ticket_for(request.user, ticket)
    entries = list(
        selectors.fee_entries_for(request.user)
        .filter(ticket=held, kind=FeeEntryKind.CHARGE, reversal__isnull=True)
        .order_by("at", "id")
    )
    if not entries:
        messages.error(request, f"{held.label} に印刷する領収書はありません。")
        return redirect("counter:cashier")
    pdf = receipts.receipt_pdf(acting_user=request.user, entries=entries)
    return _pdf(pdf, f"receipts-{held.day:%Y%m%d}-{held.label}.pdf")


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_take_fees, message="手数料を取消す権限がありません。")
def fee_reverse(request, pk: int):
    """GET: the entry and the reason form; POST: reverse it."""
    entry = get_object_or_404(selectors.fee_entries_for(request.user), pk=pk)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            reversal = services.reverse_fee(
                acting_user=request.user, entry=entry, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                f"領収番号 {entry.receipt_no} を取消しました（取消票 {reversal.receipt_no}）。",
            )
            return redirect("counter:cashier")
    context = {"entry": entry, "form": form}
    return render(request, "counter/cashier/reverse.html", context)


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
