"""Tickets (番号札): issuing, calling and every move of a ticket, each one append-only event.

The state machine (the current state lives on the ticket so the next call is one indexed
query; every figure is computed from the events):

    waiting ─次の方→ called ─対応開始→ serving ─保留→ parked ─再開→ serving
       ↑                │  └再呼出 (≤ the queue's limit, then 不在)      │
       └──── 転送 ───────┴──────────────────────────────────────────────┤
    serving ─審査依頼→ review ─承認→ pickup ─会計呼出→ pickup (called) ─完了→ done
                         └差戻し→ serving
    serving ─交付・会計へ→ pickup;  serving / called / pickup ─完了→ done;  called ─不在→ no_show

Numbers come from one INSERT … ON CONFLICT DO UPDATE … RETURNING per ticket (no gaps, no
duplicates under concurrent issuing: a refused issue rolls its number back with it). Whether
the counter is open comes from the business calendar through the per-process day cache of
``core.calendar_cache.service_day`` (dropped on any calendar change, 60 s
at most in other processes), so an issue costs four statements, not eleven. A counter
calls under a lock on its own row, so a second 次の方 racing the first is refused; tickets are
taken with SKIP LOCKED on PostgreSQL, so two counters never call the same ticket.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from civicdesk.core.calendar import TOKYO, Service
from civicdesk.core.calendar_cache import service_day
from civicdesk.counter.choices import (
    CounterKind,
    TicketEventKind,
    TicketStatus,
)
from civicdesk.counter.models import (
    Counter,
    Procedure,
    Queue,
    Ticket,
    TicketEvent,
    TicketSequence,
)

Kind = TicketEventKind
Status = TicketStatus

OUTSIDE_HOURS = "受付時間外です。番号札は窓口の開庁時間内にだけ発券できます。"
NO_CALENDAR = (
    "受付時間外です。窓口の業務カレンダーが登録されていません。管理画面で登録してください。"
)


class TicketError(ValidationError):
    """A move the ticket's state or the counter's does not allow (message in Japanese)."""


def tokyo_day(at: dt.datetime) -> dt.date:
    return at.astimezone(TOKYO).date()


# --- Issuing -------------------------------------------------------------------------------


def issue_ticket(
    *,
    acting_user,
    queue: Queue,
    procedure: Procedure | None = None,
    at: dt.datetime | None = None,
    check_hours: bool = True,
    client_key: uuid.UUID | None = None,
) -> Ticket:
    """A new ticket in ``queue`` (for ``procedure`` when reception knows it), numbered per queue
    and Tokyo day. Refused outside counter hours (受付時間外) and for a closed queue.

    ``client_key`` is the reception form's key: the same form sent again (a double tap, a
    reload after a lost answer) returns the ticket the first send made, even after closing."""
    if client_key is not None and (sent := _ticket_for_key(client_key, queue)) is not None:
        return sent
    at = at or timezone.now()
    _refuse_issue(queue, procedure, at, check_hours=check_hours)
    day = tokyo_day(at)
    try:
        with transaction.atomic():
            number = _next_number(queue, day)
            if number > queue.number_to:
                raise TicketError(
                    f"本日の「{queue.name}」の番号札（{queue.label(queue.number_from)}〜"
                    f"{queue.label(queue.number_to)}）はすべて発券しました。"
                )
            ticket = Ticket.objects.create(
                queue=queue,
                waiting_in=queue,
                day=day,
                number=number,
                issued_at=at,
                procedure=procedure,
                status=Status.WAITING,
                changed_at=at,
                client_key=client_key,
            )
            _event(ticket, Kind.ISSUED, at=at, user=acting_user)
    except IntegrityError:
        # The same form sent twice at once: the other send made the ticket (and this one's
        # number went back with the rolled-back savepoint, so no gap).
        if client_key is None or (sent := _ticket_for_key(client_key, queue)) is None:
            raise
        return sent
    return ticket


def _refuse_issue(
    queue: Queue, procedure: Procedure | None, at: dt.datetime, *, check_hours: bool
) -> None:
    if not queue.active:
        raise TicketError(f"「{queue.name}」は現在受付を停止しています。")
    if procedure is not None and procedure.queue_id != queue.pk:
        raise TicketError(f"「{procedure.name}」は「{queue.name}」の手続ではありません。")
    if procedure is not None and not procedure.active:
        raise TicketError(f"「{procedure.name}」は現在受け付けていません。")
    if check_hours and not _counter_open(queue, at):
        raise TicketError(OUTSIDE_HOURS)


def _ticket_for_key(client_key: uuid.UUID, queue: Queue) -> Ticket | None:
    ticket = Ticket.objects.select_related("queue").filter(client_key=client_key).first()
    if ticket is not None and ticket.queue.municipality_id != queue.municipality_id:
        # A key is a random UUID made by our own form: another municipality's is not a resend.
        raise TicketError("送信キーが正しくありません。受付画面を開き直してください。")
    return ticket


def _counter_open(queue: Queue, at: dt.datetime) -> bool:
    # The day's hours from the per-process calendar cache (60 s, dropped on any calendar
    # change in this process): every issue asking the rules afresh cost seven queries.
    local = at.astimezone(TOKYO)
    info = service_day(queue.municipality_id, Service.COUNTER, local.date())
    if info is None:
        raise TicketError(NO_CALENDAR)
    return any(start <= local.time() < end for start, end in info.hours)


def _next_number(queue: Queue, day: dt.date) -> int:
    table = TicketSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (queue_id, day, last_number) VALUES (%s, %s, %s) "
            f"ON CONFLICT (queue_id, day) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [queue.pk, day, queue.number_from],
        )
        return cursor.fetchone()[0]


# --- Calling ----------------------------------------------------------------------------------


def call_next(*, acting_user, counter: Counter, at: dt.datetime | None = None) -> Ticket | None:
    """次の方: the counter calls the oldest waiting ticket of its first queue that has one (a
    cashier: the oldest ticket waiting for pickup). None when nobody waits. Refused while the
    counter still has a ticket called or being served (a second press racing the first)."""
    at = at or timezone.now()
    with transaction.atomic():
        locked = Counter.objects.select_for_update().get(pk=counter.pk)
        if not locked.active:
            raise TicketError(f"{locked.name}は使用停止中です。")
        _refuse_if_busy(locked)
        ticket = _take_next(locked, tokyo_day(at))
        if ticket is None:
            return None
        kind = Kind.PICKUP_CALLED if locked.kind == CounterKind.CASHIER else Kind.CALLED
        status = Status.PICKUP if locked.kind == CounterKind.CASHIER else Status.CALLED
        _move(ticket, kind, status, at=at, user=acting_user, counter=locked, calls=1)
    return ticket


def _refuse_if_busy(counter: Counter) -> None:
    busy = Ticket.objects.filter(counter=counter, status__in=_busy_statuses(counter)).first()
    if busy is not None:
        raise TicketError(
            f"{counter.name}はすでに {busy.label} を呼び出しています"
            f"（{busy.get_status_display()}）。完了・保留・不在のいずれかにしてから"
            "次の方を呼んでください。"
        )


def _busy_statuses(counter: Counter) -> list[str]:
    if counter.kind == CounterKind.CASHIER:
        return [Status.PICKUP]
    return [Status.CALLED, Status.SERVING]


def _take_next(counter: Counter, day: dt.date) -> Ticket | None:
    if counter.kind == CounterKind.CASHIER:
        candidates = Ticket.objects.filter(
            status=Status.PICKUP,
            counter__isnull=True,
            day=day,
            queue__municipality_id=counter.municipality_id,
        ).order_by("changed_at", "id")
        return _first_unlocked(candidates)
    # One indexed probe per queue (counter_ticket_next) beats one query sorting every
    # waiting ticket of the counter's queues: a counter serves one to three queues.
    queue_ids = list(
        counter.counterqueue_set.filter(queue__active=True)
        .order_by("position")
        .values_list("queue_id", flat=True)
    )
    for queue_id in queue_ids:
        candidates = Ticket.objects.filter(
            waiting_in_id=queue_id, status=Status.WAITING, day=day
        ).order_by("issued_at", "id")
        ticket = _first_unlocked(candidates)
        if ticket is not None:
            return ticket
    return None


def _first_unlocked(candidates) -> Ticket | None:
    if connection.features.has_select_for_update_skip_locked:
        candidates = candidates.select_for_update(skip_locked=True, of=("self",))
    return candidates.select_related("queue").first()


def recall(*, acting_user, ticket: Ticket, at: dt.datetime | None = None) -> Ticket:
    """再呼出: call the same number again; past the queue's recall limit it becomes 不在."""
    at = at or timezone.now()
    with transaction.atomic():
        ticket = _lock(ticket)
        called_at_cashier = ticket.status == Status.PICKUP and ticket.counter_id is not None
        if ticket.status != Status.CALLED and not called_at_cashier:
            raise _not_now(ticket, "再呼出")
        if ticket.calls > ticket.queue.recall_limit:
            _move(
                ticket,
                Kind.NO_SHOW,
                Status.NO_SHOW,
                at=at,
                user=acting_user,
                note=f"再呼出{ticket.queue.recall_limit}回で不在",
            )
            return ticket
        _move(
            ticket,
            Kind.RECALLED,
            ticket.status,
            at=at,
            user=acting_user,
            counter=ticket.counter,
            calls=ticket.calls + 1,
        )
    return ticket


def mark_no_show(*, acting_user, ticket: Ticket, at: dt.datetime | None = None) -> Ticket:
    """不在: the person called did not come."""
    return _transition(
        acting_user, ticket, {Status.CALLED, Status.PICKUP}, Kind.NO_SHOW, Status.NO_SHOW, at=at
    )


def start_service(*, acting_user, ticket: Ticket, at: dt.datetime | None = None) -> Ticket:
    """対応開始: the person called has come to the counter."""
    return _transition(
        acting_user, ticket, {Status.CALLED}, Kind.STARTED, Status.SERVING, at=at, keep=True
    )


def park(*, acting_user, ticket: Ticket, note: str = "", at: dt.datetime | None = None) -> Ticket:
    """保留: set aside (waiting for a document, a call to another section)."""
    return _transition(
        acting_user,
        ticket,
        {Status.CALLED, Status.SERVING},
        Kind.PARKED,
        Status.PARKED,
        at=at,
        note=note,
        keep=True,
    )


def resume(
    *, acting_user, ticket: Ticket, counter: Counter | None = None, at: dt.datetime | None = None
) -> Ticket:
    """保留解除: back to being served, at ``counter`` (default: the one that parked it)."""
    at = at or timezone.now()
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.status != Status.PARKED:
            raise _not_now(ticket, "保留解除")
        target = counter or ticket.counter
        if target is not None:
            target = Counter.objects.select_for_update().get(pk=target.pk)
            _refuse_if_busy(target)
        _move(ticket, Kind.RESUMED, Status.SERVING, at=at, user=acting_user, counter=target)
    return ticket


def transfer(
    *, acting_user, ticket: Ticket, queue: Queue, note: str = "", at: dt.datetime | None = None
) -> Ticket:
    """転送: send the ticket to wait in another queue (it keeps its number and its place by
    issue time there)."""
    at = at or timezone.now()
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.status not in {Status.CALLED, Status.SERVING, Status.PARKED}:
            raise _not_now(ticket, "転送")
        if queue.municipality_id != ticket.queue.municipality_id:
            raise TicketError("転送先の待ち行列が見つかりません。")
        if not queue.active:
            raise TicketError(f"「{queue.name}」は現在受付を停止しています。")
        if queue.pk == ticket.waiting_in_id:
            raise TicketError(f"{ticket.label} はすでに「{queue.name}」で待っています。")
        ticket.waiting_in = queue
        _move(
            ticket,
            Kind.TRANSFERRED,
            Status.WAITING,
            at=at,
            user=acting_user,
            queue=queue,
            note=note,
            calls=0,
        )
    return ticket


def request_review(*, acting_user, ticket: Ticket, at: dt.datetime | None = None) -> Ticket:
    """審査依頼: the prepared papers went to a staff member (called by the request service)."""
    return _transition(
        acting_user,
        ticket,
        {Status.CALLED, Status.SERVING},
        Kind.REVIEW_REQUESTED,
        Status.REVIEW,
        at=at,
        keep=True,
    )


def reviewed(
    *, acting_user, ticket: Ticket, approved: bool, note: str = "", at: dt.datetime | None = None
) -> Ticket:
    """A staff decision reached the ticket: 承認 → waits for pickup at the cashier; 差戻し →
    back to the clerk who asked. A ticket with several requests moves on the last decision."""
    if approved:
        return _transition(
            acting_user, ticket, {Status.REVIEW}, Kind.APPROVED, Status.PICKUP, at=at, note=note
        )
    return _transition(
        acting_user,
        ticket,
        {Status.REVIEW},
        Kind.RETURNED,
        Status.SERVING,
        at=at,
        note=note,
        keep=True,
    )


def send_to_pickup(*, acting_user, ticket: Ticket, at: dt.datetime | None = None) -> Ticket:
    """交付・会計へ: nothing to review, the person goes on to the cashier."""
    return _transition(
        acting_user, ticket, {Status.CALLED, Status.SERVING}, Kind.TO_PICKUP, Status.PICKUP, at=at
    )


def finish(*, acting_user, ticket: Ticket, at: dt.datetime | None = None) -> Ticket:
    """完了: served (at a clerk's counter, or handed over and paid at the cashier)."""
    return _transition(
        acting_user,
        ticket,
        {Status.CALLED, Status.SERVING, Status.PICKUP},
        Kind.DONE,
        Status.DONE,
        at=at,
        keep=True,
    )


# --- Moves ------------------------------------------------------------------------------------


def _lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update(of=("self",)).select_related("queue").get(pk=ticket.pk)


def _not_now(ticket: Ticket, action: str) -> TicketError:
    return TicketError(
        f"{ticket.label} は「{ticket.get_status_display()}」のため{action}できません。"
    )


def _transition(
    acting_user,
    ticket: Ticket,
    allowed: Iterable[str],
    kind: str,
    status: str,
    *,
    at: dt.datetime | None,
    note: str = "",
    keep: bool = False,
) -> Ticket:
    at = at or timezone.now()
    with transaction.atomic():
        locked = _lock(ticket)
        if locked.status not in set(allowed):
            raise _not_now(locked, TicketEventKind(kind).label)
        counter = locked.counter if keep else None
        _move(locked, kind, status, at=at, user=acting_user, counter=counter, note=note)
    return locked


def _move(
    ticket: Ticket,
    kind: str,
    status: str,
    *,
    at: dt.datetime,
    user,
    counter: Counter | None = None,
    queue: Queue | None = None,
    note: str = "",
    calls: int | None = None,
) -> None:
    ticket.status = status
    ticket.counter = counter
    ticket.changed_at = at
    fields = ["status", "counter", "changed_at", "waiting_in"]
    if calls is not None:
        ticket.calls = calls
        fields.append("calls")
    ticket.save(update_fields=fields)
    _event(ticket, kind, at=at, user=user, counter=counter, queue=queue, note=note)


def _event(ticket, kind, *, at, user, counter=None, queue=None, note="") -> TicketEvent:
    actor = user if getattr(user, "is_authenticated", False) else None
    return TicketEvent.objects.create(
        ticket=ticket, kind=kind, at=at, counter=counter, queue=queue, user=actor, note=note[:200]
    )
