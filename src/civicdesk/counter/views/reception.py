"""Reception (窓口受付): a procedure or a queue is one tap, the ticket is shown large with a
printable 80 mm slip. Tickets hold no personal data, so nothing here is access-logged."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from civicdesk.core.calendar import TOKYO
from civicdesk.core.http import refuse_unless, require
from civicdesk.core.pdf import render_pdf
from civicdesk.counter.forms.tickets import IssueForm
from civicdesk.counter.selectors import tickets as selectors
from civicdesk.counter.services import tickets as services

SLIP_TEMPLATE = "print/counter_ticket_slip.html"
DENIED = "番号札を発券する権限がありません。"


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_open_reception, message=DENIED)
def reception(request):
    """GET: the buttons; POST: issue a ticket (then its page: a reload does not issue again)."""
    user = request.user
    form = _issue_form(user, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        refuse_unless(user, selectors.may_issue_tickets, message=DENIED)
        if form.is_valid():
            try:
                ticket = services.issue_ticket(
                    acting_user=user,
                    queue=form.cleaned_data["queue"],
                    procedure=form.cleaned_data["procedure"],
                    client_key=form.cleaned_data["client_key"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                return redirect("counter:reception_ticket", pk=ticket.pk)
    return render(request, "counter/reception/page.html", _context(user, form))


def _issue_form(user, data) -> IssueForm:
    return IssueForm(
        data,
        procedures=selectors.procedures_for(user),
        queues=selectors.queues_for(user),
    )


def _context(user, form: IssueForm) -> dict:
    now = timezone.now()
    municipality = selectors.municipality_for(user)
    return {
        "form": form,
        "menu": selectors.procedure_menu(user),
        "waiting": selectors.waiting_counts(getattr(municipality, "pk", None), _day(now)),
        "hours": selectors.counter_hours(municipality, now),
        "may_issue": selectors.may_issue_tickets(user),
    }


def _day(moment):
    return moment.astimezone(TOKYO).date()


@never_cache
@require_GET
@require(selectors.may_open_reception, message=DENIED)
def reception_ticket(request, pk: int):
    """The ticket just issued, large, with its slip and the way back to the buttons."""
    ticket = get_object_or_404(selectors.tickets_for(request.user), pk=pk)
    context = {"ticket": ticket, "ahead": selectors.waiting_ahead(ticket)}
    return render(request, "counter/reception/ticket.html", context)


@never_cache
@require_GET
@require(selectors.may_open_reception, message=DENIED)
def ticket_slip(request, pk: int):
    """The 80 mm slip as PDF: the queue, the number, the time and how many wait ahead."""
    ticket = get_object_or_404(selectors.tickets_for(request.user), pk=pk)
    context = {
        "ticket": ticket,
        "ahead": selectors.waiting_ahead(ticket),
        "municipality": selectors.municipality_for(request.user),
    }
    response = HttpResponse(render_pdf(SLIP_TEMPLATE, context), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ticket-{ticket.label}.pdf"'
    return response
