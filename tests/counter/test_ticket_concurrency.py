"""Tickets under real concurrency (PostgreSQL): numbers without gaps or duplicates, one ticket
per resent form, no ticket called by two counters, and a racing second 次の方 refused.

Threads share nothing but the database; each uses its own connection (closed at the end).
SQLite serialises write transactions (BEGIN IMMEDIATE), so these run in the PostgreSQL pass.
"""

from __future__ import annotations

import uuid
from collections import Counter as Tally

import pytest

from civicdesk.counter.choices import TicketEventKind, TicketStatus
from civicdesk.counter.models import Ticket, TicketEvent, TicketSequence
from civicdesk.counter.services import tickets
from civicdesk.counter.services.tickets import TicketError
from tests.concurrency import run_threads
from tests.counter.factories import CounterFactory

pytestmark = [
    pytest.mark.postgres_only(reason="row locks and SKIP LOCKED between concurrent transactions"),
    pytest.mark.django_db(transaction=True),
]

ISSUERS = 20
PER_ISSUER = 25


def test_twenty_issuers_number_a_queue_without_gaps_or_duplicates(desk, reception):
    def issue(n):
        queue = desk.certificates if n % 4 else desk.moves
        return [
            tickets.issue_ticket(acting_user=reception, queue=queue).pk for _ in range(PER_ISSUER)
        ]

    _, errors = run_threads(ISSUERS, issue)
    assert errors == []
    for queue in (desk.certificates, desk.moves):
        numbers = sorted(Ticket.objects.filter(queue=queue).values_list("number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1))
        assert TicketSequence.objects.get(queue=queue).last_number == len(numbers)
    assert Ticket.objects.count() == ISSUERS * PER_ISSUER


def test_one_form_sent_eight_times_at_once_makes_one_ticket_and_no_gap(desk, reception):
    key = uuid.uuid4()

    def send(_):
        return tickets.issue_ticket(
            acting_user=reception, queue=desk.certificates, client_key=key
        ).pk

    made, errors = run_threads(8, send)
    assert errors == []
    assert len(set(made)) == 1 and Ticket.objects.count() == 1
    assert tickets.issue_ticket(acting_user=reception, queue=desk.certificates).number == 2


def test_counters_calling_from_shared_queues_never_call_a_ticket_twice(
    municipality, desk, reception, clerk
):
    for n in range(300):
        tickets.issue_ticket(
            acting_user=reception, queue=desk.moves if n % 3 else desk.certificates
        )
    windows = [desk.window1, desk.window2] + [
        CounterFactory(
            municipality=municipality,
            code=str(10 + n),
            serves=[desk.certificates, desk.moves] if n % 2 else [desk.moves, desk.certificates],
        )
        for n in range(8)
    ]

    def work(n):
        called = []
        while (ticket := tickets.call_next(acting_user=clerk, counter=windows[n])) is not None:
            called.append(ticket.pk)
            tickets.finish(acting_user=clerk, ticket=ticket)
        return called

    results, errors = run_threads(len(windows), work)
    assert errors == []
    called = [pk for result in results for pk in result]
    assert [pk for pk, n in Tally(called).items() if n > 1] == []
    assert len(called) == 300
    per_ticket = Tally(
        TicketEvent.objects.filter(kind=TicketEventKind.CALLED).values_list("ticket_id", flat=True)
    )
    assert set(per_ticket.values()) == {1}
    assert not Ticket.objects.exclude(status=TicketStatus.DONE).exists()


def test_a_racing_second_next_at_one_counter_is_refused(desk, reception, clerk):
    for _ in range(5):
        tickets.issue_ticket(acting_user=reception, queue=desk.certificates)

    results, errors = run_threads(
        6, lambda _: tickets.call_next(acting_user=clerk, counter=desk.window1).label
    )
    assert results == ["A-001"]
    assert len(errors) == 5 and all(isinstance(e, TicketError) for e in errors)
    assert all("すでに A-001 を呼び出しています" in e.messages[0] for e in errors)
    assert TicketEvent.objects.filter(kind=TicketEventKind.CALLED).count() == 1
    assert Ticket.objects.filter(status=TicketStatus.WAITING).count() == 4
