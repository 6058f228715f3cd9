"""Tickets: numbering per queue and Tokyo day, hours, and the moves of the state machine."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from civicdesk.counter.choices import TicketEventKind, TicketStatus
from civicdesk.counter.models import Queue, Ticket, TicketEvent
from civicdesk.counter.services import tickets
from civicdesk.counter.services.tickets import TicketError
from tests.conftest import TEST_NOW
from tests.factories import MunicipalityFactory

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


# --- Reception's client key, refusals, and moves the state does not allow ----------------------


def test_a_resent_client_key_returns_the_first_ticket_without_using_a_number(desk, reception):
    key = uuid.uuid4()
    first = tickets.issue_ticket(acting_user=reception, queue=desk.certificates, client_key=key)
    again = tickets.issue_ticket(acting_user=reception, queue=desk.certificates, client_key=key)
    assert again.pk == first.pk
    assert tickets.issue_ticket(acting_user=reception, queue=desk.certificates).number == 2
    assert TicketEvent.objects.filter(kind=TicketEventKind.ISSUED).count() == 2


def test_a_resent_key_returns_its_ticket_even_after_closing(desk, reception):
    key = uuid.uuid4()
    first = tickets.issue_ticket(acting_user=reception, queue=desk.certificates, client_key=key)
    evening = TEST_NOW.replace(hour=18)
    again = tickets.issue_ticket(
        acting_user=reception, queue=desk.certificates, client_key=key, at=evening
    )
    assert again.pk == first.pk


def test_another_municipalitys_key_is_refused(desk, reception):
    other = MunicipalityFactory(code="012025", name="他市")
    queue = Queue.objects.create(municipality=other, code="A", name="証明書")
    key = uuid.uuid4()
    tickets.issue_ticket(acting_user=None, queue=queue, check_hours=False, client_key=key)
    with pytest.raises(TicketError, match="送信キーが正しくありません"):
        tickets.issue_ticket(acting_user=reception, queue=desk.certificates, client_key=key)


def test_the_last_number_of_the_range_then_a_refusal_that_leaves_no_gap(desk, reception):
    small = Queue.objects.create(
        municipality=desk.certificates.municipality, code="C", name="小", number_to=2
    )
    assert [tickets.issue_ticket(acting_user=reception, queue=small).label for _ in range(2)] == [
        "C-1",
        "C-2",
    ]
    with pytest.raises(TicketError, match="（C-1〜C-2）はすべて発券しました"):
        tickets.issue_ticket(acting_user=reception, queue=small)
    assert list(Ticket.objects.filter(queue=small).values_list("number", flat=True)) == [1, 2]


def test_a_closed_queue_or_a_procedure_of_another_queue_is_refused(desk, reception):
    with pytest.raises(TicketError, match="「転入届」は「証明書」の手続ではありません"):
        tickets.issue_ticket(acting_user=reception, queue=desk.certificates, procedure=desk.move)
    desk.moves.active = False
    desk.moves.save()
    with pytest.raises(TicketError, match="「住民異動」は現在受付を停止しています"):
        tickets.issue_ticket(acting_user=reception, queue=desk.moves)
    assert not Ticket.objects.exists()


def test_a_ticket_issued_before_closing_is_still_called_after_it(desk, reception, clerk):
    ticket = tickets.issue_ticket(
        acting_user=reception, queue=desk.certificates, at=TEST_NOW.replace(hour=17, minute=10)
    )
    late = TEST_NOW.replace(hour=17, minute=40)
    called = tickets.call_next(acting_user=clerk, counter=desk.window1, at=late)
    assert called.pk == ticket.pk
    assert tickets.finish(acting_user=clerk, ticket=called, at=late).status == TicketStatus.DONE


def test_moves_the_state_does_not_allow_are_refused_and_change_nothing(desk, reception, clerk):
    ticket = tickets.issue_ticket(acting_user=reception, queue=desk.certificates)
    with pytest.raises(TicketError, match="A-001 は「お待ち」のため不在できません"):
        tickets.mark_no_show(acting_user=clerk, ticket=ticket)
    with pytest.raises(TicketError, match="再呼出できません"):
        tickets.recall(acting_user=clerk, ticket=ticket)
    with pytest.raises(TicketError, match="転送できません"):
        tickets.transfer(acting_user=clerk, ticket=ticket, queue=desk.moves)
    assert TicketEvent.objects.filter(ticket=ticket).count() == 1


def test_transfer_to_its_own_queue_or_another_municipalitys_is_refused(desk, reception, clerk):
    tickets.issue_ticket(acting_user=reception, queue=desk.certificates)
    ticket = tickets.call_next(acting_user=clerk, counter=desk.window1)
    with pytest.raises(TicketError, match="すでに「証明書」で待っています"):
        tickets.transfer(acting_user=clerk, ticket=ticket, queue=desk.certificates)
    other = MunicipalityFactory(code="012025", name="他市")
    foreign = Queue.objects.create(municipality=other, code="B", name="他市の住民異動")
    with pytest.raises(TicketError, match="転送先の待ち行列が見つかりません"):
        tickets.transfer(acting_user=clerk, ticket=ticket, queue=foreign)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CALLED


def test_resuming_at_a_busy_counter_is_refused(desk, reception, clerk):
    for _ in range(2):
        tickets.issue_ticket(acting_user=reception, queue=desk.certificates)
    first = tickets.call_next(acting_user=clerk, counter=desk.window1)
    tickets.park(acting_user=clerk, ticket=first, note="書類待ち")
    second = tickets.call_next(acting_user=clerk, counter=desk.window1)
    with pytest.raises(TicketError, match="すでに A-002 を呼び出しています"):
        tickets.resume(acting_user=clerk, ticket=first)
    tickets.finish(acting_user=clerk, ticket=second)
    assert tickets.resume(acting_user=clerk, ticket=first).status == TicketStatus.SERVING


def test_the_cashier_recalls_and_marks_a_no_show_after_the_limit(desk, reception, clerk, cashier):
    tickets.issue_ticket(acting_user=reception, queue=desk.certificates)
    ticket = tickets.call_next(acting_user=clerk, counter=desk.window1)
    tickets.send_to_pickup(acting_user=clerk, ticket=ticket)
    ticket = tickets.call_next(acting_user=cashier, counter=desk.cash)
    for _ in range(desk.certificates.recall_limit):
        ticket = tickets.recall(acting_user=cashier, ticket=ticket)
    assert tickets.recall(acting_user=cashier, ticket=ticket).status == TicketStatus.NO_SHOW
    assert tickets.call_next(acting_user=cashier, counter=desk.cash) is None
