"""The bereavement desk's rules (services.bereavement, selectors.bereavement): slots within
counter hours, booking refusals and capacity, reservation numbers, double submits, check-in
with a ticket, the questionnaire and its checklist, notices, done, erasure after the
retention period, the erase command and the demo catalogue."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
import uuid

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connections

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.core.calendar import Service, day_info
from civicdesk.core.models.calendar import BusinessCalendar
from civicdesk.core.services import add_designated_day
from civicdesk.counter import bereavement_catalogue as catalogue
from civicdesk.counter.models import (
    BereavementProcedure,
    BereavementQuestion,
    BereavementReservation,
    BereavementTask,
    Ticket,
)
from civicdesk.counter.selectors import bereavement as selectors
from civicdesk.counter.services import bereavement as services
from civicdesk.counter.services.tickets import OUTSIDE_HOURS
from tests.conftest import _user
from tests.counter.bereavement_setup import (
    MONDAY,
    SATURDAY,
    THURSDAY,
    answers,
    at,
    book,
    set_up,
)
from tests.factories import MunicipalityFactory

TODAY = dt.date(2026, 6, 10)


@pytest.fixture
def okuyami(municipality, calendars):
    return set_up(municipality)


def _entries(action, obj=None):
    """The access-log entries about bereavement cases (the set-up logs its calendars), oldest
    first."""
    entries = AccessLogEntry.objects.filter(
        action=action, object_type="counter.bereavementreservation"
    )
    if obj is not None:
        entries = entries.filter(object_id=str(obj.pk))
    return list(entries.order_by("seq"))


def _refusal(user, starts_at, **given) -> dict:
    with pytest.raises(ValidationError) as caught:
        book(user, starts_at, **given)
    return caught.value.message_dict


# --- Slots ---------------------------------------------------------------------------------------


def _times(desk, day, municipality):
    info = day_info(Service.COUNTER, day, municipality=municipality)
    return [f"{moment:%H:%M}" for moment in selectors.slot_times(desk, info)]


def test_slots_run_from_the_first_to_the_last_slot_every_slot_length(okuyami, municipality):
    assert _times(okuyami.desk, THURSDAY, municipality) == [
        "09:00",
        "10:00",
        "11:00",
        "12:00",
        "13:00",
        "14:00",
        "15:00",
    ]
    okuyami.desk.slot_minutes = 90
    assert _times(okuyami.desk, THURSDAY, municipality) == [
        "09:00",
        "10:30",
        "12:00",
        "13:30",
        "15:00",
    ]


def test_a_slot_must_end_within_counter_hours_and_monday_evenings_count(okuyami, municipality):
    okuyami.desk.last_slot = dt.time(18, 0)
    # Thursday closes at 17:15: 17:00–18:00 would run past it.
    assert _times(okuyami.desk, THURSDAY, municipality)[-1] == "16:00"
    # Monday is open to 19:00.
    assert _times(okuyami.desk, MONDAY, municipality)[-2:] == ["17:00", "18:00"]
    assert _times(okuyami.desk, SATURDAY, municipality) == []


def test_a_designated_weekend_morning_has_the_slots_that_fit_its_hours(
    okuyami, municipality, staff
):
    calendar = BusinessCalendar.objects.get(municipality=municipality, service=Service.COUNTER)
    add_designated_day(
        acting_user=staff,
        calendar=calendar,
        date=SATURDAY,
        start=dt.time(8, 30),
        end=dt.time(12, 0),
    )
    assert _times(okuyami.desk, SATURDAY, municipality) == ["09:00", "10:00", "11:00"]


def test_the_slot_calendar_shows_two_weeks_with_free_places(okuyami, municipality, reception):
    book(reception, at(THURSDAY, 11))
    cancelled = book(reception, at(THURSDAY, 11), visitor_name="平泉 次郎")
    services.cancel_reservation(acting_user=reception, reservation=cancelled)
    days = selectors.slot_calendar(municipality.pk, TODAY)
    assert len(days) == 14 and days[0].date == TODAY
    thursday = next(day for day in days if day.date == THURSDAY)
    eleven = next(slot for slot in thursday.slots if slot.starts_at == at(THURSDAY, 11))
    # One place taken; the cancelled booking gives its place back.
    assert (eleven.capacity, eleven.booked, eleven.free) == (2, 1, 1)
    today = days[0]
    assert [slot.past for slot in today.slots[:3]] == [True, True, False]
    saturday = next(day for day in days if day.date == SATURDAY)
    assert not saturday.open and saturday.slots == []


# --- Booking -------------------------------------------------------------------------------------


def test_a_booking_is_saved_numbered_and_logged_with_its_fields(okuyami, municipality, reception):
    first = book(reception, at(THURSDAY, 10))
    second = book(reception, at(THURSDAY, 10), visitor_name="平泉 次郎", channel="counter")
    assert (first.reservation_no, second.reservation_no) == ("OK-2026-0001", "OK-2026-0002")
    first.refresh_from_db()
    assert first.status == "reserved"
    assert first.visitor_phone == "+819012345678"
    assert first.created_by == reception and first.municipality == municipality
    (entry,) = _entries(AccessAction.CREATE, first)
    assert entry.actor == reception
    assert set(entry.fields) == {
        "starts_at",
        "deceased_name",
        "deceased_on",
        "visitor_name",
        "visitor_phone",
        "visitor_relationship",
    }


def test_numbers_are_per_municipality_and_per_year(okuyami, municipality, reception):
    book(reception, at(THURSDAY, 10))
    other = MunicipalityFactory(code="032093", name="一関市")
    set_up(other)
    outsider = _user("reception", other, username="reception_other")
    assert book(outsider, at(THURSDAY, 10)).reservation_no == "OK-2026-0001"
    with time_machine.travel(at(dt.date(2027, 1, 6), 9), tick=True):
        assert book(reception, at(dt.date(2027, 1, 7), 10)).reservation_no == "OK-2027-0001"


def test_numbers_keep_counting_past_four_digits(okuyami, municipality, reception):
    last = book(reception, at(THURSDAY, 10))
    BereavementReservation.objects.filter(pk=last.pk).update(reservation_no="OK-2026-9999")
    assert book(reception, at(THURSDAY, 10)).reservation_no == "OK-2026-10000"
    assert book(reception, at(THURSDAY, 11)).reservation_no == "OK-2026-10001"


@pytest.mark.parametrize(
    ("starts_at", "words"),
    [
        (at(SATURDAY, 10), "閉庁日（土曜日）"),
        (at(TODAY, 9), "過去の日時"),
        (at(THURSDAY, 9, 30), "予約枠ではありません"),
        (at(THURSDAY, 16), "予約枠ではありません"),
        (at(THURSDAY, 7), "予約枠ではありません"),
    ],
    ids=["closed-day", "past", "between-slots", "after-last-slot", "before-opening"],
)
def test_a_booking_outside_the_slots_is_refused_and_nothing_saved(
    okuyami, reception, starts_at, words
):
    errors = _refusal(reception, starts_at)
    assert words in errors["starts_at"][0]
    assert BereavementReservation.objects.count() == 0
    assert _entries(AccessAction.CREATE) == []


def test_a_full_slot_is_refused_and_a_cancellation_frees_it(okuyami, reception):
    first = book(reception, at(THURSDAY, 10))
    book(reception, at(THURSDAY, 10))
    errors = _refusal(reception, at(THURSDAY, 10))
    assert errors["starts_at"] == ["令和8年6月11日 10:00 の枠は満員です（定員 2 組）。"]
    assert BereavementReservation.objects.count() == 2
    services.cancel_reservation(acting_user=reception, reservation=first)
    assert book(reception, at(THURSDAY, 10)).reservation_no == "OK-2026-0003"


def test_the_same_client_key_returns_the_first_booking(okuyami, reception):
    key = uuid.uuid4()
    first = book(reception, at(THURSDAY, 10), client_key=key)
    book(reception, at(THURSDAY, 10))
    # The slot is full now: the resend still gets its own booking back, not a refusal.
    again = book(reception, at(THURSDAY, 10), client_key=key)
    assert again.pk == first.pk
    assert BereavementReservation.objects.count() == 2
    assert len(_entries(AccessAction.CREATE)) == 2


def test_the_fields_are_checked_and_named_in_japanese(okuyami, reception):
    errors = _refusal(
        reception,
        at(THURSDAY, 10),
        deceased_name="  ",
        visitor_name="一関太郎",
        visitor_phone="12345",
        deceased_on=dt.date(2026, 6, 11),
        channel="fax",
    )
    assert errors["deceased_name"] == ["亡くなった方の氏名を入力してください。"]
    assert "姓と名の間に空白" in errors["visitor_name"][0]
    assert "電話番号が正しくありません" in errors["visitor_phone"][0]
    assert errors["deceased_on"] == ["亡くなった日に今日より後の日付は入力できません。"]
    assert "電話・窓口" in errors["channel"][0]
    assert BereavementReservation.objects.count() == 0


def test_a_full_width_space_separates_the_family_name(okuyami, reception):
    case = book(reception, at(THURSDAY, 10), visitor_name="一関\u3000太郎")
    assert case.visitor_name == "一関 太郎"
    assert selectors.family_name(case.visitor_name) == "一関"


def test_booking_without_a_desk_is_refused(municipality, calendars, reception):
    with pytest.raises(ValidationError, match="おくやみコーナーの設定が登録されていません"):
        book(reception, at(THURSDAY, 10))


@pytest.mark.postgres_only(reason="the desk row lock between real concurrent transactions")
@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_one_slot_never_exceed_its_capacity(municipality, reception):
    set_up(municipality)
    callers = 8
    barrier = threading.Barrier(callers)
    booked: list[str] = []
    refused: list[str] = []

    def call():
        try:
            barrier.wait()
            booked.append(book(reception, at(THURSDAY, 10)).reservation_no)
        except ValidationError as error:
            refused.extend(error.messages)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(booked) == ["OK-2026-0001", "OK-2026-0002"]
    assert len(refused) == callers - 2 and all("満員" in message for message in refused)
    assert BereavementReservation.objects.count() == 2


# --- Check-in ------------------------------------------------------------------------------------


def test_check_in_issues_a_ticket_in_the_desks_queue(okuyami, reception, clerk):
    case = book(reception, at(TODAY, 14))
    checked = services.check_in(acting_user=reception, reservation=case)
    assert checked.status == "checked_in"
    assert checked.ticket.queue == okuyami.queue and checked.ticket.label == "D-001"
    assert checked.ticket.procedure == okuyami.procedure
    # A resent check-in changes nothing and issues no second ticket.
    again = services.check_in(acting_user=clerk, reservation=case)
    assert again.ticket_id == checked.ticket_id
    assert Ticket.objects.count() == 1
    (entry,) = _entries(AccessAction.CHANGE, case)
    assert set(entry.fields) == {"status", "ticket"} and "D-001" in entry.reason


def test_check_in_is_only_on_the_reserved_day(okuyami, reception):
    case = book(reception, at(THURSDAY, 10))
    with pytest.raises(ValidationError, match="予約日は令和8年6月11日です"):
        services.check_in(acting_user=reception, reservation=case)
    case.refresh_from_db()
    assert case.status == "reserved" and Ticket.objects.count() == 0


def test_a_cancelled_reservation_cannot_be_checked_in(okuyami, reception):
    case = book(reception, at(TODAY, 14))
    services.cancel_reservation(acting_user=reception, reservation=case)
    with pytest.raises(ValidationError, match="「取消」のため来庁受付できません"):
        services.check_in(acting_user=reception, reservation=case)


def test_check_in_outside_counter_hours_is_refused_with_nothing_saved(okuyami, reception):
    case = book(reception, at(TODAY, 15))
    with (
        time_machine.travel(at(TODAY, 17, 30), tick=False),
        pytest.raises(ValidationError) as caught,
    ):
        services.check_in(acting_user=reception, reservation=case)
    assert caught.value.messages == [OUTSIDE_HOURS]
    case.refresh_from_db()
    assert case.status == "reserved" and case.ticket is None
    assert Ticket.objects.count() == 0 and _entries(AccessAction.CHANGE, case) == []


def test_check_in_needs_the_ticket_procedure(municipality, calendars, reception):
    catalogue.demo_catalogue(municipality)
    case = book(reception, at(TODAY, 14))
    with pytest.raises(ValidationError, match="コード okuyami"):
        services.check_in(acting_user=reception, reservation=case)


def test_a_case_of_another_municipality_is_not_found(okuyami, reception):
    case = book(reception, at(TODAY, 14))
    other = MunicipalityFactory(code="032093", name="一関市")
    outsider = _user("reception", other, username="reception_other")
    with pytest.raises(ValidationError, match="予約が見つかりません"):
        services.check_in(acting_user=outsider, reservation=case)


# --- The questionnaire and the checklist -------------------------------------------------------


def _checked_in(reception):
    case = book(reception, at(TODAY, 14))
    return services.check_in(acting_user=reception, reservation=case)


def _names(case) -> list[str]:
    return [task.procedure.name for task in case.tasks.order_by("procedure__position")]


def test_answers_decide_the_procedures_and_their_sections(okuyami, reception, clerk):
    case = _checked_in(reception)
    given = answers(nhi=True, funeral=True, age65=True, land_house=True, seal=True)
    tasks = services.record_answers(acting_user=clerk, reservation=case, answers=given)
    expected = [p for p in okuyami.procedures if p.applies(given)]
    assert {task.procedure_id for task in tasks} == {p.pk for p in expected}
    assert _names(case) == [
        "住民票の除票・除籍謄本の請求（相続の手続に使う方）",
        "印鑑登録証（カード）の返却",
        "国民健康保険の資格喪失届",
        "国民健康保険 葬祭費の申請",
        "介護保険の資格喪失届",
        "固定資産 相続人代表者指定届",
    ]
    sections = [group.section for group in selectors.tasks_by_section(case)]
    assert sections == ["市民課", "国保年金課", "長寿社会課", "税務課"]
    case.refresh_from_db()
    assert case.answers == given
    (entry,) = _entries(AccessAction.CHANGE, case)[-1:]
    assert entry.fields == ["answers"] and "6件" in entry.reason


def test_a_procedure_needing_two_answers_applies_only_when_both_are_yes(okuyami, reception, clerk):
    case = _checked_in(reception)
    services.record_answers(acting_user=clerk, reservation=case, answers=answers(funeral=True))
    assert "国民健康保険 葬祭費の申請" not in _names(case)
    services.record_answers(
        acting_user=clerk, reservation=case, answers=answers(funeral=True, nhi=True)
    )
    assert "国民健康保険 葬祭費の申請" in _names(case)


def test_changed_answers_drop_untouched_tasks_but_keep_notified_and_done_ones(
    okuyami, reception, clerk
):
    case = _checked_in(reception)
    services.record_answers(
        acting_user=clerk,
        reservation=case,
        answers=answers(nhi=True, light_vehicle=True, disability=True),
    )
    services.notify_section(acting_user=clerk, reservation=case, section="税務課")
    disability = case.tasks.get(procedure__name="障害者手帳の返還")
    services.tick_task(acting_user=clerk, task=disability, done=True)
    services.record_answers(acting_user=clerk, reservation=case, answers=answers())
    assert _names(case) == [
        "住民票の除票・除籍謄本の請求（相続の手続に使う方）",
        "軽自動車・原動機付自転車の名義変更・廃車",
        "障害者手帳の返還",
    ]


def test_every_question_must_be_answered_and_unknown_ones_are_refused(okuyami, reception, clerk):
    case = _checked_in(reception)
    partial = answers()
    del partial["pension"]
    with pytest.raises(ValidationError) as caught:
        services.record_answers(acting_user=clerk, reservation=case, answers=partial)
    assert caught.value.message_dict == {
        "pension": [
            "「亡くなった方は年金を受け取っていましたか」に「はい」か「いいえ」で答えてください。"
        ]
    }
    with pytest.raises(ValidationError, match="登録されていない聞き取り項目です: pet"):
        services.record_answers(
            acting_user=clerk, reservation=case, answers={**answers(), "pet": True}
        )
    case.refresh_from_db()
    assert case.answers == {} and case.tasks.count() == 0


def test_an_inactive_procedure_is_not_put_on_the_checklist(okuyami, reception, clerk):
    BereavementProcedure.objects.filter(name="世帯主変更届").update(active=False)
    case = _checked_in(reception)
    services.record_answers(
        acting_user=clerk,
        reservation=case,
        answers=answers(householder=True, household_adults=True),
    )
    assert "世帯主変更届" not in _names(case)


def test_notifying_a_section_stamps_its_tasks_once(okuyami, reception, clerk):
    case = _checked_in(reception)
    services.record_answers(
        acting_user=clerk, reservation=case, answers=answers(nhi=True, pension=True)
    )
    assert services.notify_section(acting_user=clerk, reservation=case, section="国保年金課") == 2
    stamped = case.tasks.filter(section="国保年金課").values_list("notified_at", flat=True)
    assert all(stamped)
    assert case.tasks.get(section="市民課").notified_at is None
    with pytest.raises(ValidationError, match="すでに周知済み"):
        services.notify_section(acting_user=clerk, reservation=case, section="国保年金課")
    with pytest.raises(ValidationError, match="「福祉課」の手続はありません"):
        services.notify_section(acting_user=clerk, reservation=case, section="福祉課")
    entry = _entries(AccessAction.CHANGE, case)[-1]
    assert entry.fields == ["notified_at"] and "国保年金課" in entry.reason


def test_a_task_is_ticked_done_and_back(okuyami, reception, clerk):
    case = _checked_in(reception)
    services.record_answers(acting_user=clerk, reservation=case, answers=answers())
    task = case.tasks.get()
    done = services.tick_task(acting_user=clerk, task=task, done=True)
    assert done.done_at is not None and done.done_by == clerk
    undone = services.tick_task(acting_user=clerk, task=task, done=False)
    assert undone.done_at is None and undone.done_by is None
    assert len(_entries(AccessAction.CHANGE, case)) == 4  # check-in, answers, two ticks


def test_done_needs_a_visit_answers_and_every_section_told(okuyami, reception, clerk):
    reserved = book(reception, at(TODAY, 15))
    with pytest.raises(ValidationError, match="まだ来庁受付をしていません"):
        services.finish_case(acting_user=clerk, reservation=reserved)
    case = _checked_in(reception)
    with pytest.raises(ValidationError, match="聞き取りの回答を記録してから"):
        services.finish_case(acting_user=clerk, reservation=case)
    services.record_answers(acting_user=clerk, reservation=case, answers=answers(age65=True))
    services.notify_section(acting_user=clerk, reservation=case, section="市民課")
    with pytest.raises(ValidationError, match="周知が済んでいません: 長寿社会課"):
        services.finish_case(acting_user=clerk, reservation=case)
    services.notify_section(acting_user=clerk, reservation=case, section="長寿社会課")
    done = services.finish_case(acting_user=clerk, reservation=case)
    assert done.status == "done" and done.ended_at is not None
    # An ended case changes no more.
    with pytest.raises(ValidationError, match="完了・取消した案件は変更できません"):
        services.record_answers(acting_user=clerk, reservation=case, answers=answers())


def test_only_a_reserved_visit_can_be_cancelled(okuyami, reception):
    case = _checked_in(reception)
    with pytest.raises(ValidationError, match="「完了」で終えてください"):
        services.cancel_reservation(acting_user=reception, reservation=case)
    other = book(reception, at(THURSDAY, 10))
    cancelled = services.cancel_reservation(acting_user=reception, reservation=other)
    assert cancelled.status == "cancelled" and cancelled.ended_at is not None


# --- Erasure -------------------------------------------------------------------------------------


def _ended(reception, clerk, ended_on: dt.date, *, cancel=False):
    """A case ended (done, or cancelled) at 12:00 on ``ended_on``."""
    with time_machine.travel(at(ended_on, 9), tick=False):
        if cancel:
            case = book(
                reception,
                at(ended_on + dt.timedelta(days=1), 10),
                deceased_on=ended_on - dt.timedelta(days=3),
            )
            services.cancel_reservation(acting_user=reception, reservation=case)
            return case
    case = book(reception, at(TODAY, 14))
    case = services.check_in(acting_user=reception, reservation=case)
    services.record_answers(acting_user=clerk, reservation=case, answers=answers(nhi=True))
    for section in ("市民課", "国保年金課"):
        services.notify_section(acting_user=clerk, reservation=case, section=section)
    services.finish_case(acting_user=clerk, reservation=case)
    BereavementReservation.objects.filter(pk=case.pk).update(ended_at=at(ended_on, 12))
    return case


def test_ended_cases_are_erased_after_the_retention_period(okuyami, reception, clerk):
    done = _ended(reception, clerk, dt.date(2026, 6, 10))
    cancelled = _ended(reception, clerk, dt.date(2026, 3, 2), cancel=True)
    open_case = book(reception, at(THURSDAY, 10))
    okuyami.desk.retention_days = 90
    okuyami.desk.save()
    # Ended 2 March, kept 90 days: still held on 30 May, erased from 31 May; ended 10 June:
    # erased from 8 September.
    assert services.erase_ended_cases(acting_user=None, today=dt.date(2026, 5, 30)) == []
    assert services.erase_ended_cases(acting_user=None, today=dt.date(2026, 5, 31)) == [cancelled]
    assert services.erase_ended_cases(acting_user=None, today=dt.date(2026, 9, 7)) == []
    assert services.erase_ended_cases(acting_user=None, today=dt.date(2026, 9, 8)) == [done]
    for case in (done, cancelled):
        case.refresh_from_db()
        assert (case.deceased_name, case.visitor_name, case.visitor_phone) == ("", "", "")
        assert case.visitor_relationship == "" and case.answers == {}
        assert case.deceased_on is None and case.erased_at is not None and selectors.is_erased(case)
    open_case.refresh_from_db()
    assert open_case.deceased_name == "一関 花子"


def test_erasure_keeps_the_counts_of_cases_per_month_and_the_checklist(okuyami, reception, clerk):
    done = _ended(reception, clerk, dt.date(2026, 6, 10))
    tasks_before = list(done.tasks.values_list("procedure_id", "section", "notified_at"))
    services.erase_ended_cases(acting_user=None, today=dt.date(2027, 1, 1))
    done.refresh_from_db()
    june = BereavementReservation.objects.filter(
        starts_at__gte=at(dt.date(2026, 6, 1), 0), starts_at__lt=at(dt.date(2026, 7, 1), 0)
    )
    assert june.count() == 1 and june.get().status == "done" and done.channel == "phone"
    assert list(done.tasks.values_list("procedure_id", "section", "notified_at")) == tasks_before


def test_each_erased_case_writes_one_delete_entry_and_a_second_run_none(okuyami, reception, clerk):
    first = _ended(reception, clerk, dt.date(2026, 1, 5), cancel=True)
    second = _ended(reception, clerk, dt.date(2026, 1, 6), cancel=True)
    erased = services.erase_ended_cases(
        acting_user=None, today=dt.date(2026, 6, 10), actor_name="コマンド テスト"
    )
    assert erased == [first, second]
    entries = _entries(AccessAction.DELETE)
    assert [entry.object_id for entry in entries] == [str(first.pk), str(second.pk)]
    assert all(entry.actor_username == "コマンド テスト" for entry in entries)
    assert set(entries[0].fields) == {
        "deceased_name",
        "deceased_on",
        "visitor_name",
        "visitor_phone",
        "visitor_relationship",
        "answers",
    }
    assert services.erase_ended_cases(acting_user=None, today=dt.date(2026, 6, 11)) == []
    assert len(_entries(AccessAction.DELETE)) == 2


def test_each_municipality_keeps_its_own_retention_period(okuyami, municipality, reception, clerk):
    mine = _ended(reception, clerk, dt.date(2026, 4, 1), cancel=True)
    other = MunicipalityFactory(code="032093", name="一関市")
    theirs_desk = set_up(other).desk
    theirs_desk.retention_days = 30
    theirs_desk.save()
    outsider = _user("reception", other, username="reception_other")
    theirs = _ended(outsider, clerk, dt.date(2026, 4, 1), cancel=True)
    assert services.erase_ended_cases(acting_user=None, today=dt.date(2026, 5, 15)) == [theirs]
    mine.refresh_from_db()
    assert mine.deceased_name


def test_the_erase_command_prints_one_json_line(okuyami, reception, clerk):
    case = _ended(reception, clerk, dt.date(2026, 1, 5), cancel=True)
    out = io.StringIO()
    call_command("counter", "erase-bereavement", "--date", "2026-06-10", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {
        "date": "2026-06-10",
        "erased": 1,
        "reservations": [case.reservation_no],
    }
    (entry,) = _entries(AccessAction.DELETE)
    assert entry.actor is None and "counter erase-bereavement" in entry.actor_username


def test_the_erase_command_refuses_a_bad_date(okuyami):
    err = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("counter", "erase-bereavement", "--date", "10/06/2026", stderr=err)
    assert exited.value.code == 1
    assert "YYYY-MM-DD" in err.getvalue()


# --- The demo catalogue --------------------------------------------------------------------------


def test_the_demo_catalogue_is_made_once_and_is_consistent(municipality):
    made = catalogue.demo_catalogue(municipality)
    assert made == {"desk": 1, "questions": 13, "procedures": 14}
    assert catalogue.demo_catalogue(municipality) == {"desk": 0, "questions": 0, "procedures": 0}
    codes = set(BereavementQuestion.objects.values_list("code", flat=True))
    procedures = list(BereavementProcedure.objects.all())
    assert all(set(p.when) <= codes for p in procedures)
    assert {p.section for p in procedures} == {
        "市民課",
        "国保年金課",
        "長寿社会課",
        "税務課",
        "福祉課",
    }
    assert all(p.place and p.document_lines() for p in procedures)
    # Every question decides at least one procedure.
    assert codes == {code for p in procedures for code in p.when}


def test_erasure_leaves_tasks_rows_in_place(okuyami, reception, clerk):
    case = _ended(reception, clerk, dt.date(2026, 1, 5))
    count = BereavementTask.objects.filter(reservation=case).count()
    services.erase_ended_cases(acting_user=None, today=dt.date(2026, 6, 10))
    assert BereavementTask.objects.filter(reservation=case).count() == count > 0
