"""The request pages: the clerk's request form for the ticket at the counter (or a request by
post), the request's page with its moves (審査依頼, 交付, 取下げ), the intake's correction,
the day's list, and the staff's review queue and decision (承認 / 差戻し).

Personal items are shown only to the field policy's counter readers (reception never gets
here) and every page that shows them logs the view with the items named.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civicdesk.audit.shortcuts import log_view
from civicdesk.core.http import require
from civicdesk.counter.choices import RequestStatus
from civicdesk.counter.forms.fees import DayForm
from civicdesk.counter.forms.requests import (
    ProcedureChoiceForm,
    ReasonForm,
    RequestForm,
    ReviewForm,
    request_initial,
)
from civicdesk.counter.models import Request, Ticket
from civicdesk.counter.selectors import fees as fee_selectors
from civicdesk.counter.selectors import requests as selectors
from civicdesk.counter.services import requests as services

OPEN = "窓口の請求・届出を受け付ける権限がありません。"


def _ticket_for(user, pk: int) -> Ticket:
    return get_object_or_404(
        Ticket.objects.select_related("queue", "counter", "procedure"),
        pk=pk,
        queue__municipality_id=selectors.municipality_id_for(user),
    )


def _request_for(user, pk: int) -> Request:
    return get_object_or_404(selectors.requests_for(user), pk=pk)


# --- Intake -------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_open_requests, message=OPEN)
def request_new(request, ticket: int | None = None):
    """GET ?procedure=: the form for that procedure (a chooser first when none is known);
    POST: open the request."""
    user = request.user
    held = _ticket_for(user, ticket) if ticket is not None else None
    procedures = selectors.procedures_for(user, postal=held is None)
    chosen = request.POST.get("procedure") or request.GET.get("procedure")
    chooser = ProcedureChoiceForm({"procedure": chosen} if chosen else None, procedures=procedures)
    if not chosen and held is not None and held.procedure_id:
        chooser = ProcedureChoiceForm({"procedure": held.procedure_id}, procedures=procedures)
    procedure = chooser.cleaned_data["procedure"] if chooser.is_valid() else None
    form = None
    if procedure is not None:
        form = RequestForm(
            request.POST if request.method == "POST" else None,
            procedure=procedure,
            postal=held is None,
            initial={"client_key": uuid.uuid4()},
        )
        if request.method == "POST" and form.is_valid():
            try:
                made = services.open_request(
                    acting_user=user,
                    procedure=procedure,
                    ticket=held,
                    client_key=form.cleaned_data["client_key"],
                    **form.service_values(),
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"「{procedure.name}」を受け付けました。")
                return redirect("counter:request_detail", pk=made.pk)
    context = {"ticket": held, "chooser": chooser, "procedure": procedure, "form": form}
    return render(request, "counter/requests/new.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_open_requests, message=OPEN)
def request_edit(request, pk: int):
    """The intake as it stands: checklist, requester, copies and items (受付中・差戻し)."""
    user = request.user
    held = _request_for(user, pk)
    form = RequestForm(
        request.POST if request.method == "POST" else None,
        procedure=held.procedure,
        postal=held.ticket_id is None,
        initial=request_initial(held),
    )
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        try:
            services.record_intake(acting_user=user, request=held, **values)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "受付内容を記録しました。")
            return redirect("counter:request_detail", pk=held.pk)
    elif request.method == "GET":
        shown = selectors.shown_items(user, held)
        fields = [item.name for item in shown if item.value]
        if fields:
            log_view(request, obj=held, fields=fields, reason="窓口の請求・届出 受付内容の修正")
    return render(request, "counter/requests/edit.html", {"held": held, "form": form})


# --- Pages of a request -------------------------------------------------------------------------


@never_cache
@require(selectors.may_view_requests, message="窓口の請求・届出を閲覧する権限がありません。")
def request_list(request):
    """The day's requests (procedure, requester kind, state: no personal items)."""
    day_form = DayForm(request.GET or None)
    day = day_form.chosen_day()
    rows = selectors.day_requests(request.user, day)
    context = {"rows": rows, "day": day, "day_form": day_form}
    return render(request, "counter/requests/list.html", context)


@never_cache
@require(selectors.may_view_requests, message="窓口の請求・届出を閲覧する権限がありません。")
def request_detail(request, pk: int):
    user = request.user
    held = _request_for(user, pk)
    shown = selectors.shown_items(user, held)
    fields = [item.name for item in shown if item.value]
    if fields:
        log_view(request, obj=held, fields=fields, reason="窓口の請求・届出の表示")
    context = {
        "held": held,
        "shown": shown,
        "reviews": selectors.reviews_of(held),
        "missing": selectors.missing_checks(held),
        "issuable": selectors.is_issuable(held),
        "paid": fee_selectors.is_paid(held) if held.procedure.has_fee else None,
        "may_open": selectors.may_open_requests(user),
        "may_issue": selectors.may_issue_requests(user),
        "may_review": selectors.may_review_requests(user),
        "may_take_fees": fee_selectors.may_take_fees(user),
        "may_lend": selectors.may_lend_plates(user),
        "loan": selectors.plate_loan_of(held),
        "withdraw_form": ReasonForm(),
        "open_statuses": selectors.OPEN_STATUSES,
    }
    return render(request, "counter/requests/detail.html", context)


def _move(request, pk: int, act, done: str):
    """Run one move of a request; its refusal comes back as a message on the request page."""
    held = _request_for(request.user, pk)
    try:
        act(held)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    # The desk screen sends its own address: back there, if it is one of ours.
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=False):
        return redirect(back)
    return redirect("counter:request_detail", pk=held.pk)


@require_POST
@require(selectors.may_open_requests, message="審査依頼を行う権限がありません。")
def request_submit(request, pk: int):
    return _move(
        request,
        pk,
        lambda held: services.submit_for_review(acting_user=request.user, request=held),
        "職員に審査を依頼しました。",
    )


@require_POST
@require(selectors.may_issue_requests, message="交付を行う権限がありません。")
def request_issue(request, pk: int):
    return _move(
        request,
        pk,
        lambda held: services.issue_request(acting_user=request.user, request=held),
        "交付しました。",
    )


@require_POST
@require(selectors.may_issue_requests, message="取下げを行う権限がありません。")
def request_withdraw(request, pk: int):
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _move(
        request,
        pk,
        lambda held: services.withdraw_request(
            acting_user=request.user, request=held, reason=reason
        ),
        "取下げました。",
    )


# --- Review -------------------------------------------------------------------------------------


REVIEW = "審査（交付決定）は市の職員だけが行えます。"


@never_cache
@require(selectors.may_review_requests, message=REVIEW)
def review_queue(request):
    """Requests waiting for a staff decision, oldest first (no personal items: they are on
    each request's review page)."""
    rows = selectors.review_queue(request.user)
    return render(request, "counter/requests/reviews.html", {"rows": rows})


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_review_requests, message=REVIEW)
def request_review(request, pk: int):
    user = request.user
    held = _request_for(user, pk)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_request(
                acting_user=user,
                request=held,
                approved=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            label = "承認" if form.cleaned_data["decision"] == "approve" else "差戻し"
            messages.success(request, f"{held.procedure.name}（#{held.pk}）を{label}しました。")
            return redirect("counter:reviews")
    shown = selectors.shown_items(user, held)
    fields = [item.name for item in shown if item.value]
    if fields:  # shown again after a refused decision as well
        log_view(request, obj=held, fields=fields, reason="窓口の請求・届出の審査")
    context = {
        "held": held,
        "shown": shown,
        "form": form,
        "reviews": selectors.reviews_of(held),
        "missing": selectors.missing_checks(held),
        "in_review": held.status == RequestStatus.REVIEW,
        "submitted_at": selectors.submitted_at(held),
        "now": timezone.now(),
        "queue_url": reverse("counter:reviews"),
    }
    return render(request, "counter/requests/review.html", context)
