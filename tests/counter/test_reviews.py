"""Staff review (seed 003 §7(2)): only staff decide; 承認 sends the ticket to the cashier,
差戻し (with a reason) back to the clerk; a ticket with several requests moves on its last
decision."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from civicdesk.counter.choices import RequestStatus, TicketEventKind, TicketStatus
from civicdesk.counter.models import Review, TicketEvent
from civicdesk.counter.services import requests
from civicdesk.counter.services.requests import RequestError
from tests.conftest import TEST_NOW
from tests.counter.flow import open_full, serving_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_review(desk, reception, clerk):
    ticket = serving_ticket(desk, reception, clerk)
    request = open_full(clerk, desk.certificate, ticket)
    requests.submit_for_review(acting_user=clerk, request=request)
    return ticket, request


@pytest.mark.parametrize("role", ["clerk", "cashier", "supervisor", "reception"])
def test_nobody_but_staff_may_review_even_calling_the_service_directly(request, in_review, role):
    user = request.getfixturevalue(role)
    ticket, pending = in_review
    with pytest.raises(PermissionDenied, match="市の職員だけ"):
        requests.review_request(acting_user=user, request=pending, approved=True)
    pending.refresh_from_db()
    ticket.refresh_from_db()
    assert pending.status == RequestStatus.REVIEW and ticket.status == TicketStatus.REVIEW
    assert not Review.objects.exists()


def test_approval_sends_the_ticket_to_the_cashier_and_records_when_review_was_asked(
    in_review, staff
):
    ticket, pending = in_review
    asked = TicketEvent.objects.get(ticket=ticket, kind=TicketEventKind.REVIEW_REQUESTED).at
    later = TEST_NOW + dt.timedelta(minutes=7)
    with time_machine.travel(later, tick=False):
        review = requests.review_request(acting_user=staff, request=pending, approved=True)
    pending.refresh_from_db()
    ticket.refresh_from_db()
    assert pending.status == RequestStatus.APPROVED
    assert ticket.status == TicketStatus.PICKUP and ticket.counter is None
    assert (review.decision, review.reviewer_id, review.at) == ("approved", staff.pk, later)
    assert abs((review.requested_at - asked).total_seconds()) < 1


def test_a_return_needs_its_reason_and_sends_the_ticket_back_to_the_clerk(
    in_review, staff, clerk, desk
):
    ticket, pending = in_review
    with pytest.raises(RequestError) as refused:
        requests.review_request(acting_user=staff, request=pending, approved=False, reason="")
    assert refused.value.message_dict["reason"] == ["差戻しの理由を入力してください。"]
    assert not Review.objects.exists()
    review = requests.review_request(
        acting_user=staff, request=pending, approved=False, reason="請求書の続柄欄が未記入"
    )
    pending.refresh_from_db()
    ticket.refresh_from_db()
    assert review.reason == "請求書の続柄欄が未記入"
    assert pending.status == RequestStatus.RETURNED
    assert ticket.status == TicketStatus.SERVING and ticket.counter_id == desk.window1.pk
    # Corrected and sent again: a second decision is recorded, the first kept.
    requests.submit_for_review(acting_user=clerk, request=pending)
    requests.review_request(acting_user=staff, request=pending, approved=True)
    assert list(Review.objects.values_list("decision", flat=True)) == ["returned", "approved"]


def test_a_request_not_in_review_cannot_be_decided(desk, reception, clerk, staff):
    ticket = serving_ticket(desk, reception, clerk)
    request = open_full(clerk, desk.certificate, ticket)
    with pytest.raises(RequestError, match="受付中"):
        requests.review_request(acting_user=staff, request=request, approved=True)


def test_a_ticket_with_two_requests_moves_on_the_last_decision(desk, reception, clerk, staff):
    ticket = serving_ticket(desk, reception, clerk)
    first = open_full(clerk, desk.certificate, ticket)
    second = open_full(clerk, desk.certificate, ticket, quantity=2)
    requests.submit_for_review(acting_user=clerk, request=first)
    requests.submit_for_review(acting_user=clerk, request=second)
    requests.review_request(acting_user=staff, request=first, approved=True)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.REVIEW
    requests.review_request(acting_user=staff, request=second, approved=True)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PICKUP


def test_one_returned_request_of_two_brings_the_ticket_back_to_the_clerk(
    desk, reception, clerk, staff
):
    ticket = serving_ticket(desk, reception, clerk)
    first = open_full(clerk, desk.certificate, ticket)
    second = open_full(clerk, desk.certificate, ticket)
    for each in (first, second):
        requests.submit_for_review(acting_user=clerk, request=each)
    requests.review_request(acting_user=staff, request=first, approved=False, reason="印鑑相違")
    requests.review_request(acting_user=staff, request=second, approved=True)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SERVING
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds[-1] == TicketEventKind.RETURNED


def test_withdrawing_the_last_request_in_review_frees_the_ticket(desk, reception, clerk):
    ticket = serving_ticket(desk, reception, clerk)
    request = open_full(clerk, desk.certificate, ticket)
    requests.submit_for_review(acting_user=clerk, request=request)
    requests.withdraw_request(acting_user=clerk, request=request, reason="本人が取りやめ")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SERVING


def test_a_postal_request_is_reviewed_without_a_ticket(desk, clerk, staff):
    request = open_full(clerk, desk.certificate, None, requester_kind="postal")
    requests.submit_for_review(acting_user=clerk, request=request)
    requests.review_request(acting_user=staff, request=request, approved=True)
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
