"""Reads of the tickets: who may do what, what reception and a desk show, and the congestion
figures.

Reception and the desks show the tickets' current state (kept on the ticket for the next call
and the screens). The congestion figures — waiting per queue, the longest wait now, waits
today, the share served within the target, counters open — are computed from the append-only
``TicketEvent`` rows only, never from the ticket's mutable columns.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from civicdesk.accounts.models import Role
from civicdesk.core import calendar
from civicdesk.core.calendar import TOKYO, CalendarError, Service
from civicdesk.core.models import Municipality
from civicdesk.counter.choices import (
    CounterKind,
    ProcedureCategory,
    TicketEventKind,
    TicketStatus,
)
from civicdesk.counter.models import Counter, Procedure, Queue, Ticket, TicketEvent

Kind = TicketEventKind
Status = TicketStatus

# --- Who may do what -------------------------------------------------------------------------


def _has(user, permission: str) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(permission))


def may_issue_tickets(user) -> bool:
    return _has(user, "counter.add_ticket")


def may_open_reception(user) -> bool:
    """Reception (窓口受付) issues; the supervisor may open the page to watch or stand in."""
    supervisor = getattr(user, "role", None) == Role.SUPERVISOR
    return may_issue_tickets(user) or (supervisor and _has(user, "counter.view_ticket"))


def may_work_desk(user) -> bool:
    """Counter clerks and cashiers call tickets (counter.call_ticket)."""
    return _has(user, "counter.call_ticket")


def may_view_congestion(user) -> bool:
    # The figures come from the ticket events: whoever may read them (supervisors, staff).
    return _has(user, "counter.view_ticketevent")


def may_manage_displays(user) -> bool:
    """The center's lead (the screens) or the staff who keep the counters register screens."""
    return _has(user, "counter.add_displaydevice") or _has(user, "counter.add_counter")


# --- Scopes ----------------------------------------------------------------------------------


def municipality_id_for(user) -> int | None:
    return Municipality.objects.id_for_user(user)


def queues_for(user) -> QuerySet[Queue]:
    return Queue.objects.filter(municipality_id=municipality_id_for(user), active=True)


def tickets_for(user) -> QuerySet[Ticket]:
    """The tickets of the user's municipality (another municipality's: 404)."""
    return Ticket.objects.filter(queue__municipality_id=municipality_id_for(user)).select_related(
        "queue", "waiting_in", "counter", "procedure"
    )


def counters_for(user) -> QuerySet[Counter]:
    """The counters the user may work at: a cashier at the cashier, a clerk at the windows."""
    counters = Counter.objects.filter(municipality_id=municipality_id_for(user), active=True)
    role = getattr(user, "role", None)
    if role == Role.CASHIER:
        return counters.filter(kind=CounterKind.CASHIER)
    if role == Role.COUNTER_CLERK:
        return counters.filter(kind=CounterKind.CLERK)
    return counters


# --- Reception ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CounterHours:
    open: bool
    hours: str  # '8:30〜17:15', '' when closed all day
    reason: str  # the calendar's word for the day (平日, 土日開庁, 日曜日 …)
    error: str = ""  # the calendar cannot answer (not set up)


def counter_hours(municipality: Municipality | None, at: dt.datetime | None = None) -> CounterHours:
    """Whether the counter is open at ``at`` (the moment issuing is decided by the service)."""
    at = at or timezone.now()
    local = at.astimezone(TOKYO)
    try:
        info = calendar.day_info(Service.COUNTER, local.date(), municipality=municipality)
    except CalendarError as error:
        return CounterHours(open=False, hours="", reason="", error=str(error))
    is_open = any(start <= local.time() < end for start, end in info.hours)
    return CounterHours(open=is_open, hours=calendar.format_hours(info.hours), reason=info.reason)


def municipality_for(user) -> Municipality | None:
    municipality_id = municipality_id_for(user)
    return Municipality.objects.filter(pk=municipality_id).first() if municipality_id else None


@dataclass
class Category:
    label: str
    procedures: list[Procedure]


def procedures_for(user) -> QuerySet[Procedure]:
    """The procedures reception may issue for: active, in an active queue, in catalogue order."""
    return (
        Procedure.objects.filter(
            municipality_id=municipality_id_for(user), active=True, queue__active=True
        )
        .select_related("queue")
        .order_by("position", "code")
    )


def procedure_menu(user) -> list[Category]:
    """The active procedures by category, in the catalogue's order: reception's buttons."""
    procedures = procedures_for(user)
    grouped: dict[str, list[Procedure]] = defaultdict(list)
    for procedure in procedures:
        grouped[procedure.category].append(procedure)
    return [
        Category(label=category.label, procedures=grouped[category.value])
        for category in ProcedureCategory
        if grouped[category.value]
    ]


def waiting_counts(municipality_id: int | None, day: dt.date) -> list[tuple[Queue, int]]:
    """(queue, tickets waiting in it now) for the active queues, in their order."""
    waiting = Q(waiting_tickets__status=Status.WAITING, waiting_tickets__day=day)
    queues = Queue.objects.filter(municipality_id=municipality_id, active=True).annotate(
        waiting=Count("waiting_tickets", filter=waiting)
    )
    return [(queue, queue.waiting) for queue in queues.order_by("position", "code")]


def waiting_ahead(ticket: Ticket) -> int:
    """How many tickets wait before this one in its queue (0 once it is called)."""
    if ticket.status != Status.WAITING:
        return 0
    return (
        Ticket.objects.filter(waiting_in_id=ticket.waiting_in_id, status=Status.WAITING)
        .filter(day=ticket.day)
        .filter(Q(issued_at__lt=ticket.issued_at) | Q(issued_at=ticket.issued_at, id__lt=ticket.pk))
        .count()
    )


# --- The desk ------------------------------------------------------------------------------


@dataclass
class Desk:
    counter: Counter
    current: Ticket | None
    parked: list[Ticket]
    waiting: list[tuple[Queue, int]]
    pickup_waiting: int  # tickets waiting for the cashier (its desk only)

    @property
    def cashier(self) -> bool:
        return self.counter.kind == CounterKind.CASHIER


def desk_tickets(counter: Counter) -> QuerySet[Ticket]:
    """The tickets a desk may act on: the one it called or serves, and those it parked."""
    if counter.kind == CounterKind.CASHIER:
        statuses = [Status.PICKUP]
    else:
        statuses = [Status.CALLED, Status.SERVING, Status.PARKED]
    return Ticket.objects.filter(counter=counter, status__in=statuses).select_related(
        "queue", "waiting_in", "procedure", "counter"
    )


def desk(counter: Counter, *, now: dt.datetime | None = None) -> Desk:
    now = now or timezone.now()
    day = now.astimezone(TOKYO).date()
    held = list(desk_tickets(counter).order_by("changed_at", "id"))
    current = next((t for t in held if t.status != Status.PARKED), None)
    parked = [t for t in held if t.status == Status.PARKED]
    if counter.kind == CounterKind.CASHIER:
        return Desk(
            counter=counter,
            current=current,
            parked=[],
            waiting=[],
            pickup_waiting=_pickup_waiting(counter.municipality_id, day),
        )
    served = set(counter.counterqueue_set.values_list("queue_id", flat=True))
    counts = waiting_counts(counter.municipality_id, day)
    return Desk(
        counter=counter,
        current=current,
        parked=parked,
        waiting=[(queue, n) for queue, n in counts if queue.pk in served],
        pickup_waiting=0,
    )


def _pickup_waiting(municipality_id: int, day: dt.date) -> int:
    return Ticket.objects.filter(
        day=day,
        status=Status.PICKUP,
        counter__isnull=True,
        queue__municipality_id=municipality_id,
    ).count()


# --- Congestion (from the events only) -------------------------------------------------------

# A counter counts as open when it has a ticket now or recorded any move in this window.
OPEN_WINDOW = dt.timedelta(minutes=30)
# Events that put a ticket at a counter; any other event takes it away (保留 and 審査依頼
# free the counter, 完了 ends the visit, 不在 and 転送 are recorded without a counter).
AT_COUNTER = {
    Kind.CALLED,
    Kind.RECALLED,
    Kind.STARTED,
    Kind.RESUMED,
    Kind.RETURNED,  # 差戻し: back to the clerk who asked
    Kind.PICKUP_CALLED,
}
INTO_QUEUE = {Kind.ISSUED, Kind.TRANSFERRED}


@dataclass
class QueueFigures:
    queue: Queue
    waiting: int = 0
    longest_wait: dt.timedelta | None = None
    waits: list[dt.timedelta] = field(default_factory=list)  # today's waits ended by a call
    issued: int = 0
    counters_open: int = 0

    @property
    def called(self) -> int:
        return len(self.waits)

    @property
    def within_target(self) -> int:
        target = dt.timedelta(minutes=self.queue.target_wait_minutes)
        return sum(1 for wait in self.waits if wait <= target)

    @property
    def within_target_share(self) -> float | None:
        return self.within_target / len(self.waits) if self.waits else None

    @property
    def average_wait(self) -> dt.timedelta | None:
        return sum(self.waits, dt.timedelta()) / len(self.waits) if self.waits else None

    @property
    def p90_wait(self) -> dt.timedelta | None:
        return percentile(self.waits, 90)

    # Minutes (one decimal) and a whole percentage, as the page shows them.
    @property
    def longest_wait_minutes(self) -> float | None:
        return _minutes(self.longest_wait)

    @property
    def average_wait_minutes(self) -> float | None:
        return _minutes(self.average_wait)

    @property
    def p90_wait_minutes(self) -> float | None:
        return _minutes(self.p90_wait)

    @property
    def within_target_percent(self) -> int | None:
        share = self.within_target_share
        return None if share is None else round(share * 100)

    @property
    def over_target(self) -> bool:
        """Someone has waited longer than the target already."""
        limit = dt.timedelta(minutes=self.queue.target_wait_minutes)
        return self.longest_wait is not None and self.longest_wait > limit


def _minutes(value: dt.timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 60, 1)


@dataclass
class CounterFigures:
    counter: Counter
    open: bool
    serving: list[str]  # the numbers at the counter now
    last_at: dt.datetime | None


@dataclass
class Congestion:
    at: dt.datetime
    day: dt.date
    queues: list[QueueFigures]
    counters: list[CounterFigures]

    @property
    def waiting(self) -> int:
        return sum(q.waiting for q in self.queues)

    @property
    def counters_open(self) -> int:
        return sum(1 for c in self.counters if c.open)


def percentile(values: list, p: int):
    """Nearest-rank percentile (the smallest value with at least p % of values at or below)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class _Walk:
    """One ticket's events replayed: where it waits since when, and at which counter it is."""

    waiting_in: int | None = None
    since: dt.datetime | None = None
    counter: int | None = None
    label: str = ""


def congestion(municipality_id: int, *, now: dt.datetime | None = None) -> Congestion:
    """Today's figures as of ``now``, replayed from the events of today's tickets."""
    now = now or timezone.now()
    day = now.astimezone(TOKYO).date()
    queues = {
        q.pk: QueueFigures(queue=q) for q in Queue.objects.filter(municipality_id=municipality_id)
    }
    counters = list(
        Counter.objects.filter(municipality_id=municipality_id, active=True).prefetch_related(
            "counterqueue_set"
        )
    )
    walks, last_at = _replay(municipality_id, day, now, queues)
    serving: dict[int, list[str]] = defaultdict(list)
    for walk in walks.values():
        if walk.since is not None and walk.waiting_in in queues:
            figures = queues[walk.waiting_in]
            figures.waiting += 1
            wait = now - walk.since
            figures.longest_wait = max(figures.longest_wait or wait, wait)
        if walk.counter is not None:
            serving[walk.counter].append(walk.label)
    counter_rows = []
    for counter in counters:
        seen = last_at.get(counter.pk)
        is_open = bool(serving.get(counter.pk)) or (seen is not None and now - seen <= OPEN_WINDOW)
        counter_rows.append(CounterFigures(counter, is_open, sorted(serving[counter.pk]), seen))
        if is_open:
            for link in counter.counterqueue_set.all():
                if link.queue_id in queues:
                    queues[link.queue_id].counters_open += 1
    shown = [q for q in queues.values() if q.queue.active or q.issued or q.waiting]
    shown.sort(key=lambda q: (q.queue.position, q.queue.code))
    return Congestion(at=now, day=day, queues=shown, counters=counter_rows)


def _replay(municipality_id, day, now, queues) -> tuple[dict[int, _Walk], dict[int, dt.datetime]]:
    events = (
        TicketEvent.objects.filter(
            ticket__day=day, ticket__queue__municipality_id=municipality_id, at__lte=now
        )
        .order_by("ticket_id", "at", "id")
        .values_list(
            "ticket_id",
            "kind",
            "at",
            "counter_id",
            "queue_id",
            "ticket__queue_id",
            "ticket__number",
        )
    )
    walks: dict[int, _Walk] = {}
    last_at: dict[int, dt.datetime] = {}
    for ticket, kind, at, counter, queue, issued_in, number in events:
        walk = walks.setdefault(ticket, _Walk())
        if counter is not None:
            last_at[counter] = max(last_at.get(counter, at), at)
        if kind in INTO_QUEUE:
            walk.waiting_in = queue if kind == Kind.TRANSFERRED else issued_in
            walk.since, walk.counter = at, None
            if kind == Kind.ISSUED and issued_in in queues:
                queues[issued_in].issued += 1
                walk.label = queues[issued_in].queue.label(number)
            continue
        if walk.since is not None and kind == Kind.CALLED and walk.waiting_in in queues:
            queues[walk.waiting_in].waits.append(at - walk.since)
        walk.since = None
        walk.counter = counter if kind in AT_COUNTER else None
    return walks, last_at
