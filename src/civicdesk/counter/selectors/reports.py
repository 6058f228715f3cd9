"""The counter's figures for a period (seed 003 §6(15)⑥ 日次・月次・年次の定期報告, §10 業務報告書):
what the reports app renders as the counter daily, monthly and annual reports. Counts only: no
name, no request's content, nothing personal.

Every waiting and service time comes from the tickets' append-only events (TicketEvent), never
from the tickets' current-state columns. The definitions (docs/counter.md, 「集計の定義」):

- A ticket belongs to the Tokyo day it was issued on (Ticket.day) and to the queue it was
  issued in (Ticket.queue; a transfer does not move it to another queue's figures).
- Wait (待ち時間): from its ISSUED event to its first CALLED event (a call at a clerk's counter;
  the cashier's call is PICKUP_CALLED and does not count). A ticket never called has no wait.
- Service (対応時間): the sum of the ticket's spans at clerk counters. A span starts at STARTED,
  RESUMED or RETURNED (back from review), or at CALLED when the clerk went on without
  STARTED; it ends at the next REVIEW_REQUESTED, TO_PICKUP, DONE, TRANSFERRED or PARKED. A call
  that ends in NO_SHOW is no service; time at the cashier (PICKUP_CALLED → DONE) is not service.
- p50 / p90: nearest rank (the smallest value with at least 50 % / 90 % of the values at or
  below it), in minutes to one decimal.
- Within target (目標内): called tickets whose wait is at most their queue's
  target_wait_minutes, over the called tickets.
- Evening (夜間延長) volume: tickets issued at or after the regular closing (core.calendar
  regular_hours) on a day whose hours an evening extension lengthened (Mondays, or the next
  open day when Monday is closed).
- Designated-day (指定開庁日) volume: tickets issued on a designated day of the counter calendar.
- Minutes after closing (閉庁後の対応): per day, from the day's closing time (its last interval's
  end, extension included) to the last DONE or NO_SHOW event of that day's tickets, in whole
  minutes (seconds dropped); 0 when everything ended before closing; days the calendar has
  closed are not counted.
- Requests (受付件数): Request rows of the period's days, withdrawn ones (取下げ) left out, per
  procedure and requester kind, with their 通数.
- Reviews (審査): Review rows decided in the period (Tokyo days of Review.at), 承認 / 差戻し.
- Fees (手数料): FeeEntry rows of the period's days by procedure and payment kind; a reversal
  is a row with negative 通数 and amount on its own day, so sums are net of reversals.
- Bereavement cases (おくやみ): reservations whose starts_at falls in the period, by status
  (the case's personal data may be erased later; the count needs none of it).

A fixed number of queries per call whatever the period's size: the period's tickets, one scan of
their events (ordered by ticket), one grouped query each for requests, reviews, fees and
bereavement cases, and the counter calendar's rules.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from civicdesk.core import calendar
from civicdesk.core.calendar import TOKYO, Service, day_bounds
from civicdesk.core.models.calendar import DesignatedDay
from civicdesk.counter.choices import (
    BereavementStatus,
    FeeEntryKind,
    PaymentKind,
    RequesterKind,
    RequestStatus,
    ReviewDecision,
    TicketEventKind,
)
from civicdesk.counter.models import (
    BereavementReservation,
    FeeEntry,
    Procedure,
    Queue,
    Request,
    Review,
    Ticket,
    TicketEvent,
)

Kind = TicketEventKind
SPAN_STARTS = frozenset({Kind.STARTED, Kind.RESUMED, Kind.RETURNED})
SPAN_ENDS = frozenset(
    {Kind.REVIEW_REQUESTED, Kind.TO_PICKUP, Kind.DONE, Kind.TRANSFERRED, Kind.PARKED}
)
FINISHED = frozenset({Kind.DONE, Kind.NO_SHOW})
# Events no figure depends on (a recall, the cashier's call, an approval): not read.
UNREAD = (Kind.RECALLED, Kind.PICKUP_CALLED, Kind.APPROVED)
SERIES = ("day", "month")


@dataclass
class TicketFacts:
    """What one ticket's events say, in seconds."""

    queue_id: int
    day: dt.date
    issued: dt.datetime  # Tokyo time
    wait: float | None = None
    service: float | None = None
    done: bool = False
    no_show: bool = False
    evening: bool = False
    designated: bool = False


@dataclass(frozen=True)
class DayHours:
    closing: dt.time | None  # the day's last closing time (None: closed)
    regular_closing: dt.time | None
    designated: bool

    @property
    def extended(self) -> bool:
        return bool(self.closing and self.regular_closing and self.closing > self.regular_closing)


# --- The figures ---------------------------------------------------------------------------------


def period_figures(municipality, start: dt.date, end: dt.date, *, series: str | None = None):
    """The counter figures of ``municipality`` for the Tokyo days ``start``..``end``;
    ``series`` ("day" or "month") adds one row per day or month of the period."""
    if series is not None and series not in SERIES:
        raise ValueError(f"series must be one of {SERIES}, not {series!r}")
    queues = list(Queue.objects.filter(municipality=municipality).order_by("position", "code"))
    targets = {queue.pk: queue.target_wait_minutes * 60 for queue in queues}
    days = _calendar_days(municipality, start, end)
    facts, last_finished = _ticket_facts(municipality, start, end, days)
    procedures = _procedures(municipality)
    requests = _request_rows(municipality, start, end)
    reviews = _review_rows(municipality, start, end)
    fees = _fee_rows(municipality, start, end)
    bereavement = _bereavement_rows(municipality, start, end)
    after_closing = _after_closing(days, last_finished)
    figures = {
        "tickets": _summary(facts, targets),
        "by_queue": [
            {
                "code": queue.code,
                "name": queue.name,
                "target_wait_minutes": queue.target_wait_minutes,
                **_summary([f for f in facts if f.queue_id == queue.pk], targets),
            }
            for queue in queues
        ],
        "by_hour": [
            {"hour": hour, **_summary(group, targets)}
            for hour, group in sorted(_group(facts, lambda f: f.issued.hour).items())
        ],
        "requests": _requests(requests, procedures),
        "reviews": _reviews(reviews, procedures),
        "fees": _fees(fees, procedures),
        "hours": _hours(days, facts, after_closing),
        "bereavement": _bereavement(bereavement),
    }
    if series is not None:
        figures["series"] = _series(
            series, start, end, facts, targets, after_closing, requests, reviews, fees,
            bereavement,
        )  # fmt: skip
    return figures


# --- Tickets -------------------------------------------------------------------------------------


def _ticket_facts(municipality, start, end, days: dict[dt.date, DayHours]):
    """One pass over the period's events, ordered by ticket: each ticket's facts, and the last
    DONE / NO_SHOW moment per day. The tickets' queue and day come from a query of their own,
    so each event row carries one datetime (converting them is most of the time taken)."""
    heads = dict(
        (ticket_id, (queue_id, day))
        for ticket_id, queue_id, day in Ticket.objects.filter(
            queue__municipality=municipality, day__range=(start, end)
        ).values_list("id", "queue_id", "day")
    )
    rows = (
        TicketEvent.objects.filter(
            ticket__queue__municipality=municipality, ticket__day__range=(start, end)
        )
        .exclude(kind__in=UNREAD)
        .order_by("ticket_id", "at", "id")
        .values_list("ticket_id", "kind", "at")
    )
    facts: list[TicketFacts] = []
    last_finished: dict[dt.date, dt.datetime] = {}
    current_id = None
    events: list[tuple[str, dt.datetime]] = []
    for ticket_id, kind, at in rows.iterator(chunk_size=5000):
        if ticket_id != current_id:
            if events:
                facts.append(_facts(heads[current_id], events, days))
            current_id, events = ticket_id, []
        events.append((kind, at))
        day = heads[ticket_id][1]
        if kind in FINISHED and (day not in last_finished or at > last_finished[day]):
            last_finished[day] = at
    if events:
        facts.append(_facts(heads[current_id], events, days))
    return facts, last_finished


def _facts(head, events: list[tuple[str, dt.datetime]], days: dict[dt.date, DayHours]):
    queue_id, day = head
    issued = next((at for kind, at in events if kind == Kind.ISSUED), events[0][1])
    called = next((at for kind, at in events if kind == Kind.CALLED), None)
    local = issued.astimezone(TOKYO)
    hours = days.get(day)
    facts = TicketFacts(queue_id=queue_id, day=day, issued=local)
    facts.wait = (called - issued).total_seconds() if called is not None else None
    facts.service = _service_seconds(events)
    kinds = {kind for kind, _at in events}
    facts.done = Kind.DONE in kinds
    facts.no_show = Kind.NO_SHOW in kinds
    if hours is not None:
        facts.evening = hours.extended and local.time() >= hours.regular_closing
        facts.designated = hours.designated
    return facts


def _service_seconds(events: list[tuple[str, dt.datetime]]) -> float | None:
    """The sum of the ticket's service spans (module docstring); None when it had none."""
    total, spans = 0.0, 0
    span_start = call = None
    for kind, at in events:
        if kind == Kind.CALLED:
            call = at
        elif kind in SPAN_STARTS:
            span_start, call = at, None
        elif kind in SPAN_ENDS:
            began = span_start or call
            if began is not None:
                total += (at - began).total_seconds()
                spans += 1
            span_start = call = None
        elif kind == Kind.NO_SHOW:
            span_start = call = None
    return total if spans else None


def _summary(facts: list[TicketFacts], targets: dict[int, int]) -> dict:
    waits = sorted(f.wait for f in facts if f.wait is not None)
    services = sorted(f.service for f in facts if f.service is not None)
    within = sum(1 for f in facts if f.wait is not None and f.wait <= targets[f.queue_id])
    return {
        "tickets": len(facts),
        "called": len(waits),
        "not_called": len(facts) - len(waits),
        "done": sum(1 for f in facts if f.done),
        "no_shows": sum(1 for f in facts if f.no_show),
        "wait_p50": _minutes(percentile(waits, 50)),
        "wait_p90": _minutes(percentile(waits, 90)),
        "service_p50": _minutes(percentile(services, 50)),
        "service_p90": _minutes(percentile(services, 90)),
        "within_target": within,
        "within_target_share": rate(within, len(waits)),
        "evening": sum(1 for f in facts if f.evening),
        "designated": sum(1 for f in facts if f.designated),
    }


def percentile(ordered: list[float], p: int) -> float | None:
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    if not ordered:
        return None
    rank = max(math.ceil(p / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def rate(numerator: int, denominator: int) -> float | None:
    """A fraction (0.25, not 25 %), None when there was nothing to count."""
    return round(numerator / denominator, 4) if denominator else None


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _group(items: Iterable, key: Callable) -> dict:
    groups = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return groups


# --- Hours ---------------------------------------------------------------------------------------


def _calendar_days(municipality, start: dt.date, end: dt.date) -> dict[dt.date, DayHours]:
    """Each day's closing, regular closing and designation (empty without a counter calendar:
    the evening, designated-day and after-closing figures are then 0)."""
    try:
        snap = calendar.snapshot(Service.COUNTER, start, end, municipality=municipality)
    except calendar.CalendarNotFound:
        return {}
    designated = set(
        DesignatedDay.objects.filter(calendar=snap.calendar, date__range=(start, end)).values_list(
            "date", flat=True
        )
    )
    days = {}
    for info in snap.days():
        regular = snap.regular_hours(info.date)
        days[info.date] = DayHours(
            closing=info.hours[-1][1] if info.hours else None,
            regular_closing=regular[-1][1] if regular else None,
            designated=info.open and info.date in designated,
        )
    return days


def _after_closing(days: dict[dt.date, DayHours], last_finished: dict) -> dict[dt.date, dict]:
    """Per day with tickets finished after its closing: closing, last finish and minutes."""
    result = {}
    for day, last in last_finished.items():
        hours = days.get(day)
        if hours is None or hours.closing is None:
            continue
        closing = dt.datetime.combine(day, hours.closing, tzinfo=TOKYO)
        minutes = int((last - closing).total_seconds() // 60)
        if minutes > 0:
            result[day] = {
                "date": day.isoformat(),
                "closing": f"{hours.closing:%H:%M}",
                "last_finished": f"{last.astimezone(TOKYO):%H:%M}",
                "minutes": minutes,
            }
    return result


def _hours(days: dict[dt.date, DayHours], facts: list[TicketFacts], after_closing: dict) -> dict:
    return {
        "calendar": bool(days),
        "open_days": sum(1 for hours in days.values() if hours.closing is not None),
        "evening_days": sum(1 for hours in days.values() if hours.extended),
        "evening_tickets": sum(1 for f in facts if f.evening),
        "designated_days": sorted(day.isoformat() for day, h in days.items() if h.designated),
        "designated_tickets": sum(1 for f in facts if f.designated),
        "minutes_after_closing": sum(row["minutes"] for row in after_closing.values()),
        "days_after_closing": [after_closing[day] for day in sorted(after_closing)],
    }


# --- Requests, reviews, fees, bereavement -------------------------------------------------------


def _procedures(municipality) -> dict[int, dict]:
    rows = Procedure.objects.filter(municipality=municipality).order_by("position", "code")
    return {
        row["id"]: {**row, "order": order}
        for order, row in enumerate(rows.values("id", "code", "name"))
    }


def _request_rows(municipality, start, end) -> list[dict]:
    return list(
        Request.objects.filter(municipality=municipality, day__range=(start, end))
        .exclude(status=RequestStatus.WITHDRAWN)
        .values("day", "procedure_id", "requester_kind")
        .annotate(n=Count("id"), quantity=Sum("quantity"))
        .order_by()
    )


def _review_rows(municipality, start, end) -> list[dict]:
    low, high = day_bounds(start, end)
    return list(
        Review.objects.filter(request__municipality=municipality, at__gte=low, at__lt=high)
        .annotate(day=TruncDate("at", tzinfo=TOKYO))
        .values("day", "request__procedure_id", "decision")
        .annotate(n=Count("id"))
        .order_by()
    )


def _fee_rows(municipality, start, end) -> list[dict]:
    return list(
        FeeEntry.objects.filter(municipality=municipality, day__range=(start, end))
        .values("day", "procedure_id", "payment_kind", "kind")
        .annotate(n=Count("id"), quantity=Sum("quantity"), amount=Sum("amount"))
        .order_by()
    )


def _bereavement_rows(municipality, start, end) -> list[dict]:
    low, high = day_bounds(start, end)
    return list(
        BereavementReservation.objects.filter(
            municipality=municipality, starts_at__gte=low, starts_at__lt=high
        )
        .annotate(day=TruncDate("starts_at", tzinfo=TOKYO))
        .values("day", "status")
        .annotate(n=Count("id"))
        .order_by()
    )


def _procedure(procedures: dict, procedure_id: int) -> dict:
    known = procedures.get(procedure_id, {"code": "", "name": "（不明な手続）", "order": 10**6})
    return {"code": known["code"], "name": known["name"], "order": known["order"]}


def _requests(rows: list[dict], procedures: dict) -> dict:
    lines: dict[tuple, dict] = {}
    by_kind = {kind: 0 for kind in RequesterKind.values}
    for row in rows:
        key = (row["procedure_id"], row["requester_kind"])
        line = lines.setdefault(
            key,
            {
                **_procedure(procedures, row["procedure_id"]),
                "requester_kind": row["requester_kind"],
                "requester_label": _label(RequesterKind, row["requester_kind"]),
                "count": 0,
                "quantity": 0,
            },
        )
        line["count"] += row["n"]
        line["quantity"] += row["quantity"] or 0
        by_kind[row["requester_kind"]] = by_kind.get(row["requester_kind"], 0) + row["n"]
    ordered = sorted(lines.values(), key=lambda line: (line["order"], _kind_order(line)))
    return {
        "count": sum(line["count"] for line in ordered),
        "quantity": sum(line["quantity"] for line in ordered),
        "by_requester_kind": [
            {"kind": kind, "label": _label(RequesterKind, kind), "count": n}
            for kind, n in by_kind.items()
        ],
        "lines": [_without_order(line) for line in ordered],
    }


def _reviews(rows: list[dict], procedures: dict) -> dict:
    lines: dict[int, dict] = {}
    for row in rows:
        procedure_id = row["request__procedure_id"]
        line = lines.setdefault(
            procedure_id, {**_procedure(procedures, procedure_id), "approved": 0, "returned": 0}
        )
        line[_decision_key(row["decision"])] += row["n"]
    ordered = sorted(lines.values(), key=lambda line: line["order"])
    approved = sum(line["approved"] for line in ordered)
    returned = sum(line["returned"] for line in ordered)
    return {
        "count": approved + returned,
        "approved": approved,
        "returned": returned,
        "return_share": rate(returned, approved + returned),
        "lines": [_without_order(line) for line in ordered],
    }


def _decision_key(decision: str) -> str:
    return "approved" if decision == ReviewDecision.APPROVED else "returned"


def _fees(rows: list[dict], procedures: dict) -> dict:
    lines: dict[tuple, dict] = {}
    for row in rows:
        key = (row["procedure_id"], row["payment_kind"])
        line = lines.setdefault(
            key,
            {
                **_procedure(procedures, row["procedure_id"]),
                "payment_kind": row["payment_kind"],
                "payment_label": _label(PaymentKind, row["payment_kind"]),
                "charges": 0,
                "reversals": 0,
                "quantity": 0,
                "amount": 0,
            },
        )
        line["charges" if row["kind"] == FeeEntryKind.CHARGE else "reversals"] += row["n"]
        line["quantity"] += row["quantity"] or 0
        line["amount"] += row["amount"] or 0
    ordered = sorted(
        lines.values(), key=lambda line: (line["order"], _payment_order(line["payment_kind"]))
    )
    by_payment = {kind: 0 for kind in PaymentKind.values}
    for line in ordered:
        by_payment[line["payment_kind"]] = by_payment.get(line["payment_kind"], 0) + line["amount"]
    return {
        "charges": sum(line["charges"] for line in ordered),
        "reversals": sum(line["reversals"] for line in ordered),
        "quantity": sum(line["quantity"] for line in ordered),
        "amount": sum(line["amount"] for line in ordered),
        "by_payment_kind": [
            {"kind": kind, "label": _label(PaymentKind, kind), "amount": amount}
            for kind, amount in by_payment.items()
        ],
        "lines": [_without_order(line) for line in ordered],
    }


def _bereavement(rows: list[dict]) -> dict:
    by_status = {status: 0 for status in BereavementStatus.values}
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
    return {
        "cases": sum(n for status, n in by_status.items() if status != BereavementStatus.CANCELLED),
        "by_status": [
            {"status": status, "label": _label(BereavementStatus, status), "count": n}
            for status, n in by_status.items()
        ],
    }


def _label(choices, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def _kind_order(line: dict) -> int:
    values = RequesterKind.values
    kind = line["requester_kind"]
    return values.index(kind) if kind in values else len(values)


def _payment_order(kind: str) -> int:
    values = PaymentKind.values
    return values.index(kind) if kind in values else len(values)


def _without_order(line: dict) -> dict:
    return {key: value for key, value in line.items() if key != "order"}


# --- Series --------------------------------------------------------------------------------------


def _series(kind, start, end, facts, targets, after_closing, requests, reviews, fees, bereavement):
    """One row per day (or month) of the period: the ticket summary and the other counts."""
    key = _day_key if kind == "day" else _month_key
    tickets = _group(facts, lambda f: key(f.day))
    minutes = defaultdict(int)
    for day, row in after_closing.items():
        minutes[key(day)] += row["minutes"]
    counted = {
        "requests": _sums(requests, key, "n"),
        "fee_amount": _sums(fees, key, "amount"),
        "approved": _sums(
            [r for r in reviews if r["decision"] == ReviewDecision.APPROVED], key, "n"
        ),
        "returned": _sums(
            [r for r in reviews if r["decision"] == ReviewDecision.RETURNED], key, "n"
        ),
        "bereavement": _sums(
            [r for r in bereavement if r["status"] != BereavementStatus.CANCELLED], key, "n"
        ),
    }
    return [
        {
            "key": bucket,
            **_summary(tickets.get(bucket, []), targets),
            "minutes_after_closing": minutes.get(bucket, 0),
            **{name: sums.get(bucket, 0) for name, sums in counted.items()},
        }
        for bucket in _buckets(kind, start, end)
    ]


def _sums(rows: list[dict], key: Callable, field: str) -> dict[str, int]:
    sums: dict[str, int] = defaultdict(int)
    for row in rows:
        sums[key(row["day"])] += row[field] or 0
    return sums


def _day_key(day: dt.date) -> str:
    return day.isoformat()


def _month_key(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def _buckets(kind: str, start: dt.date, end: dt.date) -> list[str]:
    keys, day = [], start
    key = _day_key if kind == "day" else _month_key
    while day <= end:
        if not keys or keys[-1] != key(day):
            keys.append(key(day))
        day += dt.timedelta(days=1)
    return keys
