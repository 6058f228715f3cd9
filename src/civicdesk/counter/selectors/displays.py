"""What a public call display shows: numbers and counter names, nothing else.

A poll costs three indexed queries: the device by its key's hash, today's last calls (the
events, newest first, by the index on ``at``), and the waiting counts (waiting room) or the
numbers waiting for the cashier (the tickets' current state, kept for the displays). The
JSON body is the ETag's source, so an unchanged screen is answered 304 without a body.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from functools import cached_property

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from civicdesk.core.calendar import TOKYO, day_bounds
from civicdesk.core.models import Municipality
from civicdesk.counter.choices import CounterKind, DisplayKind, TicketEventKind, TicketStatus
from civicdesk.counter.models import DisplayDevice, Queue, Ticket, TicketEvent
from civicdesk.counter.services.displays import key_sha256

# How many calls a screen lists (the newest first, large), and how far back it looks for them.
DISPLAY_CALLS = 6
SCANNED_CALLS = 40
READY_LIMIT = 24
KEY_MAX_LENGTH = 100
POLL_SECONDS = 1

CALL_KINDS = {
    DisplayKind.WAITING_ROOM: (
        CounterKind.CLERK,
        [TicketEventKind.CALLED, TicketEventKind.RECALLED],
    ),
    DisplayKind.CASHIER: (
        CounterKind.CASHIER,
        [TicketEventKind.PICKUP_CALLED, TicketEventKind.RECALLED],
    ),
}


@dataclass(frozen=True)
class Call:
    event: int  # the call's event id: a new one (a recall too) rings the chime
    label: str
    counter: str
    at: str  # HH:MM in Tokyo
    recall: bool


@dataclass(frozen=True)
class Waiting:
    code: str
    name: str
    count: int


@dataclass(frozen=True)
class DisplayState:
    kind: str
    title: str
    calls: list[Call] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)  # the waiting room's queues
    ready: list[str] = field(default_factory=list)  # numbers waiting for the cashier

    @property
    def latest(self) -> Call | None:
        return self.calls[0] if self.calls else None

    @property
    def earlier(self) -> list[Call]:
        return self.calls[1:]

    def as_dict(self) -> dict:
        return asdict(self)

    @cached_property
    def body(self) -> bytes:
        return json.dumps(self.as_dict(), ensure_ascii=False, separators=(",", ":")).encode()

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'


def devices_for(user) -> QuerySet[DisplayDevice]:
    """The screens of the user's municipality, the ones in use first."""
    municipality_id = Municipality.objects.id_for_user(user)
    return DisplayDevice.objects.filter(municipality_id=municipality_id).order_by("-active", "name")


def device_for_key(key: str) -> DisplayDevice | None:
    """The active device whose key this is; None for an unknown, malformed or revoked key."""
    if not key or len(key) > KEY_MAX_LENGTH:
        return None
    # By the unique hash alone: the model's default order would join the municipality.
    return (
        DisplayDevice.objects.filter(key_hash=key_sha256(key), active=True).order_by("pk").first()
    )


def display_state(device: DisplayDevice, *, now: dt.datetime | None = None) -> DisplayState:
    now = now or timezone.now()
    day = now.astimezone(TOKYO).date()
    calls = _calls(device, day)
    title = DisplayKind(device.kind).label
    if device.kind == DisplayKind.CASHIER:
        return DisplayState(kind=device.kind, title=title, calls=calls, ready=_ready(device, day))
    return DisplayState(kind=device.kind, title=title, calls=calls, waiting=_waiting(device, day))


def _calls(device: DisplayDevice, day: dt.date) -> list[Call]:
    counter_kind, kinds = CALL_KINDS[DisplayKind(device.kind)]
    start, end = day_bounds(day)
    rows = (
        TicketEvent.objects.filter(
            at__gte=start,
            at__lt=end,
            kind__in=kinds,
            counter__municipality_id=device.municipality_id,
            counter__kind=counter_kind,
        )
        .order_by("-at", "-id")
        .values_list(
            "id",
            "ticket_id",
            "at",
            "kind",
            "counter__name",
            "ticket__number",
            "ticket__queue__code",
            "ticket__queue__number_to",
        )[:SCANNED_CALLS]
    )
    calls, seen = [], set()
    for event, ticket, at, kind, counter, number, code, number_to in rows:
        if ticket in seen:  # a recalled number is listed once, at its newest call
            continue
        seen.add(ticket)
        calls.append(
            Call(
                event=event,
                label=_label(code, number_to, number),
                counter=counter,
                at=at.astimezone(TOKYO).strftime("%H:%M"),
                recall=kind == TicketEventKind.RECALLED,
            )
        )
        if len(calls) == DISPLAY_CALLS:
            break
    return calls


def _waiting(device: DisplayDevice, day: dt.date) -> list[Waiting]:
    waiting = Q(waiting_tickets__status=TicketStatus.WAITING, waiting_tickets__day=day)
    queues = (
        Queue.objects.filter(municipality_id=device.municipality_id, active=True)
        .annotate(count=Count("waiting_tickets", filter=waiting))
        .order_by("position", "code")
        .values_list("code", "name", "count")
    )
    return [Waiting(code=code, name=name, count=count) for code, name, count in queues]


def _ready(device: DisplayDevice, day: dt.date) -> list[str]:
    rows = (
        Ticket.objects.filter(
            day=day,
            status=TicketStatus.PICKUP,
            counter__isnull=True,
            queue__municipality_id=device.municipality_id,
        )
        .order_by("changed_at", "id")
        .values_list("queue__code", "queue__number_to", "number")[:READY_LIMIT]
    )
    return [_label(code, number_to, number) for code, number_to, number in rows]


def _label(code: str, number_to: int, number: int) -> str:
    return Queue(code=code, number_to=number_to).label(number)
