"""Fees: the dated schedule, receipt numbers per day without gaps, exemptions, reversals, the
closed day, and the cashier settling a ticket. Every refusal leaves the database as it was."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections

from civicdesk.counter.choices import RequestStatus, TicketStatus
from civicdesk.counter.models import FeeEntry, PaperMovement, ReceiptSequence
from civicdesk.counter.services import day_close, fees
from civicdesk.counter.services.fees import FeeError
from tests.conftest import TEST_NOW
from tests.counter.factories import FeeFactory
from tests.counter.flow import approved, at_cashier, open_full, serving_ticket

pytestmark = pytest.mark.django_db
DAY = TEST_NOW.date()


def _take(cashier, desk, **overrides):
    values = {"procedure": desk.certificate, "quantity": 1, "payment_kind": "cash"}
    values.update(overrides)
    return fees.take_fee(acting_user=cashier, **values)


def test_the_fee_is_the_row_in_force_on_the_day(desk):
    FeeFactory(procedure=desk.certificate, valid_from=dt.date(2026, 7, 1), unit_fee=350)
    assert fees.fee_for(desk.certificate, dt.date(2026, 6, 30), "self").unit_fee == 300
    assert fees.fee_for(desk.certificate, dt.date(2026, 7, 1), "self").unit_fee == 350


def test_no_fee_for_the_date_is_a_clear_error_and_nothing_is_taken(desk, cashier):
    with pytest.raises(FeeError, match="平成11年5月1日時点の手数料が登録されていません"):
        fees.fee_for(desk.certificate, dt.date(1999, 5, 1), "self")
    desk.fee.delete()
    with pytest.raises(FeeError, match="手数料が登録されていません"):
        _take(cashier, desk)
    assert not FeeEntry.objects.exists()


def test_receipt_numbers_run_per_day_without_gaps_and_a_refusal_uses_none(desk, cashier):
    first = _take(cashier, desk)
    with pytest.raises(FeeError):
        _take(cashier, desk, quantity=0)
    second = _take(cashier, desk, quantity=2)
    assert [first.receipt_no, second.receipt_no] == ["20260610-0001", "20260610-0002"]
    assert (second.unit_fee, second.amount) == (300, 600)
    with time_machine.travel(TEST_NOW + dt.timedelta(days=1)):
        assert _take(cashier, desk).receipt_no == "20260611-0001"


@pytest.mark.parametrize("quantity", [0, -3, 100, None])
def test_a_quantity_outside_1_to_99_is_refused(desk, cashier, quantity):
    with pytest.raises(FeeError) as refused:
        _take(cashier, desk, quantity=quantity)
    assert refused.value.message_dict["quantity"] == ["通数は1〜99の整数で入力してください。"]
    assert not FeeEntry.objects.exists()


def test_official_is_exempt_with_its_office_and_refused_without(desk, cashier):
    with pytest.raises(FeeError) as refused:
        _take(cashier, desk, requester_kind="official", quantity=2)
    assert "請求機関" in refused.value.message_dict["requesting_office"][0]
    assert not FeeEntry.objects.exists()
    entry = _take(
        cashier, desk, requester_kind="official", requesting_office="一関税務署", quantity=2
    )
    assert (entry.payment_kind, entry.amount, entry.unit_fee) == ("exempt", 0, 300)


def test_the_exempt_payment_kind_is_refused_to_a_requester_the_schedule_charges(desk, cashier):
    with pytest.raises(FeeError) as refused:
        _take(cashier, desk, payment_kind="exempt")
    assert "免除対象ではありません" in refused.value.message_dict["payment_kind"][0]


def test_a_reversal_needs_a_reason_and_cancels_once(desk, cashier):
    entry = _take(cashier, desk, quantity=2, payment_kind="postal_order")
    with pytest.raises(FeeError) as refused:
        fees.reverse_fee(acting_user=cashier, entry=entry, reason="  ")
    assert refused.value.message_dict["reason"] == ["取消の理由を入力してください。"]
    reversal = fees.reverse_fee(acting_user=cashier, entry=entry, reason="通数の誤り")
    assert (reversal.kind, reversal.quantity, reversal.amount, reversal.payment_kind) == (
        "reversal",
        -2,
        -600,
        "postal_order",
    )
    assert reversal.receipt_no == "20260610-0002" and reversal.reverses_id == entry.pk
    with pytest.raises(FeeError, match="取消済み"):
        fees.reverse_fee(acting_user=cashier, entry=entry, reason="二度目")
    with pytest.raises(FeeError, match="取消の記録は取消できません"):
        fees.reverse_fee(acting_user=cashier, entry=reversal, reason="戻す")
    assert FeeEntry.objects.count() == 2


def test_no_fee_of_a_closed_day_can_be_taken_or_reversed(desk, cashier):
    entry = _take(cashier, desk)
    day_close.close_day(acting_user=cashier, day=DAY, denominations={"100": 3})
    with pytest.raises(FeeError, match="精算（日計）は済んでいます"):
        _take(cashier, desk)
    with pytest.raises(FeeError, match="精算（日計）は済んでいます"):
        fees.reverse_fee(acting_user=cashier, entry=entry, reason="誤り")
    assert FeeEntry.objects.count() == 1
    # The refused fee took no number: the day's sequence still ends at the one entry.
    assert ReceiptSequence.objects.get(day=DAY).last_number == 1


def test_an_entry_of_a_closed_day_is_not_reversed_on_the_next_day_either(desk, cashier):
    entry = _take(cashier, desk)
    day_close.close_day(acting_user=cashier, day=DAY, denominations={"100": 3})
    with (
        time_machine.travel(TEST_NOW + dt.timedelta(days=1)),
        pytest.raises(FeeError, match="令和8年6月10日の精算"),
    ):
        fees.reverse_fee(acting_user=cashier, entry=entry, reason="誤り")


@pytest.mark.parametrize("role", ["clerk", "reception", "staff"])
def test_only_the_cashier_roles_take_fees(request, desk, role):
    with pytest.raises(PermissionDenied):
        _take(request.getfixturevalue(role), desk)


def test_a_request_not_yet_approved_is_not_charged(desk, reception, clerk, cashier):
    ticket = serving_ticket(desk, reception, clerk)
    request = open_full(clerk, desk.certificate, ticket)
    with pytest.raises(ValidationError, match="承認されるまで"):
        fees.take_fee(acting_user=cashier, request=request, payment_kind="cash")
    assert not FeeEntry.objects.exists()


def test_a_request_is_charged_once(desk, reception, clerk, staff, cashier):
    _ticket, request = approved(desk, reception, clerk, staff, quantity=2)
    entry = fees.take_fee(acting_user=cashier, request=request, payment_kind="cash")
    assert (entry.quantity, entry.amount, entry.ticket_id) == (2, 600, request.ticket_id)
    with pytest.raises(FeeError, match="収納済み"):
        fees.take_fee(acting_user=cashier, request=request, payment_kind="cash")
    assert FeeEntry.objects.count() == 1


def test_settling_a_ticket_takes_each_fee_issues_each_request_and_finishes_the_ticket(
    desk, reception, clerk, staff, cashier
):
    ticket, request = at_cashier(desk, reception, clerk, staff, cashier, quantity=2)
    key = uuid.uuid4()
    [entry] = fees.settle_requests(
        acting_user=cashier, requests=[request], payment_kind="cash", ticket=ticket, client_key=key
    )
    request.refresh_from_db()
    ticket.refresh_from_db()
    assert (entry.amount, entry.receipt_no) == (600, "20260610-0001")
    assert request.status == RequestStatus.ISSUED and ticket.status == TicketStatus.DONE
    assert PaperMovement.objects.get(request=request).sheets == -2
    again = fees.settle_requests(
        acting_user=cashier, requests=[request], payment_kind="cash", ticket=ticket, client_key=key
    )
    assert [e.pk for e in again] == [entry.pk] and FeeEntry.objects.count() == 1


def test_a_settle_that_fails_half_way_leaves_nothing(desk, reception, clerk, staff, cashier):
    ticket, request = at_cashier(desk, reception, clerk, staff, cashier)
    day_close.close_day(acting_user=cashier, day=DAY, denominations={})
    with pytest.raises(FeeError):
        fees.settle_requests(
            acting_user=cashier, requests=[request], payment_kind="cash", ticket=ticket
        )
    request.refresh_from_db()
    ticket.refresh_from_db()
    assert request.status == RequestStatus.APPROVED and ticket.status == TicketStatus.PICKUP
    assert not FeeEntry.objects.exists() and not PaperMovement.objects.exists()


@pytest.mark.postgres_only(reason="SQLite has one writer")
@pytest.mark.django_db(transaction=True)
def test_concurrent_cashiers_get_distinct_receipt_numbers_without_gaps(desk, cashier):
    errors = []

    def take(n):
        try:
            for _ in range(n):
                _take(cashier, desk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(10,)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    numbers = sorted(
        int(no.split("-")[1]) for no in FeeEntry.objects.values_list("receipt_no", flat=True)
    )
    assert numbers == list(range(1, 61))
