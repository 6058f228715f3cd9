"""The bereavement desk's set-up shared by its three test modules: the demo catalogue (desk,
13 questions, 14 procedures), the queue D and the procedure ``okuyami`` whose queue a
checked-in visitor's ticket goes to, and a booking helper with the desk's defaults."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from civicdesk.core.calendar import TOKYO
from civicdesk.core.services import setup_demo_calendars
from civicdesk.counter.bereavement_catalogue import demo_catalogue
from civicdesk.counter.models import (
    BereavementDesk,
    BereavementProcedure,
    BereavementQuestion,
)
from civicdesk.counter.services import bereavement as services
from tests.counter.factories import CounterFactory, ProcedureFactory, QueueFactory

# TEST_NOW is Wednesday 10 June 2026 10:00 in Tokyo.
THURSDAY = dt.date(2026, 6, 11)
SATURDAY = dt.date(2026, 6, 13)
MONDAY = dt.date(2026, 6, 15)
NO_ANSWERS = {
    "householder": False,
    "household_adults": False,
    "seal": False,
    "my_number_card": False,
    "nhi": False,
    "late_elderly": False,
    "funeral": False,
    "age65": False,
    "pension": False,
    "land_house": False,
    "light_vehicle": False,
    "child_allowance": False,
    "disability": False,
}


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TOKYO)


def set_up(municipality) -> SimpleNamespace:
    """The desk's set-up in ``municipality`` (its demo calendars too, when it has none)."""
    setup_demo_calendars(acting_user=None, municipality=municipality)
    demo_catalogue(municipality)
    queue = QueueFactory(municipality=municipality, code="D", name="おくやみコーナー")
    procedure = ProcedureFactory(
        municipality=municipality,
        code="okuyami",
        name="おくやみコーナー（予約）",
        category="other",
        queue=queue,
        data_items=[],
        requester_kinds=["self", "agent"],
        requires_review=False,
        has_fee=False,
        uses_tamper_proof_paper=False,
    )
    counter = CounterFactory(municipality=municipality, code="6", name="おくやみ", serves=[queue])
    return SimpleNamespace(
        desk=BereavementDesk.objects.get(municipality=municipality),
        queue=queue,
        procedure=procedure,
        counter=counter,
        questions=list(BereavementQuestion.objects.filter(municipality=municipality)),
        procedures=list(BereavementProcedure.objects.filter(municipality=municipality)),
    )


def book(user, starts_at, **given):
    values = {
        "channel": "phone",
        "deceased_name": "一関 花子",
        "deceased_on": dt.date(2026, 6, 5),
        "visitor_name": "一関 太郎",
        "visitor_phone": "090-1234-5678",
        "visitor_relationship": "長男",
        **given,
    }
    return services.book_reservation(acting_user=user, starts_at=starts_at, **values)


def answers(**yes: bool) -> dict[str, bool]:
    return {**NO_ANSWERS, **yes}
