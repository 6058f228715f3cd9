"""Steps of a counter visit for the request, fee and day-close tests: a ticket at a window, a
request taken with its checklist done, approved by staff, and called at the cashier. Each
step goes through the real services (tickets, requests)."""

from __future__ import annotations

from civicdesk.counter.models import Procedure, Request, Ticket
from civicdesk.counter.services import requests, tickets

NAME = "窓口花子"


def serving_ticket(desk, reception, clerk, *, queue=None, counter=None) -> Ticket:
    """A ticket called to a window whose holder has come (対応中)."""
    tickets.issue_ticket(acting_user=reception, queue=queue or desk.certificates)
    called = tickets.call_next(acting_user=clerk, counter=counter or desk.window1)
    return tickets.start_service(acting_user=clerk, ticket=called)


def open_full(clerk, procedure: Procedure, ticket: Ticket | None = None, **overrides) -> Request:
    """A request with every checklist item ticked and the procedure's first personal item."""
    values = {
        "requester_kind": "self",
        "quantity": 1,
        "checks": list(procedure.checklist),
        "items": {"requester_name": NAME} if "requester_name" in procedure.data_items else {},
    }
    values.update(overrides)
    return requests.open_request(acting_user=clerk, procedure=procedure, ticket=ticket, **values)


def approved(desk, reception, clerk, staff, **overrides) -> tuple[Ticket, Request]:
    """A certificate request reviewed and approved: its ticket waits for the cashier."""
    ticket = serving_ticket(desk, reception, clerk)
    request = open_full(clerk, desk.certificate, ticket, **overrides)
    requests.submit_for_review(acting_user=clerk, request=request)
    requests.review_request(acting_user=staff, request=request, approved=True)
    request.refresh_from_db()
    ticket.refresh_from_db()
    return ticket, request


def at_cashier(desk, reception, clerk, staff, cashier, **overrides) -> tuple[Ticket, Request]:
    """An approved request whose ticket the cashier has called (会計呼出)."""
    ticket, request = approved(desk, reception, clerk, staff, **overrides)
    called = tickets.call_next(acting_user=cashier, counter=desk.cash)
    assert called.pk == ticket.pk
    return called, request
