"""The counter's part of the access matrix's world (tests/test_access_matrix.py): the demo
set-up, and one object of each kind a counter URL names, made through the real services by
the world's users. Returns the world keys and their URL arguments."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from civicdesk.core.calendar import TOKYO
from civicdesk.core.demo_calendar import DEMO_RULES
from civicdesk.core.demo_calendar import create_calendar as create_demo_calendar
from civicdesk.core.models.calendar import Service
from civicdesk.counter.bereavement_catalogue import demo_catalogue
from civicdesk.counter.models import BereavementQuestion, Counter, Procedure, Queue
from civicdesk.counter.services import (
    bereavement,
    day_close,
    displays,
    fees,
    plates,
    requests,
    tickets,
)
from civicdesk.counter.services.catalogue import set_up_counters
from tests.counter.flow import open_full


def build_counter_world(municipality, users) -> dict[str, list]:
    reception, clerk = users["reception"], users["counter_clerk"]
    cashier, staff = users["cashier"], users["staff"]
    # The counter's calendar only: the dunning pages of the world keep theirs as they are.
    create_demo_calendar(municipality, Service.COUNTER, DEMO_RULES[Service.COUNTER])
    set_up_counters(acting_user=staff, municipality=municipality)
    demo_catalogue(municipality)
    certificate = Procedure.objects.get(municipality=municipality, code="juminhyo")
    window = Counter.objects.get(municipality=municipality, code="1")
    cash = Counter.objects.get(municipality=municipality, code="K")
    queue_a = Queue.objects.get(municipality=municipality, code="A")

    settled_ticket, settled = _approved(reception, clerk, staff, queue_a, window, certificate)
    tickets.call_next(acting_user=cashier, counter=cash)
    fees.settle_requests(
        acting_user=cashier, requests=[settled], payment_kind="cash", ticket=settled_ticket
    )
    fee_entry = settled.fee_entries.get()
    pickup_ticket, _approved_request = _approved(
        reception, clerk, staff, queue_a, window, certificate
    )
    serving = _serving(reception, clerk, queue_a, window)
    open_request = open_full(clerk, certificate, serving)

    vehicle = Procedure.objects.get(municipality=municipality, code="karinanbar")
    queue_b = Queue.objects.get(municipality=municipality, code="B")
    windows = [Counter.objects.get(municipality=municipality, code=code) for code in "23"]
    permit_request = open_full(
        clerk,
        vehicle,
        _serving(reception, clerk, queue_b, windows[0]),
        items={"requester_name": "臨時 運行"},
    )
    plate = plates.add_plate(acting_user=staff, number="一関 仮 12")
    loan_request = open_full(
        clerk,
        vehicle,
        _serving(reception, clerk, queue_b, windows[1]),
        items={"requester_name": "仮 番号"},
    )
    requests.submit_for_review(acting_user=clerk, request=loan_request)
    requests.review_request(acting_user=staff, request=loan_request, approved=True)
    loan_request.refresh_from_db()
    loan = plates.lend_plate(
        acting_user=clerk,
        request=loan_request,
        plate=plate,
        permit_no="R8-001",
        valid_until=timezone.localdate() + dt.timedelta(days=3),
    )
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    closed = day_close.close_day(acting_user=cashier, day=yesterday, denominations={})

    case = _bereavement_case(municipality, reception, clerk)
    device, key = displays.register_display(
        acting_user=users["supervisor"], municipality=municipality, name="待合", kind="waiting_room"
    )
    return {
        "display_key": [key],
        "display_device": [device.pk],
        "counter_ticket": [serving.pk],
        "counter_request": [open_request.pk],
        "permit_request": [permit_request.pk],
        "pickup_ticket": [pickup_ticket.pk],
        "settled_ticket": [settled_ticket.pk],
        "fee_entry": [fee_entry.pk],
        "day_close": [closed.pk],
        "plate_loan": [loan.pk],
        "procedure": [certificate.pk],
        "bereavement_case": [case.pk],
        "bereavement_task": [case.pk, case.tasks.first().pk],
    }


def _serving(reception, clerk, queue, window):
    tickets.issue_ticket(acting_user=reception, queue=queue)
    called = tickets.call_next(acting_user=clerk, counter=window)
    return tickets.start_service(acting_user=clerk, ticket=called)


def _approved(reception, clerk, staff, queue, window, procedure):
    ticket = _serving(reception, clerk, queue, window)
    request = open_full(clerk, procedure, ticket)
    requests.submit_for_review(acting_user=clerk, request=request)
    requests.review_request(acting_user=staff, request=request, approved=True)
    request.refresh_from_db()
    ticket.refresh_from_db()
    return ticket, request


def _bereavement_case(municipality, reception, clerk):
    today = timezone.localdate()
    case = bereavement.book_reservation(
        acting_user=reception,
        starts_at=dt.datetime.combine(today, dt.time(15, 0), tzinfo=TOKYO),
        channel="phone",
        deceased_name="試験 故人",
        deceased_on=today - dt.timedelta(days=5),
        visitor_name="試験 遺族",
        visitor_phone="090-1234-2222",
    )
    case = bereavement.check_in(acting_user=reception, reservation=case)
    answers = {
        code: True
        for code in BereavementQuestion.objects.filter(municipality=municipality).values_list(
            "code", flat=True
        )
    }
    bereavement.record_answers(acting_user=clerk, reservation=case, answers=answers)
    return case
