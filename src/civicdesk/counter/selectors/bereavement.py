"""Read queries of the bereavement desk (おくやみコーナー, seed 003 §6(15)⑨): who may do what, the
slots of the coming two weeks with their free places, the reception's day list, the cases of
the user's municipality and one case as its page shows it.

Who sees the personal data (the deceased's name and date of death, the visitor's name, phone
and relationship, the answers):

- reception (窓口受付) books a visit (types in what the caller says), checks visitors in and
  cancels; its day list shows the time, the reservation number, the state and the visitor's
  family name only (to greet the person), never the case page, the answers or the pack;
- counter clerk (窓口担当) runs the case: the answers, the checklist, the notices to the
  sections, the pack, done;
- supervisor and staff read the cases (every page logged) and change nothing;
- cashier, operator, visitor, inspector and admin see nothing of the desk.

Everything is limited to the user's municipality; an erased case (its names blanked after the
retention period) keeps its time, channel, state and checklist, which the reports count.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils import timezone

from civicdesk.core import calendar
from civicdesk.core.calendar import TOKYO, DayInfo, Service
from civicdesk.core.models import Municipality
from civicdesk.counter.choices import BereavementStatus, ProcedureCategory
from civicdesk.counter.models import (
    BereavementDesk,
    BereavementProcedure,
    BereavementQuestion,
    BereavementReservation,
    BereavementTask,
    Procedure,
    Queue,
)

VIEW_RESERVATION = "counter.view_bereavementreservation"
ADD_RESERVATION = "counter.add_bereavementreservation"
CHANGE_RESERVATION = "counter.change_bereavementreservation"
VIEW_TASK = "counter.view_bereavementtask"
CHANGE_TASK = "counter.change_bereavementtask"

# The procedure whose queue a checked-in visitor's ticket is issued in (BereavementDesk has no
# queue of its own): category "other", this code.
TICKET_PROCEDURE_CODE = "okuyami"
SLOT_DAYS = 14
OPEN_STATUSES = (BereavementStatus.RESERVED, BereavementStatus.CHECKED_IN)
ENDED_STATUSES = (BereavementStatus.DONE, BereavementStatus.CANCELLED)
# What a case page shows of the people concerned (the access log names these fields).
CASE_FIELDS = (
    "deceased_name",
    "deceased_on",
    "visitor_name",
    "visitor_phone",
    "visitor_relationship",
    "answers",
)
LIST_FIELDS = ("deceased_name", "visitor_name")
RECEPTION_FIELDS = ("visitor_name",)
LIST_LIMIT = 200


# --- Who may ---------------------------------------------------------------------------------


def _has(user, *permissions: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return all(user.has_perm(permission) for permission in permissions)


def may_view_slots(user) -> bool:
    return _has(user, VIEW_RESERVATION)


def may_book(user) -> bool:
    return _has(user, VIEW_RESERVATION, ADD_RESERVATION)


def may_check_in(user) -> bool:
    """Reception and the counter clerks: the day's list, check-in and cancelling."""
    return _has(user, VIEW_RESERVATION, CHANGE_RESERVATION)


def may_view_cases(user) -> bool:
    """The case pages with every personal item: clerks, supervisors, staff."""
    return _has(user, VIEW_RESERVATION, VIEW_TASK)


def may_work_cases(user) -> bool:
    """Answers, notices, ticks, the pack and done: the counter clerks."""
    return _has(user, VIEW_RESERVATION, CHANGE_RESERVATION, VIEW_TASK, CHANGE_TASK)


# --- The municipality's set-up -----------------------------------------------------------------


def desk_for(municipality_id: int | None) -> BereavementDesk | None:
    return BereavementDesk.objects.filter(municipality_id=municipality_id).first()


def questions_for(municipality_id: int | None) -> list[BereavementQuestion]:
    return list(BereavementQuestion.objects.filter(municipality_id=municipality_id))


def active_procedures(municipality_id: int | None) -> list[BereavementProcedure]:
    return list(BereavementProcedure.objects.filter(municipality_id=municipality_id, active=True))


def ticket_queue(municipality_id: int | None) -> tuple[Queue | None, Procedure | None]:
    """Where a checked-in visitor's ticket goes: the desk's own queue when set, else the queue of
    the procedure ``okuyami`` (the ticket then names that procedure)."""
    procedure = ticket_procedure(municipality_id)
    desk = (
        BereavementDesk.objects.filter(municipality_id=municipality_id)
        .select_related("queue")
        .first()
    )
    if desk is not None and desk.queue is not None:
        same = procedure is not None and procedure.queue_id == desk.queue_id
        return desk.queue, procedure if same else None
    return (procedure.queue, procedure) if procedure is not None else (None, None)


def ticket_procedure(municipality_id: int | None) -> Procedure | None:
    return (
        Procedure.objects.filter(
            municipality_id=municipality_id,
            code=TICKET_PROCEDURE_CODE,
            category=ProcedureCategory.OTHER,
        )
        .select_related("queue")
        .first()
    )


# --- Slots -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    starts_at: dt.datetime
    capacity: int
    booked: int
    past: bool

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)

    @property
    def bookable(self) -> bool:
        return not self.past and self.free > 0


@dataclass(frozen=True)
class SlotDay:
    date: dt.date
    open: bool
    reason: str
    hours: str
    slots: list[Slot] = field(default_factory=list)


def slot_times(desk: BereavementDesk, info: DayInfo) -> list[dt.datetime]:
    """The starts of the desk's slots on an open day: from the first to the last slot every
    slot_minutes, each slot lying wholly within one interval of the counter's hours."""
    if not info.open:
        return []
    step = dt.timedelta(minutes=desk.slot_minutes)
    start = dt.datetime.combine(info.date, _as_time(desk.first_slot))
    last = dt.datetime.combine(info.date, _as_time(desk.last_slot))
    times = []
    while start <= last:
        end = start + step
        if end.date() == info.date and any(
            opens <= start.time() and end.time() <= closes for opens, closes in info.hours
        ):
            times.append(start.replace(tzinfo=TOKYO))
        start = end
    return times


def _as_time(value) -> dt.time:
    # A desk made in code before saving can still hold the field default's text ("09:00").
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))


def booked_counts(
    municipality_id: int | None, start: dt.datetime, end: dt.datetime
) -> dict[dt.datetime, int]:
    """Reservations that hold a place (every state but cancelled) per slot start."""
    rows = (
        BereavementReservation.objects.filter(
            municipality_id=municipality_id, starts_at__gte=start, starts_at__lt=end
        )
        .exclude(status=BereavementStatus.CANCELLED)
        .values("starts_at")
        .annotate(n=Count("id"))
    )
    return {row["starts_at"].astimezone(TOKYO): row["n"] for row in rows}


def slot_calendar(
    municipality_id: int | None,
    start: dt.date,
    *,
    days: int = SLOT_DAYS,
    now: dt.datetime | None = None,
) -> list[SlotDay]:
    """Every day from ``start`` for ``days`` days with its slots and free places (one calendar
    snapshot and one grouped count: no personal data)."""
    desk = desk_for(municipality_id)
    if desk is None:
        return []
    now = now or timezone.now()
    end = start + dt.timedelta(days=days - 1)
    snapshot = calendar.snapshot(Service.COUNTER, start, end, municipality=municipality_id)
    counts = booked_counts(municipality_id, *calendar.day_bounds(start, end))
    out = []
    for info in snapshot.days():
        slots = [
            Slot(
                starts_at=at,
                capacity=desk.capacity,
                booked=counts.get(at, 0),
                past=at <= now,
            )
            for at in slot_times(desk, info)
        ]
        hours = calendar.format_hours(info.hours)
        out.append(SlotDay(info.date, info.open, info.reason, hours, slots))
    return out


# --- Cases -------------------------------------------------------------------------------------


def reservations_for(user) -> QuerySet[BereavementReservation]:
    if not may_view_slots(user):
        return BereavementReservation.objects.none()
    municipality_id = Municipality.objects.id_for_user(user)
    return BereavementReservation.objects.filter(municipality_id=municipality_id).select_related(
        "ticket__queue"
    )


def is_erased(case: BereavementReservation) -> bool:
    """Erased after its retention period (the names, phone and answers are gone)."""
    return case.erased_at is not None


def normalize_number(text: str) -> str:
    """A reservation number as typed (全角, lower case, spaces) in its stored form."""
    return unicodedata.normalize("NFKC", text or "").strip().upper().replace(" ", "")


def find_by_number(user, text: str) -> BereavementReservation | None:
    number = normalize_number(text)
    if not number:
        return None
    return reservations_for(user).filter(reservation_no=number).first()


def family_name(full_name: str) -> str:
    """The part before the first space (the booking form asks for 姓 and 名 apart)."""
    parts = unicodedata.normalize("NFKC", full_name).split()
    return parts[0] if parts else ""


@dataclass(frozen=True)
class ReceptionRow:
    pk: int
    starts_at: dt.datetime
    reservation_no: str
    status: str
    status_label: str
    family_name: str
    ticket_label: str


def reception_list(user, day: dt.date) -> list[ReceptionRow]:
    """The day's reservations as reception sees them: no name but the visitor's family name."""
    cases = reservations_for(user).filter(
        starts_at__gte=calendar.day_bounds(day)[0], starts_at__lt=calendar.day_bounds(day)[1]
    )
    return [reception_row(case) for case in cases.order_by("starts_at", "reservation_no")]


def reception_row(case: BereavementReservation) -> ReceptionRow:
    return ReceptionRow(
        pk=case.pk,
        starts_at=case.starts_at,
        reservation_no=case.reservation_no,
        status=case.status,
        status_label=case.get_status_display(),
        family_name=family_name(case.visitor_name),
        ticket_label=case.ticket.label if case.ticket_id else "",
    )


def cases_for(user) -> QuerySet[BereavementReservation]:
    if not may_view_cases(user):
        return BereavementReservation.objects.none()
    return reservations_for(user)


def case_list(user, *, day: dt.date | None = None, open_only: bool = True):
    """Cases for the clerks' list: a day's, or every open one from today on (oldest first)."""
    cases = cases_for(user)
    if day is not None:
        start, end = calendar.day_bounds(day)
        cases = cases.filter(starts_at__gte=start, starts_at__lt=end)
    if open_only:
        cases = cases.filter(status__in=OPEN_STATUSES)
    return list(cases.order_by("starts_at", "reservation_no")[:LIST_LIMIT])


@dataclass(frozen=True)
class Answer:
    code: str
    text: str
    value: bool | None


@dataclass(frozen=True)
class SectionTasks:
    section: str
    tasks: list[BereavementTask]

    @property
    def notified_at(self) -> dt.datetime | None:
        """When the section was told of every procedure it has on the case (None: not yet)."""
        times = [task.notified_at for task in self.tasks]
        return None if any(at is None for at in times) else max(times)

    @property
    def done(self) -> int:
        return sum(1 for task in self.tasks if task.done_at)


@dataclass(frozen=True)
class CaseView:
    case: BereavementReservation
    answers: list[Answer]
    sections: list[SectionTasks]
    erased: bool

    @property
    def answered(self) -> bool:
        return bool(self.case.answers)

    @property
    def open(self) -> bool:
        return self.case.status in OPEN_STATUSES

    @property
    def unnotified(self) -> list[str]:
        return [group.section for group in self.sections if group.notified_at is None]


def tasks_by_section(case: BereavementReservation) -> list[SectionTasks]:
    """The checklist grouped by section, sections in the order of their first procedure."""
    grouped: dict[str, list[BereavementTask]] = defaultdict(list)
    tasks = case.tasks.select_related("procedure", "done_by").order_by("procedure__position", "id")
    for task in tasks:
        grouped[task.section].append(task)
    return [SectionTasks(section, tasks) for section, tasks in grouped.items()]


def case_view(case: BereavementReservation) -> CaseView:
    answers = case.answers or {}
    return CaseView(
        case=case,
        answers=[
            Answer(question.code, question.text, answers.get(question.code))
            for question in questions_for(case.municipality_id)
        ],
        sections=tasks_by_section(case),
        erased=is_erased(case),
    )


def tasks_for(user) -> QuerySet[BereavementTask]:
    if not may_view_cases(user):
        return BereavementTask.objects.none()
    municipality_id = Municipality.objects.id_for_user(user)
    return BereavementTask.objects.filter(reservation__municipality_id=municipality_id)


def cases_to_erase(today: dt.date, municipality_id: int | None = None):
    """Ended cases whose retention period is over on ``today`` and whose names are still
    held: ended on day E (Tokyo), kept through E + retention_days - 1, erased from then on."""
    desks = BereavementDesk.objects.all()
    if municipality_id is not None:
        desks = desks.filter(municipality_id=municipality_id)
    due: list[BereavementReservation] = []
    # Municipalities without a desk row keep the model's default period.
    retention = {desk.municipality_id: desk.retention_days for desk in desks}
    default_days = BereavementDesk._meta.get_field("retention_days").default
    cases = BereavementReservation.objects.filter(
        status__in=ENDED_STATUSES, ended_at__isnull=False, erased_at__isnull=True
    )
    if municipality_id is not None:
        cases = cases.filter(municipality_id=municipality_id)
    latest_end = calendar.day_bounds(today)[1]
    for case in cases.filter(ended_at__lt=latest_end).order_by("ended_at", "id"):
        days = retention.get(case.municipality_id, default_days)
        ended_on = case.ended_at.astimezone(TOKYO).date()
        if ended_on + dt.timedelta(days=days) <= today:
            due.append(case)
    return due
