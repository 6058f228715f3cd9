"""Tickets: numbering per queue and Tokyo day, hours, and the moves of the state machine."""

from __future__ import annotations

import datetime as dt

import pytest

from civicdesk.counter.choices import TicketEventKind, TicketStatus
from civicdesk.counter.models import TicketEvent
from civicdesk.counter.services import tickets
from civicdesk.counter.services.tickets import TicketError
from tests.conftest import TEST_NOW

pytestmark = pytest.mark.django_db


def test_numbers_run_per_queue_and_day_without_gaps(desk, reception):
    numbers = [
        tickets.issue_ticket(acting_user=reception, queue=desk.certificates).number
        for _ in range(3)
    ]
    other = tickets.issue_ticket(acting_user=reception, queue=desk.moves)
    assert numbers == [1, 2, 3]
    assert other.number == 1
    tomorrow = TEST_NOW + dt.timedelta(days=1)
    assert (
        tickets.issue_ticket(acting_user=reception, queue=desk.certificates, at=tomorrow).number
        == 1
    )


def test_no_ticket_outside_counter_hours_and_the_refused_number_is_not_used(desk, reception):
    evening = TEST_NOW.replace(hour=18, minute=0)  # a Wednesday: closes at 17:15
    with pytest.raises(TicketError, match="受付時間外"):
        tickets.issue_ticket(acting_user=reception, queue=desk.certificates, at=evening)
    assert tickets.issue_ticket(acting_user=reception, queue=desk.certificates).number == 1


def test_a_counter_calls_its_first_queue_first_then_the_next(desk, reception, clerk):
    a1 = tickets.issue_ticket(acting_user=reception, queue=desk.certificates)
    b1 = tickets.issue_ticket(acting_user=reception, queue=desk.moves)
    called = tickets.call_next(acting_user=clerk, counter=desk.window2)
    assert called.pk == b1.pk and called.status == TicketStatus.CALLED
    tickets.finish(acting_user=clerk, ticket=called)
    assert tickets.call_next(acting_user=clerk, counter=desk.window2).pk == a1.pk
    tickets.finish(acting_user=clerk, ticket=a1)
    assert tickets.call_next(acting_user=clerk, counter=desk.window2) is None


def test_a_second_call_while_a_ticket_is_called_is_refused(desk, reception, clerk):
    tickets.issue_ticket(acting_user=reception, queue=desk.certificates)
    tickets.issue_ticket(acting_user=reception, queue=desk.certificates)
    tickets.call_next(acting_user=clerk, counter=desk.window1)
    with pytest.raises(TicketError, match="すでに A-001 を呼び出しています"):
        tickets.call_next(acting_user=clerk, counter=desk.window1)


def test_recalls_past_the_limit_make_the_ticket_a_no_show(desk, reception, clerk):
    tickets.issue_ticket(acting_user=reception, queue=desk.certificates)
    ticket = tickets.call_next(acting_user=clerk, counter=desk.window1)
    for _ in range(desk.certificates.recall_limit):
        ticket = tickets.recall(acting_user=clerk, ticket=ticket)
        assert ticket.status == TicketStatus.CALLED
    ticket = tickets.recall(acting_user=clerk, ticket=ticket)
    assert ticket.status == TicketStatus.NO_SHOW
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == ["issued", "called", "recalled", "recalled", "recalled", "no_show"]


def test_review_then_pickup_at_the_cashier_then_done(desk, reception, clerk, cashier, staff):
    tickets.issue_ticket(acting_user=reception, queue=desk.certificates)
    ticket = tickets.call_next(acting_user=clerk, counter=desk.window1)
    tickets.start_service(acting_user=clerk, ticket=ticket)
    tickets.request_review(acting_user=clerk, ticket=ticket)
    # The window is free for the next person while staff review.
    assert tickets.call_next(acting_user=clerk, counter=desk.window1) is None
    tickets.reviewed(acting_user=staff, ticket=ticket, approved=True)
    at_cash = tickets.call_next(acting_user=cashier, counter=desk.cash)
    assert at_cash.pk == ticket.pk and at_cash.counter_id == desk.cash.pk
    done = tickets.finish(acting_user=cashier, ticket=at_cash)
    assert done.status == TicketStatus.DONE
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == [
        TicketEventKind.ISSUED,
        TicketEventKind.CALLED,
        TicketEventKind.STARTED,
        TicketEventKind.REVIEW_REQUESTED,
        TicketEventKind.APPROVED,
        TicketEventKind.PICKUP_CALLED,
        TicketEventKind.DONE,
    ]


def test_a_transferred_ticket_waits_in_the_other_queue_by_its_issue_time(desk, reception, clerk):
    a1 = tickets.issue_ticket(acting_user=reception, queue=desk.certificates)
    b1 = tickets.issue_ticket(acting_user=reception, queue=desk.moves)
    called = tickets.call_next(acting_user=clerk, counter=desk.window1)
    assert called.pk == a1.pk
    tickets.transfer(acting_user=clerk, ticket=called, queue=desk.moves, note="転入も")
    assert tickets.call_next(acting_user=clerk, counter=desk.window2).pk == a1.pk
    tickets.finish(acting_user=clerk, ticket=a1)
    assert tickets.call_next(acting_user=clerk, counter=desk.window2).pk == b1.pk


def test_events_cannot_be_edited(desk, reception):
    ticket = tickets.issue_ticket(acting_user=reception, queue=desk.certificates)
    event = TicketEvent.objects.get(ticket=ticket)
    event.note = "x"
    with pytest.raises(Exception, match="追記のみ"):
        event.save()
