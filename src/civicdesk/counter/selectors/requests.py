"""Reads of requests (交付請求・届出・申請), reviews and the temporary-plate ledger: who may
see and do what, the requests of a ticket and of a day, the staff's review queue, what an
intake still lacks, and the personal items a user may see of a request.

Requests hold personal items (the procedure's ``data_items``): only the roles of the field
policy's ``counter_readers`` see them (reception never does); the pages that show them log it.
Only the user's own municipality's rows are ever returned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from civicdesk.core.models import Municipality
from civicdesk.counter.choices import RequesterKind, RequestStatus, TicketStatus
from civicdesk.counter.models import (
    PlateLoan,
    Procedure,
    Request,
    Review,
    TemporaryPlate,
    Ticket,
)
from civicdesk.counter.models.procedures import REQUEST_DATA_ITEMS
from civicdesk.privacy.field_policy import counter_items, reads_counter_requests

VIEW_REQUEST = "counter.view_request"
ADD_REQUEST = "counter.add_request"
CHANGE_REQUEST = "counter.change_request"
REVIEW_REQUEST = "counter.review_request"
VIEW_PLATE_LOAN = "counter.view_plateloan"
LEND_PLATE = "counter.add_plateloan"
RETURN_PLATE = "counter.change_plateloan"
ADD_PLATE = "counter.add_temporaryplate"

# Who must show the clerk what, beyond the checklist (seed 003 §7(1)).
AUTHORITY_CHECK = {
    RequesterKind.AGENT: "代理人の請求です。代理権限（委任状など）を確認してください。",
    RequesterKind.THIRD_PARTY: "第三者の請求です。添付すべき資料（疎明資料）を確認してください。",
}
# Requests taken without a ticket: they come by post (郵送, or 公用 by post).
WITHOUT_TICKET = frozenset({RequesterKind.POSTAL, RequesterKind.OFFICIAL})
OPEN_STATUSES = frozenset({RequestStatus.INTAKE, RequestStatus.RETURNED})
# The reason the request service logs with a 審査依頼 (submitted_at reads it back).
SUBMIT_REASON = "審査依頼"


def _has(user, *permissions: str) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and all(
        user.has_perm(permission) for permission in permissions
    )


def may_view_requests(user) -> bool:
    """Sees requests and what they record (the field policy's counter readers)."""
    return _has(user, VIEW_REQUEST) and reads_counter_requests(user)


def may_open_requests(user) -> bool:
    return may_view_requests(user) and _has(user, ADD_REQUEST, CHANGE_REQUEST)


def may_issue_requests(user) -> bool:
    return may_view_requests(user) and _has(user, CHANGE_REQUEST)


def may_review_requests(user) -> bool:
    return may_view_requests(user) and _has(user, REVIEW_REQUEST)


def may_view_plates(user) -> bool:
    # The ledger names the chassis number a request recorded: a request reader's page.
    return may_view_requests(user) and _has(user, VIEW_PLATE_LOAN)


def may_lend_plates(user) -> bool:
    return may_view_plates(user) and _has(user, LEND_PLATE, RETURN_PLATE)


def may_add_plates(user) -> bool:
    return _has(user, ADD_PLATE)


def municipality_id_for(user) -> int | None:
    return Municipality.objects.id_for_user(user)


# --- Requests ---------------------------------------------------------------------------------


def requests_for(user) -> QuerySet[Request]:
    if not may_view_requests(user):
        return Request.objects.none()
    return Request.objects.filter(municipality_id=municipality_id_for(user)).select_related(
        "procedure", "ticket__queue", "created_by"
    )


def procedures_for(user, *, postal: bool = False) -> QuerySet[Procedure]:
    """The procedures a request can be opened for (``postal``: those taking 郵送 or 公用)."""
    procedures = Procedure.objects.filter(municipality_id=municipality_id_for(user), active=True)
    if not postal:
        return procedures
    # JSON list membership is read in Python: SQLite has no JSON "contains" lookup.
    kinds = procedures.values_list("pk", "requester_kinds")
    return procedures.filter(pk__in=[pk for pk, k in kinds if WITHOUT_TICKET & set(k or [])])


def day_requests(user, day: dt.date) -> list[Request]:
    return list(requests_for(user).filter(day=day).order_by("-created_at", "-id"))


def review_queue(user) -> list[Request]:
    """Requests waiting for a staff decision, oldest first."""
    if not may_review_requests(user):
        return []
    return list(requests_for(user).filter(status=RequestStatus.REVIEW).order_by("created_at", "id"))


def reviews_of(request: Request) -> list[Review]:
    return list(request.reviews.select_related("reviewer").order_by("at", "id"))


def ticket_requests(ticket: Ticket) -> list[Request]:
    """A ticket's requests (no personal items needed: the desk shows procedure and state)."""
    return list(
        Request.objects.filter(ticket=ticket)
        .exclude(status=RequestStatus.WITHDRAWN)
        .select_related("procedure")
        .only("id", "status", "quantity", "requester_kind", "procedure__name", "ticket_id")
        .order_by("created_at", "id")
    )


def pickup_tickets(user, day: dt.date) -> tuple[list[Ticket], list[Ticket]]:
    """Tickets of the day waiting for the cashier: (called to a cash counter, not called yet)."""
    if not may_view_requests(user):
        return [], []
    tickets = (
        Ticket.objects.filter(
            queue__municipality_id=municipality_id_for(user),
            day=day,
            status=TicketStatus.PICKUP,
        )
        .select_related("queue", "counter")
        .order_by("changed_at", "id")
    )
    called = [ticket for ticket in tickets if ticket.counter_id is not None]
    waiting = [ticket for ticket in tickets if ticket.counter_id is None]
    return called, waiting


def postal_to_settle(user) -> list[Request]:
    """Approved requests without a ticket (by post): the cashier settles them one by one."""
    return list(
        requests_for(user)
        .filter(ticket__isnull=True, status=RequestStatus.APPROVED)
        .order_by("created_at", "id")
    )


def payable_requests(ticket: Ticket) -> list[Request]:
    """What the cashier hands over for a ticket: approved requests, and those without review
    whose intake is complete."""
    candidates = (
        Request.objects.filter(ticket=ticket, status__in=(RequestStatus.APPROVED, *OPEN_STATUSES))
        .select_related("procedure")
        .order_by("created_at", "id")
    )
    return [request for request in candidates if is_issuable(request)]


def is_issuable(request: Request) -> bool:
    if request.status == RequestStatus.APPROVED:
        return True
    return (
        request.status == RequestStatus.INTAKE
        and not request.procedure.requires_review
        and not missing_checks(request)
    )


def missing_checks(request: Request) -> dict[str, str]:
    """What the intake still lacks, by field: checklist items not yet ticked; the authority of
    an agent or the documents of a third party; the requesting office of 公用."""
    missing = {}
    unchecked = [item for item in request.procedure.checklist if item not in set(request.checks)]
    if unchecked:
        missing["checks"] = "確認していない項目があります: " + "、".join(unchecked)
    if request.requester_kind in AUTHORITY_CHECK and not request.authority_checked:
        missing["authority_checked"] = AUTHORITY_CHECK[request.requester_kind]
    if request.requester_kind == RequesterKind.OFFICIAL and not request.requesting_office.strip():
        missing["requesting_office"] = "公用請求では請求機関を入力してください。"
    return missing


def recordable_items(procedure: Procedure) -> list[str]:
    """The personal items a request of this procedure records: those it names that the field
    policy allows for its category, in the model's order."""
    allowed = counter_items(procedure.category)
    named = set(procedure.data_items or [])
    return [item for item in REQUEST_DATA_ITEMS if item in named and item in allowed]


@dataclass(frozen=True)
class ShownItem:
    name: str
    label: str
    value: str


def shown_items(user, request: Request) -> list[ShownItem]:
    """The request's personal items the user may see (none for roles outside the policy)."""
    if not reads_counter_requests(user):
        return []
    return [
        ShownItem(name, REQUEST_DATA_ITEMS[name], getattr(request, name))
        for name in recordable_items(request.procedure)
    ]


def submitted_at(request: Request) -> dt.datetime | None:
    """When the request was last sent for review (its creation when it never was)."""
    return request.review_requested_at or request.created_at


# --- Plates -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerLine:
    loan: PlateLoan
    overdue: bool

    @property
    def out(self) -> bool:
        return self.loan.returned_on is None


def plate_ledger(user, today: dt.date, *, only_out: bool = False) -> list[LedgerLine]:
    """The issue ledger (発行管理簿), newest first; overdue = not back after its last day."""
    if not may_view_plates(user):
        return []
    loans = PlateLoan.objects.filter(
        plate__municipality_id=municipality_id_for(user)
    ).select_related("plate", "request__procedure", "issued_by", "returned_to")
    if only_out:
        loans = loans.filter(returned_on__isnull=True)
    return [
        LedgerLine(loan, loan.returned_on is None and loan.valid_until < today) for loan in loans
    ]


def plate_loan_of(request: Request) -> PlateLoan | None:
    return PlateLoan.objects.filter(request=request).select_related("plate").first()


def loans_for(user) -> QuerySet[PlateLoan]:
    if not may_view_plates(user):
        return PlateLoan.objects.none()
    return PlateLoan.objects.filter(plate__municipality_id=municipality_id_for(user))


def plates_for(user) -> QuerySet[TemporaryPlate]:
    return TemporaryPlate.objects.filter(municipality_id=municipality_id_for(user))


def free_plates(user) -> QuerySet[TemporaryPlate]:
    """Plates in use and not out with a permit."""
    out = PlateLoan.objects.filter(returned_on__isnull=True).values("plate_id")
    return plates_for(user).filter(active=True).exclude(pk__in=out)


def with_reviews(requests: QuerySet[Request]) -> QuerySet[Request]:
    return requests.prefetch_related(
        Prefetch("reviews", queryset=Review.objects.select_related("reviewer"))
    )
