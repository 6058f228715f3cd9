"""The counters' demo history: made through the real services, every open day closed and
confirmed by staff, figures for every report, the same seed the same history."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db.models import Sum

from civicdesk.core import calendar
from civicdesk.core.calendar import TOKYO, Service
from civicdesk.core.services import setup_demo_calendars
from civicdesk.counter.bereavement_catalogue import demo_catalogue
from civicdesk.counter.demo_history import Cast, create_counter_history
from civicdesk.counter.models import (
    BereavementReservation,
    DayClose,
    FeeEntry,
    Request,
    Review,
    Ticket,
    TicketEvent,
)
from civicdesk.counter.services.catalogue import set_up_counters
from tests.conftest import _user, built_once
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 10)
DAYS = 12  # 2026-05-29 (Fri) .. 2026-06-09 (Tue): two Mondays, two weekends


def _build() -> SimpleNamespace:
    municipality = MunicipalityFactory(is_default=True)
    setup_demo_calendars(acting_user=None, municipality=municipality)
    staff = _user("staff", municipality)
    set_up_counters(acting_user=staff, municipality=municipality)
    demo_catalogue(municipality)
    cast = Cast(
        reception=_user("reception", municipality),
        clerks=[_user("counter_clerk", municipality, username=name) for name in ("c1", "c2")],
        cashier=_user("cashier", municipality),
        staff=staff,
        supervisor=_user("supervisor", municipality),
    )
    made = create_counter_history(
        municipality=municipality, people=cast, today=TODAY, days=DAYS, seed=1
    )
    return SimpleNamespace(municipality=municipality, cast=cast, made=made)


@pytest.fixture(scope="module")
def _history(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, _build)


@pytest.fixture
def history(_history):
    """Twelve days of history, made once for the module; each test only reads it."""
    return _history[0]


def test_every_open_day_gets_tickets_a_close_and_a_staff_confirmation(history):
    start = TODAY - dt.timedelta(days=DAYS)
    open_days = calendar.open_days(
        Service.COUNTER, start, TODAY - dt.timedelta(days=1), municipality=history.municipality
    )
    assert history.made["days"] == len(open_days)
    assert history.made["designated_days"] == 2
    assert sorted(set(Ticket.objects.values_list("day", flat=True))) == open_days
    closes = DayClose.objects.order_by("day")
    assert [close.day for close in closes] == open_days
    assert {close.confirmed_by_id for close in closes} == {history.cast.staff.pk}
    assert Ticket.objects.count() == history.made["tickets"]


def test_everybody_was_served_or_did_not_come(history):
    assert set(Ticket.objects.values_list("status", flat=True)) == {"done", "no_show"}
    for ticket in Ticket.objects.filter(status="no_show")[:3]:
        kinds = list(ticket.events.values_list("kind", flat=True))
        assert kinds.count("recalled") == ticket.queue.recall_limit


def test_the_cash_counted_matches_the_fees_taken_unless_a_reason_says_why(history):
    for close in DayClose.objects.all():
        cash = FeeEntry.objects.filter(day=close.day, payment_kind="cash").aggregate(
            total=Sum("amount")
        )["total"]
        assert close.counted_cash - (cash or 0) == close.difference
        assert close.difference == 0 or close.reason


def test_reviewed_requests_were_decided_by_staff_and_paid_before_issue(history):
    assert Review.objects.filter(decision="approved").exists()
    assert set(Review.objects.values_list("reviewer", flat=True)) == {history.cast.staff.pk}
    for request in Request.objects.filter(procedure__has_fee=True):
        assert request.status == "issued"
        assert request.fee_entries.filter(kind="charge").exists()
    for review in Review.objects.all():
        assert review.at >= review.requested_at


def test_the_bereavement_desk_and_monday_evenings_have_visitors(history):
    assert BereavementReservation.objects.filter(status="done").exists()
    evening = [
        ticket
        for ticket in Ticket.objects.all()
        if ticket.day.weekday() == 0
        and ticket.issued_at.astimezone(TOKYO).time() >= dt.time(17, 15)
    ]
    assert evening


def _events_of_a_fresh_history(code: str) -> list[tuple[str, dt.time]]:
    municipality = MunicipalityFactory(code=code, name=f"試験市{code}")
    setup_demo_calendars(acting_user=None, municipality=municipality)
    staff = _user("staff", municipality, username=f"staff{code}")
    set_up_counters(acting_user=staff, municipality=municipality)
    demo_catalogue(municipality)
    cast = Cast(
        reception=_user("reception", municipality, username=f"r{code}"),
        clerks=[_user("counter_clerk", municipality, username=f"c{code}")],
        cashier=_user("cashier", municipality, username=f"k{code}"),
        staff=staff,
        supervisor=_user("supervisor", municipality, username=f"s{code}"),
    )
    create_counter_history(municipality=municipality, people=cast, today=TODAY, days=2, seed=5)
    events = TicketEvent.objects.filter(ticket__queue__municipality=municipality)
    return [(kind, at.time()) for kind, at in events.order_by("at", "id").values_list("kind", "at")]


def test_the_same_seed_gives_the_same_history():
    first = _events_of_a_fresh_history("900001")
    assert first
    assert _events_of_a_fresh_history("900002") == first
