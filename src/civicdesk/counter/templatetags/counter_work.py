"""``{% ticket_work ticket %}``: what the desk screen shows of a ticket's requests: each with
its procedure, copies and state (no personal items, so nothing to log on every refresh), a
link to open a request for the ticket, 審査依頼 for the requests ready for it, and at a cash
counter the link to the fee form."""

from django import template

from civicdesk.counter.choices import CounterKind, RequestStatus, TicketStatus
from civicdesk.counter.selectors import fees as fee_selectors
from civicdesk.counter.selectors import requests as selectors

register = template.Library()

AT_COUNTER = {TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.PARKED}


@register.inclusion_tag("counter/desk/_work.html", takes_context=True)
def ticket_work(context, ticket):
    user = context.get("user")
    request = context.get("request")
    if ticket is None or not selectors.may_view_requests(user):
        return {"ticket": ticket, "user": user, "requests": [], "visible": False}
    rows = selectors.ticket_requests(ticket)
    at_cash = ticket.counter_id is not None and ticket.counter.kind == CounterKind.CASHIER
    return {
        "ticket": ticket,
        "user": user,
        "visible": True,
        "requests": rows,
        "may_open": selectors.may_open_requests(user) and ticket.status in AT_COUNTER,
        "to_submit": [
            row
            for row in rows
            if row.status in selectors.OPEN_STATUSES and row.procedure.requires_review
        ]
        if selectors.may_open_requests(user)
        else [],
        "in_review": sum(1 for row in rows if row.status == RequestStatus.REVIEW),
        "fee_form": at_cash
        and ticket.status == TicketStatus.PICKUP
        and fee_selectors.may_take_fees(user),
        "back": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }
