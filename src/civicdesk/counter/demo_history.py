"""The counters' past days for ``civicdesk demo``: tickets, requests, reviews, fees, day closes,
paper and bereavement-desk visits, made through the real services at their own moments, so
that every counter report (daily, monthly, annual) has figures on first start.

Each open day of the counter calendar is played as a small simulation in time order: people
arrive over the day (more on Monday mornings and after 17:15 on Monday evenings, a designated
Saturday morning or two), each clerk counter calls the next ticket of its queues when it is
free (「次の方」 through ``tickets.call_next``), takes the request with its checks, sends it to
staff for review or straight to the cashier, staff decide a few minutes later (now and then
差戻し, fixed and sent again), the cashier calls, takes the fee and hands the papers over; a
few people never come when called. The day closes after the last person; staff confirm it.
The same seed gives the same history.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
from dataclasses import dataclass, field

from civicdesk.core import calendar
from civicdesk.core.calendar import TOKYO, Service
from civicdesk.core.models.calendar import BusinessCalendar
from civicdesk.core.services import add_designated_day
from civicdesk.counter.choices import DENOMINATIONS, CounterKind, PaymentKind
from civicdesk.counter.models import (
    BereavementQuestion,
    Counter,
    Procedure,
    Request,
    Ticket,
)
from civicdesk.counter.selectors import fees as fee_selectors
from civicdesk.counter.services import bereavement, day_close, fees, paper, requests, tickets

MINUTE = dt.timedelta(minutes=1)
FAMILY = (
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "菅原",
    "千葉",
    "小野寺",
    "阿部",
    "及川",
)
GIVEN = ("一郎", "花子", "健太", "美咲", "翔", "陽子", "大輔", "由美", "誠", "恵子", "拓也", "優子")
# How often each procedure is asked for (a city hall's ground floor: certificates first).
WEIGHTS = {
    "juminhyo": 30,
    "koseki": 12,
    "inkan_shomei": 14,
    "zei_shomei": 8,
    "fuhyo": 3,
    "joseki": 2,
    "kisaijiko": 2,
    "koseki_juri": 1,
    "mibun": 1,
    "inkan_toroku": 5,
    "tennyu": 4,
    "tenkyo": 3,
    "tenshutsu": 3,
    "setai": 1,
    "mynumber_shinsei": 4,
    "mynumber_saikofu": 1,
    "kaiso": 1,
    "ryoken_juryo": 2,
    "karinanbar": 1,
    "kokuho": 6,
    "kokuho_saikofu": 2,
    "kogaku": 2,
    "iryohi": 2,
    "kouki": 3,
    "nenkin": 3,
}
SERVICE_MINUTES = {"certificate": (3, 8), "move": (12, 25), "seal": (6, 12)}
DEFAULT_SERVICE = (6, 15)


@dataclass(order=True)
class _Event:
    at: dt.datetime
    order: int
    kind: str = field(compare=False)
    payload: object = field(compare=False, default=None)


@dataclass
class Cast:
    reception: object
    clerks: list
    cashier: object
    staff: object
    supervisor: object


def create_counter_history(*, municipality, people: Cast, today: dt.date, days: int, seed: int):
    """Play ``days`` days before ``today``; returns counts of what was made."""
    rng = random.Random(seed * 7919 + 17)
    start = today - dt.timedelta(days=days)
    designated = _designate_saturdays(municipality, people.staff, start, today)
    snapshot = calendar.snapshot(Service.COUNTER, start, today, municipality=municipality)
    counters = list(Counter.objects.filter(municipality=municipality, active=True))
    procedures = {p.code: p for p in Procedure.objects.filter(municipality=municipality)}
    questions = list(
        BereavementQuestion.objects.filter(municipality=municipality).values_list("code", flat=True)
    )
    made = {"days": 0, "tickets": 0, "designated_days": len(designated), "bereavement": 0}
    paper.receive_paper(
        acting_user=people.cashier,
        sheets=8000,
        note="デモ: 改ざん防止用紙の受入",
        at=dt.datetime.combine(start, dt.time(8, 0), tzinfo=TOKYO),
    )
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        info = snapshot.day(day)
        if not info.open:
            continue
        regular_end = (snapshot.regular_hours(day) or info.hours)[-1][1]
        opening = (info.hours[0][0], info.hours[-1][1])
        made["tickets"] += _play_day(
            rng, day, opening, regular_end, counters, procedures, people, day in designated
        )
        # The bereavement desk books weekday afternoons (not the designated mornings).
        visits = (
            0
            if day in designated
            else _bereavement_visits(rng, municipality, day, people, questions)
        )
        made["bereavement"] += visits
        made["tickets"] += visits
        _close(rng, day, people)
        made["days"] += 1
    return made


def _designate_saturdays(municipality, staff, start: dt.date, today: dt.date) -> set[dt.date]:
    """Two Saturday mornings of the period (seed 003 §5(3)), unless designated already."""
    counter_calendar = BusinessCalendar.objects.get(
        municipality=municipality, service=Service.COUNTER
    )
    saturdays = [
        start + dt.timedelta(days=n)
        for n in range((today - start).days)
        if (start + dt.timedelta(days=n)).weekday() == 5
    ]
    chosen = set()
    picks = (
        {saturdays[len(saturdays) // 3], saturdays[2 * len(saturdays) // 3]} if saturdays else set()
    )
    for day in sorted(picks):
        if calendar.day_info(Service.COUNTER, day, municipality=municipality).open:
            chosen.add(day)
            continue
        add_designated_day(
            acting_user=staff,
            calendar=counter_calendar,
            date=day,
            start=dt.time(8, 30),
            end=dt.time(12, 0),
        )
        chosen.add(day)
    return chosen


def _arrivals(rng, day, opening, regular_end, designated: bool) -> list[dt.datetime]:
    """When people take a ticket: busier mornings, Monday evenings after regular hours."""
    begin = dt.datetime.combine(day, opening[0], tzinfo=TOKYO)
    end = dt.datetime.combine(day, opening[1], tzinfo=TOKYO)
    regular = dt.datetime.combine(day, regular_end, tzinfo=TOKYO)
    count = rng.randint(18, 26) if designated else rng.randint(28, 46)
    if day.weekday() == 0:
        count += 10
    moments = []
    for _ in range(count):
        if end > regular and rng.random() < 0.15:
            span = (regular, end)
        elif rng.random() < 0.55:
            span = (begin, min(begin + dt.timedelta(hours=3), end))
        else:
            span = (begin, min(end, regular) - dt.timedelta(minutes=10))
        seconds = max(60, int((span[1] - span[0]).total_seconds()))
        moments.append(span[0] + dt.timedelta(seconds=rng.randrange(seconds)))
    return sorted(moments)


def _play_day(rng, day, opening, regular_end, counters, procedures, people, designated) -> int:
    order = itertools.count()
    events: list[_Event] = []

    def schedule(at, kind, payload=None):
        heapq.heappush(events, _Event(at, next(order), kind, payload))

    codes = [code for code in WEIGHTS if code in procedures]
    weights = [WEIGHTS[code] for code in codes]
    arrivals = _arrivals(rng, day, opening, regular_end, designated)
    for moment in arrivals:
        schedule(moment, "arrive", procedures[rng.choices(codes, weights)[0]])
    first = arrivals[0] if arrivals else None
    if first is None:
        return 0
    clerk_counters = [c for c in counters if c.kind == CounterKind.CLERK and c.code != "6"]
    for index, counter in enumerate(clerk_counters):
        clerk = people.clerks[index % len(people.clerks)]
        schedule(first + MINUTE, "free", (counter, clerk))
    cash = next(c for c in counters if c.kind == CounterKind.CASHIER)
    schedule(first + MINUTE, "cash_free", cash)
    issued = 0
    while events:
        event = heapq.heappop(events)
        if event.kind == "arrive":
            procedure = event.payload
            tickets.issue_ticket(
                acting_user=people.reception,
                queue=procedure.queue,
                procedure=procedure,
                at=event.at,
            )
            issued += 1
        elif event.kind == "free":
            idle = _clerk_turn(rng, event, schedule, people)
            _wait_for(events, {"arrive"}, idle, "free", schedule)
        elif event.kind == "review":
            _review(rng, event, schedule, people)
        elif event.kind == "pickup":
            tickets.send_to_pickup(
                acting_user=event.payload[0], ticket=event.payload[1], at=event.at
            )
        elif event.kind == "cash_free":
            idle = _cashier_turn(rng, event, schedule, people)
            # Nothing decided yet: a clerk still serving may send someone on.
            waits = {"review", "pickup"} if _any(events, {"review", "pickup"}) else {"free"}
            _wait_for(events, waits, idle, "cash_free", schedule)
    return issued


def _any(events, kinds) -> bool:
    return any(event.kind in kinds for event in events)


def _wait_for(events, kinds, idle: _Event | None, kind: str, schedule) -> None:
    """An idle counter looks again when the next thing that may bring it someone happens (an
    arrival; for the cashier a decision or a hand-over), and stops when nothing will."""
    if idle is None:
        return
    coming = [event.at for event in events if event.kind in kinds]
    if coming:
        schedule(min(coming) + dt.timedelta(seconds=30), kind, idle.payload)


def _clerk_turn(rng, event, schedule, people) -> _Event | None:
    """The counter's next person, served to the end; the event back when nobody waits."""
    counter, clerk = event.payload
    ticket = tickets.call_next(acting_user=clerk, counter=counter, at=event.at)
    if ticket is None:
        return event
    at = event.at
    if rng.random() < 0.04:  # called three more times, never came
        for _ in range(ticket.queue.recall_limit + 1):
            at += MINUTE
            ticket = tickets.recall(acting_user=clerk, ticket=ticket, at=at)
        schedule(at + MINUTE, "free", event.payload)
        return None
    at += MINUTE
    procedure = ticket.procedure
    request = requests.open_request(
        acting_user=clerk,
        procedure=procedure,
        ticket=ticket,
        requester_kind=_requester(rng, procedure),
        quantity=1 if rng.random() < 0.8 else 2,
        checks=list(procedure.checklist),
        authority_checked=True,
        identity_document="マイナンバーカード",
        requesting_office="",
        items=_items(rng, procedure),
        at=at,
    )
    low, high = SERVICE_MINUTES.get(procedure.category, DEFAULT_SERVICE)
    at += dt.timedelta(minutes=rng.randint(low, high), seconds=rng.randrange(60))
    if procedure.requires_review:
        requests.submit_for_review(acting_user=clerk, request=request, at=at)
        schedule(at + dt.timedelta(minutes=rng.randint(2, 8)), "review", (clerk, request))
    elif procedure.has_fee:
        schedule(at, "pickup", (clerk, ticket))
    else:
        requests.issue_request(acting_user=clerk, request=request, at=at)
        tickets.finish(acting_user=clerk, ticket=ticket, at=at)
    schedule(at + MINUTE, "free", event.payload)
    return None


def _requester(rng, procedure) -> str:
    kinds = procedure.requester_kinds
    if "agent" in kinds and rng.random() < 0.12:
        return "agent"
    return "self" if "self" in kinds else kinds[0]


def _items(rng, procedure) -> dict[str, str]:
    name = f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"
    values = {
        "requester_name": name,
        "subject_name": name,
        "vehicle_chassis_no": f"ABC1-{rng.randrange(10**6):06d}",
        "mailing_address": "",
    }
    return {item: values[item] for item in procedure.data_items if values.get(item)}


def _review(rng, event, schedule, people) -> None:
    clerk, request = event.payload
    if rng.random() < 0.05:
        requests.review_request(
            acting_user=people.staff,
            request=request,
            approved=False,
            reason="請求書の記載（使用目的）を確認してください。",
            at=event.at,
        )
        fixed = event.at + 3 * MINUTE
        requests.submit_for_review(acting_user=clerk, request=request, at=fixed)
        schedule(fixed + dt.timedelta(minutes=rng.randint(2, 5)), "review", (clerk, request))
        return
    requests.review_request(acting_user=people.staff, request=request, approved=True, at=event.at)
    request.refresh_from_db()
    if not request.procedure.has_fee:
        # Nothing to pay: the clerk hands the papers over at the window.
        requests.issue_request(acting_user=clerk, request=request, at=event.at + MINUTE)
        ticket = Ticket.objects.get(pk=request.ticket_id)
        tickets.finish(acting_user=clerk, ticket=ticket, at=event.at + MINUTE)


def _cashier_turn(rng, event, schedule, people) -> _Event | None:
    ticket = tickets.call_next(acting_user=people.cashier, counter=event.payload, at=event.at)
    if ticket is None:
        return event
    paid_at = event.at + dt.timedelta(minutes=1, seconds=rng.randrange(90))
    held = list(Request.objects.filter(ticket=ticket, status="approved"))
    held += list(Request.objects.filter(ticket=ticket, status="intake"))
    kind = PaymentKind.CASH if rng.random() < 0.97 else PaymentKind.POSTAL_ORDER
    fees.settle_requests(
        acting_user=people.cashier, requests=held, payment_kind=kind, ticket=ticket, at=paid_at
    )
    schedule(paid_at + MINUTE, "cash_free", event.payload)
    return None


def _bereavement_visits(rng, municipality, day, people, questions) -> int:
    """Now and then a bereavement-desk visit booked a few days before, worked and finished."""
    if rng.random() > 0.25:
        return 0
    booked_at = dt.datetime.combine(day, dt.time(14, 0), tzinfo=TOKYO)
    family = rng.choice(FAMILY)
    case = bereavement.book_reservation(
        acting_user=people.reception,
        starts_at=booked_at,
        channel="phone",
        deceased_name=f"{family} {rng.choice(GIVEN)}",
        deceased_on=day - dt.timedelta(days=rng.randint(3, 12)),
        visitor_name=f"{family} {rng.choice(GIVEN)}",
        visitor_phone=f"090-{rng.randint(2000, 9999)}-{rng.randint(1000, 9999)}",
        visitor_relationship="長男",
        at=booked_at - dt.timedelta(days=3),
    )
    case = bereavement.check_in(acting_user=people.reception, reservation=case, at=booked_at)
    desk = Counter.objects.get(municipality=municipality, code="6")
    ticket = tickets.call_next(acting_user=people.clerks[0], counter=desk, at=booked_at + MINUTE)
    answers = {code: rng.random() < 0.5 for code in questions}
    bereavement.record_answers(acting_user=people.clerks[0], reservation=case, answers=answers)
    for section in sorted({task.section for task in case.tasks.all()}):
        bereavement.notify_section(
            acting_user=people.clerks[0], reservation=case, section=section, at=booked_at
        )
    done_at = booked_at + dt.timedelta(minutes=50)
    bereavement.finish_case(acting_user=people.clerks[0], reservation=case, at=done_at)
    if ticket is not None:
        tickets.finish(acting_user=people.clerks[0], ticket=ticket, at=done_at)
    return 1


def _close(rng, day, people) -> None:
    cash = fee_selectors.day_totals(people.cashier.municipality_id, day).cash
    pieces = _pieces(cash)
    reason = ""
    if rng.random() < 0.03 and pieces.get(10):
        pieces[10] -= 1  # a coin short
        reason = "10円硬貨1枚不足。釣銭の渡し過ぎと考えられる（再発防止: 釣銭の二重確認）。"
    close = day_close.close_day(
        acting_user=people.cashier,
        day=day,
        denominations=pieces,
        reason=reason,
        at=dt.datetime.combine(day, dt.time(19, 30), tzinfo=TOKYO),
    )
    day_close.confirm_day_close(
        acting_user=people.staff,
        day_close=close,
        at=dt.datetime.combine(day + dt.timedelta(days=1), dt.time(8, 45), tzinfo=TOKYO),
    )


def _pieces(amount: int) -> dict[int, int]:
    pieces = {}
    for value in DENOMINATIONS:
        pieces[value], amount = divmod(amount, value)
    return pieces
