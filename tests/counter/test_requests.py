"""Requests: intake at the counter (or by post), the field policy's minimum, the checklist, and
issue only when allowed. Every refusal leaves the database as it was."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied

from civicdesk.audit.models import AccessLogEntry
from civicdesk.counter.choices import RequestStatus, TicketStatus
from civicdesk.counter.models import PaperMovement, Request
from civicdesk.counter.services import fees, requests, tickets
from civicdesk.counter.services.requests import RequestError
from tests.counter.flow import NAME, approved, open_full, serving_ticket

pytestmark = pytest.mark.django_db


def _logged(request, action):
    return list(
        AccessLogEntry.objects.filter(
            object_type="counter.request", object_id=str(request.pk), action=action
        ).order_by("seq")
    )


def test_a_request_for_the_called_ticket_starts_its_service_and_logs_the_items_written(
    desk, reception, clerk
):
    tickets.issue_ticket(acting_user=reception, queue=desk.certificates)
    called = tickets.call_next(acting_user=clerk, counter=desk.window1)
    request = open_full(clerk, desk.certificate, called, quantity=2)
    called.refresh_from_db()
    assert called.status == TicketStatus.SERVING
    assert request.status == RequestStatus.INTAKE
    assert (request.quantity, request.requester_name, request.day.isoformat()) == (
        2,
        NAME,
        "2026-06-10",
    )
    [entry] = _logged(request, "create")
    assert entry.fields == ["requester_name"] and entry.actor_id == clerk.pk


@pytest.mark.parametrize("quantity", [0, -1, 100, "3"])
def test_a_quantity_outside_1_to_99_is_refused_and_nothing_is_saved(
    desk, reception, clerk, quantity
):
    ticket = serving_ticket(desk, reception, clerk)
    with pytest.raises(RequestError) as refused:
        open_full(clerk, desk.certificate, ticket, quantity=quantity)
    assert refused.value.message_dict["quantity"] == ["通数は1〜99の整数で入力してください。"]
    assert not Request.objects.exists()


def test_official_without_the_requesting_office_is_refused(desk, reception, clerk):
    ticket = serving_ticket(desk, reception, clerk)
    with pytest.raises(RequestError) as refused:
        open_full(clerk, desk.certificate, ticket, requester_kind="official")
    assert "請求機関" in refused.value.message_dict["requesting_office"][0]
    assert not Request.objects.exists()
    request = open_full(
        clerk, desk.certificate, ticket, requester_kind="official", requesting_office="一関税務署"
    )
    assert request.requesting_office == "一関税務署"


def test_a_personal_item_the_procedure_does_not_record_is_refused(desk, reception, clerk):
    ticket = serving_ticket(desk, reception, clerk, queue=desk.moves, counter=desk.window2)
    with pytest.raises(RequestError) as refused:
        open_full(
            clerk, desk.move, ticket, items={"requester_name": NAME, "mailing_address": "一関市1"}
        )
    assert "送付先住所" in refused.value.message_dict["items"][0]
    assert not Request.objects.exists()
    assert not AccessLogEntry.objects.filter(object_type="counter.request").exists()


def test_a_requester_kind_the_procedure_does_not_take_is_refused(desk, reception, clerk):
    ticket = serving_ticket(desk, reception, clerk, queue=desk.moves, counter=desk.window2)
    with pytest.raises(RequestError) as refused:
        open_full(clerk, desk.move, ticket, requester_kind="third_party")
    assert "第三者の請求を受け付けません" in refused.value.message_dict["requester_kind"][0]


def test_without_a_ticket_only_postal_and_official_requests_are_taken(desk, clerk):
    desk.certificate.data_items = ["requester_name", "mailing_address"]
    desk.certificate.save()
    with pytest.raises(RequestError, match="郵送"):
        open_full(clerk, desk.certificate, None, requester_kind="self")
    postal = open_full(
        clerk,
        desk.certificate,
        None,
        requester_kind="postal",
        items={"requester_name": NAME, "mailing_address": "岩手県一関市竹山町7-2"},
    )
    assert postal.ticket is None and postal.mailing_address == "岩手県一関市竹山町7-2"
    [entry] = _logged(postal, "create")
    assert entry.fields == ["mailing_address", "requester_name"]


def test_reception_may_not_take_requests(desk, reception, clerk):
    ticket = serving_ticket(desk, reception, clerk)
    with pytest.raises(PermissionDenied):
        open_full(reception, desk.certificate, ticket)
    assert not Request.objects.exists()


def test_a_ticket_still_waiting_cannot_take_a_request(desk, reception, clerk):
    waiting = tickets.issue_ticket(acting_user=reception, queue=desk.certificates)
    with pytest.raises(RequestError, match="お待ち"):
        open_full(clerk, desk.certificate, waiting)


def test_a_resent_form_returns_the_first_request(desk, reception, clerk):
    ticket = serving_ticket(desk, reception, clerk)
    key = uuid.uuid4()
    first = open_full(clerk, desk.certificate, ticket, client_key=key)
    again = open_full(clerk, desk.certificate, ticket, client_key=key)
    assert first.pk == again.pk and Request.objects.count() == 1


def test_recording_the_intake_logs_only_the_personal_items_that_changed(desk, reception, clerk):
    desk.certificate.data_items = ["requester_name", "subject_name"]
    desk.certificate.save()
    ticket = serving_ticket(desk, reception, clerk)
    request = open_full(clerk, desk.certificate, ticket, checks=[])
    requests.record_intake(
        acting_user=clerk,
        request=request,
        requester_kind="self",
        quantity=3,
        checks=desk.certificate.checklist[:2],
        items={"requester_name": NAME, "subject_name": "窓口太郎"},
    )
    request.refresh_from_db()
    assert request.quantity == 3 and request.checks == desk.certificate.checklist[:2]
    assert request.subject_name == "窓口太郎"
    change = _logged(request, "change")[-1]
    assert change.fields == ["subject_name"]


def test_a_procedure_without_review_is_issued_once_its_checklist_is_done(desk, reception, clerk):
    desk.move.requires_review = False
    desk.move.save()
    ticket = serving_ticket(desk, reception, clerk, queue=desk.moves, counter=desk.window2)
    request = open_full(clerk, desk.move, ticket, checks=desk.move.checklist[:3])
    with pytest.raises(RequestError) as refused:
        requests.issue_request(acting_user=clerk, request=request)
    assert "エ 必要書類等を確認した" in refused.value.message_dict["checks"][0]
    request.refresh_from_db()
    assert request.status == RequestStatus.INTAKE
    requests.record_intake(
        acting_user=clerk,
        request=request,
        requester_kind="self",
        quantity=1,
        checks=desk.move.checklist,
        items={"requester_name": NAME},
    )
    issued = requests.issue_request(acting_user=clerk, request=request)
    assert issued.status == RequestStatus.ISSUED and issued.issued_at is not None


def test_issuing_before_approval_is_refused_when_the_procedure_needs_review(desk, reception, clerk):
    ticket = serving_ticket(desk, reception, clerk)
    request = open_full(clerk, desk.certificate, ticket)
    with pytest.raises(RequestError, match="承認されるまで交付できません"):
        requests.issue_request(acting_user=clerk, request=request)
    requests.submit_for_review(acting_user=clerk, request=request)
    with pytest.raises(RequestError, match="承認されるまで交付できません"):
        requests.issue_request(acting_user=clerk, request=request)
    request.refresh_from_db()
    assert request.status == RequestStatus.REVIEW
    assert not PaperMovement.objects.exists()


@pytest.mark.parametrize(("kind", "message"), [("agent", "代理権限"), ("third_party", "疎明資料")])
def test_an_agent_or_third_party_goes_to_review_only_after_the_authority_check(
    desk, reception, clerk, kind, message
):
    ticket = serving_ticket(desk, reception, clerk)
    request = open_full(clerk, desk.certificate, ticket, requester_kind=kind)
    with pytest.raises(RequestError) as refused:
        requests.submit_for_review(acting_user=clerk, request=request)
    assert message in refused.value.message_dict["authority_checked"][0]
    request.refresh_from_db()
    assert request.status == RequestStatus.INTAKE
    checked = open_full(
        clerk, desk.certificate, ticket, requester_kind=kind, authority_checked=True
    )
    assert requests.submit_for_review(acting_user=clerk, request=checked).status == "review"


def test_the_authority_flag_is_not_kept_for_a_person_asking_for_themselves(desk, reception, clerk):
    ticket = serving_ticket(desk, reception, clerk)
    request = open_full(clerk, desk.certificate, ticket, authority_checked=True)
    assert request.authority_checked is False


def test_withdrawal_needs_a_reason_and_a_paid_request_is_reversed_first(
    desk, reception, clerk, staff, cashier
):
    _ticket, request = approved(desk, reception, clerk, staff)
    with pytest.raises(RequestError) as refused:
        requests.withdraw_request(acting_user=clerk, request=request, reason=" ")
    assert refused.value.message_dict["reason"] == ["取下げの理由を入力してください。"]
    entry = fees.take_fee(acting_user=cashier, request=request, payment_kind="cash")
    with pytest.raises(RequestError, match="収納を取消してから"):
        requests.withdraw_request(acting_user=clerk, request=request, reason="本人の申出")
    fees.reverse_fee(acting_user=cashier, entry=entry, reason="取下げのため")
    withdrawn = requests.withdraw_request(acting_user=clerk, request=request, reason="本人の申出")
    assert withdrawn.status == RequestStatus.WITHDRAWN


def test_issuing_a_certificate_uses_one_sheet_of_paper_per_copy(
    desk, reception, clerk, staff, cashier
):
    _ticket, request = approved(desk, reception, clerk, staff, quantity=3)
    fees.take_fee(acting_user=cashier, request=request, payment_kind="cash")
    with pytest.raises(PermissionDenied):
        requests.issue_request(acting_user=reception, request=request)
    requests.issue_request(acting_user=cashier, request=request)
    [used] = PaperMovement.objects.filter(request=request)
    assert (used.kind, used.sheets) == ("used", -3)


def test_a_fee_procedure_is_not_issued_before_its_fee_is_taken(desk, reception, clerk, staff):
    _ticket, request = approved(desk, reception, clerk, staff)
    with pytest.raises(RequestError, match="手数料を収納していません"):
        requests.issue_request(acting_user=clerk, request=request)
