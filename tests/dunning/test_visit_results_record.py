"""record_visit: what each visit result writes, the rules only a visit has, exactly-once by
client_key, the night flag from the visits calendar, and the tablet's time."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from civicdesk.audit.models import AccessLogEntry
from civicdesk.core.models.calendar import BusinessCalendar, EveningExtension, Weekday
from civicdesk.dunning.choices import (
    ContactChannel,
    ContactOutcome,
    ContactParty,
    HandOverReason,
    NotResidingEvidence,
    VisitResult,
    WorkItemStatus,
)
from civicdesk.dunning.models import (
    Contact,
    HandOver,
    LeftNoticeTemplate,
    Promise,
    VisitRecord,
    WorkItem,
)
from civicdesk.dunning.services.contacts import PromiseInput
from civicdesk.dunning.services.visit_results import record_visit
from civicdesk.registry.models import Phone, PhoneSource
from tests.dunning.factories import VisitListFactory, VisitStopFactory
from tests.factories import MunicipalityFactory, TeamFactory, UserFactory
from tests.registry.factories import AccountFactory, InstallmentFactory, ObligorFactory

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
TUESDAY = dt.date(2025, 6, 3)  # an ordinary open weekday


def at(hour: int, minute: int = 0, day: dt.date = TUESDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def clock():
    """The list is made on Tuesday morning: its lease runs until midnight."""
    with time_machine.travel(at(8, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def notices(municipality):
    return SimpleNamespace(
        slip=LeftNoticeTemplate.objects.create(municipality=municipality, name="不在票", order=1),
        pamphlet=LeftNoticeTemplate.objects.create(
            municipality=municipality, name="納付案内パンフレット", order=2
        ),
        retired=LeftNoticeTemplate.objects.create(
            municipality=municipality, name="旧不在票", active=False
        ),
    )


def make_stop(municipality, visitor, *, name="訪問 花子", revenue_type="nhi"):
    obligor = ObligorFactory(municipality=municipality, name=name)
    account = AccountFactory(obligor=obligor, revenue_type=revenue_type)
    InstallmentFactory(account=account, assessed=12_000, due_date=dt.date(2025, 4, 30))
    visit_list = VisitListFactory(municipality=municipality, visitor=visitor, day=TUESDAY)
    stop = VisitStopFactory(visit_list=visit_list, work_item__obligor=obligor)
    stop.work_item.accounts.set([account])
    return SimpleNamespace(stop=stop, obligor=obligor, account=account, item=stop.work_item)


@pytest.fixture
def visit(municipality, visitor, calendars, notices):
    return make_stop(municipality, visitor)


@pytest.fixture
def record(visitor, visit, notices):
    def _record(user=None, target=None, **values):
        target = target or visit
        arguments = {
            "acting_user": user or visitor,
            "stop": target.stop,
            "result": VisitResult.ABSENT,
            "client_key": uuid.uuid4(),
            "accounts": [target.account],
            "left_notices": [notices.slip],
            "now": at(10, 0),
        }
        arguments.update(values)
        return record_visit(**arguments)

    return _record


def errors_of(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        call()
    return raised.value.message_dict


# --- Result → party and outcome --------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "party"),
    [
        (VisitResult.MET_SELF, ContactParty.SELF),
        (VisitResult.MET_FAMILY, ContactParty.FAMILY),
        (VisitResult.MET_OTHER, ContactParty.OTHER),
    ],
)
def test_whom_the_visitor_met_is_the_contacts_party(record, visit, result, party):
    contact = record(result=result, outcome=ContactOutcome.WILL_PAY, left_notices=[])

    contact.refresh_from_db()
    assert (contact.channel, contact.party, contact.outcome) == (
        ContactChannel.VISIT,
        party,
        ContactOutcome.WILL_PAY,
    )
    assert contact.work_item_id == visit.item.pk
    assert VisitRecord.objects.get(contact=contact).result == result
    visit.stop.refresh_from_db()
    assert visit.stop.contact_id == contact.pk
    assert list(contact.accounts.all()) == [visit.account]


def test_absent_is_party_none_with_outcome_absent_and_keeps_the_notices(record, notices):
    contact = record(left_notices=[notices.slip, notices.pamphlet])

    assert (contact.party, contact.outcome) == (ContactParty.NONE, ContactOutcome.ABSENT)
    record_row = VisitRecord.objects.get(contact=contact)
    assert set(record_row.left_notices.all()) == {notices.slip, notices.pamphlet}


def test_not_residing_is_party_none_with_outcome_not_residing(record):
    contact = record(
        result=VisitResult.NOT_RESIDING,
        left_notices=[],
        evidence=[NotResidingEvidence.VACANT],
    )
    assert (contact.party, contact.outcome) == (ContactParty.NONE, ContactOutcome.NOT_RESIDING)


def test_a_met_result_needs_the_outcome_of_the_conversation(record):
    assert "outcome" in errors_of(lambda: record(result=VisitResult.MET_SELF, left_notices=[]))
    # A phone's outcome is not a door's.
    errors = errors_of(
        lambda: record(
            result=VisitResult.MET_SELF, outcome=ContactOutcome.NO_ANSWER, left_notices=[]
        )
    )
    assert "outcome" in errors
    assert not Contact.objects.exists()


def test_an_unknown_result_is_refused_by_name(record):
    errors = errors_of(lambda: record(result="away"))
    assert errors["result"] == ["訪問結果（面会・不在・居住実態なし）を選んでください。"]


# --- Absent: a left notice -------------------------------------------------------------------


def test_absent_needs_at_least_one_left_notice(record):
    errors = errors_of(lambda: record(left_notices=[]))
    assert any("不在のときは差し置いた文書を" in m for m in errors["left_notices"])
    assert not Contact.objects.exists()
    assert not VisitRecord.objects.exists()


def test_a_retired_or_another_municipalitys_notice_is_refused(record, notices):
    other = MunicipalityFactory(code="131016", name="千代田区（デモ）")
    foreign = LeftNoticeTemplate.objects.create(municipality=other, name="不在票")
    for notice in (notices.retired, foreign):
        errors = errors_of(lambda n=notice: record(left_notices=[n]))
        assert errors["left_notices"] == ["差し置き文書: 使用できない文書が含まれています。"]
    assert not Contact.objects.exists()


def test_absent_leaves_the_item_open_until_the_retry_rule_allows_another_visit(record, visit):
    record(now=at(10, 0))

    item = WorkItem.objects.get(pk=visit.item.pk)
    assert item.status == WorkItemStatus.OPEN
    assert item.attempts == 1
    assert (item.lease_owner_id, item.lease_expires_at) == (None, None)
    # DEFAULT_RETRY_RULES absent: 3 days later, at another time of day than 10:00 (the morning
    # band ends at 12:00): Friday 12:00.
    assert item.next_attempt_at == dt.datetime(2025, 6, 6, 12, 0, tzinfo=TOKYO)


# --- Not residing: evidence and one hand-over --------------------------------------------------


def test_not_residing_needs_evidence(record):
    errors = errors_of(lambda: record(result=VisitResult.NOT_RESIDING, left_notices=[]))
    assert any("確認した状況を選んでください" in m for m in errors["evidence"])
    assert not HandOver.objects.exists()
    assert not Contact.objects.exists()


def test_evidence_and_a_management_company_belong_to_not_residing_only(record):
    errors = errors_of(
        lambda: record(
            evidence=[NotResidingEvidence.VACANT], management_company="江東不動産 03-1111-2222"
        )
    )
    assert set(errors) >= {"evidence", "management_company"}


def test_not_residing_makes_one_hand_over_stating_evidence_company_and_note(record, visit):
    contact = record(
        result=VisitResult.NOT_RESIDING,
        left_notices=[],
        evidence=[NotResidingEvidence.OTHER_NAMEPLATE, NotResidingEvidence.SOMEONE_ELSE_LIVES],
        management_company="東陽ハウジング 03-5555-0000",
        note="隣人の話では昨年転居",
    )

    hand_overs = list(HandOver.objects.all())
    assert len(hand_overs) == 1
    hand_over = hand_overs[0]
    assert hand_over.reason == HandOverReason.NOT_RESIDING
    assert hand_over.contact_id == contact.pk
    assert hand_over.obligor_id == visit.obligor.pk
    assert hand_over.revenue_types == ["nhi"]
    for text in (
        "ポスト・表札が別人",
        "別人が居住（同居の事実なし）",
        "東陽ハウジング 03-5555-0000",
        "隣人の話では昨年転居",
    ):
        assert text in hand_over.note
    row = VisitRecord.objects.get(contact=contact)
    assert row.evidence == ["other_nameplate", "someone_else_lives"]
    assert row.management_company == "東陽ハウジング 03-5555-0000"


def test_not_residing_is_final_for_the_item(record, visit):
    record(result=VisitResult.NOT_RESIDING, left_notices=[], evidence=["no_building"])
    item = WorkItem.objects.get(pk=visit.item.pk)
    assert (item.status, item.next_attempt_at, item.lease_owner_id) == (
        WorkItemStatus.DONE,
        None,
        None,
    )


# --- Met: promises and a phone learnt at the door ----------------------------------------------


def test_met_records_promises_and_a_collected_phone_and_closes_the_item(record, visit):
    contact = record(
        result=VisitResult.MET_FAMILY,
        outcome=ContactOutcome.PROMISE,
        left_notices=[],
        promises=[PromiseInput(6_000, dt.date(2025, 6, 10), 1)],
        new_phone="080-2222-3333",
    )

    promise = Promise.objects.get(contact=contact)
    assert (promise.amount, promise.promised_on) == (6_000, dt.date(2025, 6, 10))
    phone = Phone.objects.get(obligor=visit.obligor)
    assert (phone.number, phone.source) == ("+818022223333", PhoneSource.COLLECTED)
    assert WorkItem.objects.get(pk=visit.item.pk).status == WorkItemStatus.DONE


def test_a_late_elderly_visitor_records_a_phone_learnt_at_the_door(
    municipality, calendars, notices
):
    # Shown no phone on a late-elderly visit (別紙1 第2条 (3)②ア), yet the seed lists 電話番号
    # among what the visit collects (イ(カ)).
    team = TeamFactory(municipality=municipality, revenue_types=["late_elderly"])
    visitor = UserFactory(role="visitor", municipality=municipality, team=team)
    visit = make_stop(municipality, visitor, revenue_type="late_elderly")

    record_visit(
        acting_user=visitor,
        stop=visit.stop,
        result=VisitResult.MET_SELF,
        outcome=ContactOutcome.WILL_PAY,
        client_key=uuid.uuid4(),
        accounts=[visit.account],
        new_phone="090-4444-5555",
        now=at(10, 0),
    )

    phone = Phone.objects.get(obligor=visit.obligor)
    assert (phone.number, phone.source) == ("+819044445555", PhoneSource.COLLECTED)


def test_promises_and_a_phone_need_someone_met(record):
    errors = errors_of(
        lambda: record(
            promises=[PromiseInput(6_000, dt.date(2025, 6, 10), 1)], new_phone="080-2222-3333"
        )
    )
    assert errors["promises"] == [
        "納付約束: 訪問結果が「不在（差し置き）」のときは入力できません。"
    ]
    assert errors["new_phone"] == [
        "新しい電話番号: 訪問結果が「不在（差し置き）」のときは入力できません。"
    ]
    assert not Phone.objects.exists()


def test_all_wrong_fields_are_named_at_once(record):
    errors = errors_of(
        lambda: record(
            result=VisitResult.MET_SELF,
            outcome=ContactOutcome.PROMISE,
            left_notices=[],
            evidence=["vacant"],
            promises=[PromiseInput(None, dt.date(2025, 5, 1), 1)],
        )
    )
    # The visit's own rule and record_contact's rules together.
    assert {"evidence", "promise_amount_1", "promise_date_1"} <= set(errors)


# --- Exactly once ------------------------------------------------------------------------------


def test_the_same_client_key_twice_saves_one_contact_and_logs_once(record, visit):
    key = uuid.uuid4()
    log_before = AccessLogEntry.objects.count()

    first = record(client_key=key)
    log_after_first = AccessLogEntry.objects.count()
    again = record(client_key=str(key), now=at(10, 3))

    assert again.pk == first.pk
    assert Contact.objects.count() == 1
    assert VisitRecord.objects.count() == 1
    assert log_after_first - log_before == 1  # the contact's entry
    assert AccessLogEntry.objects.count() == log_after_first
    assert WorkItem.objects.get(pk=visit.item.pk).attempts == 1


def test_another_key_for_a_visited_stop_is_refused(record):
    record()
    errors = errors_of(lambda: record(client_key=uuid.uuid4()))
    assert errors["stop"] == ["この訪問先は結果入力済みです。"]
    assert Contact.objects.count() == 1


def test_a_key_of_another_stop_is_refused(record, municipality, visitor, notices):
    other = make_stop(municipality, visitor, name="別人 次郎")
    key = uuid.uuid4()
    record(client_key=key)
    errors = errors_of(lambda: record(target=other, client_key=key))
    assert "client_key" in errors
    assert Contact.objects.count() == 1


def test_a_missing_client_key_is_refused(record):
    assert "client_key" in errors_of(lambda: record(client_key=""))


# --- Who may record ----------------------------------------------------------------------------


def test_only_the_lists_visitor_may_record(record, municipality, nhi_team, operator, supervisor):
    colleague = UserFactory(
        username="visitor2", role="visitor", municipality=municipality, team=nhi_team
    )
    for user in (colleague, operator, supervisor):
        with pytest.raises(PermissionDenied):
            record(user=user)
    assert not Contact.objects.exists()


def test_an_expired_lease_is_refused(record, visit):
    WorkItem.objects.filter(pk=visit.item.pk).update(lease_expires_at=at(9, 0))
    errors = errors_of(lambda: record())
    assert any("担当期限" in m for m in errors["stop"])
    assert "work_item" not in errors  # the visit's message replaces the queue's one
    assert not Contact.objects.exists()


def test_a_lease_taken_by_someone_else_is_refused(record, visit, operator):
    WorkItem.objects.filter(pk=visit.item.pk).update(lease_owner=operator)
    assert "stop" in errors_of(lambda: record())


# --- Night (夜間) and the tablet's time --------------------------------------------------------


@pytest.mark.parametrize(
    ("visited", "night"),
    [
        (at(16, 0), False),
        (at(17, 14), False),
        (at(17, 15), True),  # the visits calendar's regular hours end at 17:15
        (at(17, 20), True),
    ],
)
def test_night_is_at_or_after_the_end_of_the_visits_calendars_regular_hours(record, visited, night):
    contact = record(visited_at=visited, now=visited + dt.timedelta(minutes=30))
    assert contact.night is night
    assert contact.at == visited


def test_night_follows_the_calendar_not_a_constant(record, municipality):
    calendar = BusinessCalendar.objects.get(municipality=municipality, service="visits")
    calendar.weekly_hours.filter(weekday=Weekday.TUESDAY).update(end=dt.time(16, 0))
    assert record(visited_at=at(16, 30), now=at(16, 40)).night is True


def test_an_evening_extension_does_not_make_a_late_visit_day(record, municipality):
    calendar = BusinessCalendar.objects.get(municipality=municipality, service="visits")
    EveningExtension.objects.create(calendar=calendar, weekday=Weekday.TUESDAY, until="19:00")
    assert record(visited_at=at(17, 30), now=at(17, 35)).night is True


def test_a_result_sent_later_counts_at_the_time_it_was_saved_on_the_tablet(record):
    # Saved at 17:40 without a connection, delivered at 18:30.
    contact = record(visited_at=at(17, 40), now=at(18, 30))
    assert contact.at == at(17, 40)
    assert VisitRecord.objects.get(contact=contact).visited_at == at(17, 40)
    assert contact.night is True


def test_a_visited_at_in_the_future_counts_as_now(record):
    contact = record(visited_at=at(11, 0), now=at(10, 0))
    assert contact.at == at(10, 0)


def test_a_tablet_clock_a_little_ahead_counts_as_now(record):
    contact = record(visited_at=at(10, 4), now=at(10, 0))
    assert contact.at == at(10, 0)


def test_a_visited_at_before_the_lists_day_counts_as_now(record):
    contact = record(visited_at=at(16, 0, day=dt.date(2025, 6, 2)), now=at(10, 0))
    assert contact.at == at(10, 0)


def test_the_visits_log_entry_names_the_notices_and_evidence_it_recorded(record):
    absent = record()
    not_residing = record(
        target=make_stop(absent.obligor.municipality, absent.user, name="別 太郎"),
        result=VisitResult.NOT_RESIDING,
        left_notices=[],
        evidence=[NotResidingEvidence.VACANT],
        management_company="〇〇管理 03-0000-1111",
    )

    entries = {
        entry.object_id: set(entry.fields)
        for entry in AccessLogEntry.objects.filter(object_type="dunning.contact")
    }
    assert {"visit_result", "left_notices"} <= entries[str(absent.pk)]
    assert "evidence" not in entries[str(absent.pk)]
    assert {"visit_result", "evidence", "management_company"} <= entries[str(not_residing.pk)]
