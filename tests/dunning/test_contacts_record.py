"""record_contact: every validation rule (messages name the field), and what a contact writes."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from civicdesk.audit.models import AccessLogEntry
from civicdesk.dunning.choices import (
    ContactChannel,
    ContactOutcome,
    ContactParty,
    HandOverReason,
    StaffRequestKind,
    WorkItemStatus,
)
from civicdesk.dunning.models import (
    Contact,
    ContactAccount,
    HandOver,
    InboundCall,
    Promise,
    StaffRequest,
)
from civicdesk.dunning.services.contacts import PromiseInput, is_night, record_contact
from civicdesk.registry.models import Phone, PhoneSource, PhoneStatus
from tests.dunning.factories import CampaignFactory, WorkItemFactory
from tests.registry.factories import (
    AccountFactory,
    InstallmentFactory,
    ObligorFactory,
    PhoneFactory,
)

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY_10 = dt.datetime(2025, 6, 2, 10, 0, tzinfo=TOKYO)  # an ordinary open Monday


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 6, day, hour, minute, tzinfo=TOKYO)


@pytest.fixture
def person(municipality, calendars):
    obligor = ObligorFactory(municipality=municipality)
    nhi = AccountFactory(obligor=obligor, revenue_type="nhi")
    tax = AccountFactory(obligor=obligor, revenue_type="resident_tax")
    InstallmentFactory(account=nhi, assessed=12_000, due_date=dt.date(2025, 4, 30))
    InstallmentFactory(account=tax, assessed=50_000, due_date=dt.date(2025, 4, 30))
    phone = PhoneFactory(obligor=obligor)
    return SimpleNamespace(obligor=obligor, nhi=nhi, tax=tax, phone=phone)


@pytest.fixture
def record(operator, person):
    def _record(user=None, **values):
        arguments = {
            "acting_user": user or operator,
            "obligor": person.obligor,
            "channel": ContactChannel.OUTBOUND_CALL,
            "party": ContactParty.SELF,
            "outcome": ContactOutcome.WILL_PAY,
            "accounts": [person.nhi],
            "now": MONDAY_10,
        }
        arguments.update(values)
        return record_contact(**arguments)

    return _record


def errors_of(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        call()
    return raised.value.message_dict


@pytest.fixture
def leased(municipality, operator, person):
    campaign = CampaignFactory(municipality=municipality, script="こちらは江東区です。")
    return WorkItemFactory(
        campaign=campaign,
        obligor=person.obligor,
        lease_owner=operator,
        lease_expires_at=MONDAY_10 + dt.timedelta(minutes=10),
    )


# --- what a contact writes -------------------------------------------------------------------


def test_contact_is_written_with_its_covered_accounts_user_and_time(record, operator, person):
    contact = record(note="来週払うとのこと", hot_voice=True, phone=person.phone)
    assert contact.at == MONDAY_10
    assert contact.user == operator
    assert contact.phone == person.phone
    assert (contact.note, contact.hot_voice) == ("来週払うとのこと", True)
    covered = list(
        ContactAccount.objects.filter(contact=contact).values_list("account", "revenue_type")
    )
    assert covered == [(person.nhi.pk, "nhi")]
    person.phone.refresh_from_db()
    assert person.phone.last_outcome == ContactOutcome.WILL_PAY
    assert person.phone.last_outcome_at == MONDAY_10


def test_contact_is_logged_as_create_with_the_fields_entered(record, operator):
    contact = record(note="メモ", hot_voice=False)
    entry = AccessLogEntry.objects.get(object_type="dunning.contact", object_id=str(contact.pk))
    assert entry.action == "create"
    assert entry.actor == operator
    assert {"channel", "party", "outcome", "accounts", "note"} <= set(entry.fields)
    assert "hot_voice" not in entry.fields  # not entered
    assert "promises" not in entry.fields


def test_promises_are_written_with_the_contacts_accounts(record, person):
    contact = record(
        outcome=ContactOutcome.PROMISE,
        promises=[(5_000, dt.date(2025, 6, 10)), PromiseInput(7_000, dt.date(2025, 6, 20))],
    )
    promises = list(Promise.objects.filter(contact=contact).order_by("promised_on"))
    assert [(p.amount, p.promised_on) for p in promises] == [
        (5_000, dt.date(2025, 6, 10)),
        (7_000, dt.date(2025, 6, 20)),
    ]
    assert all(list(p.accounts.all()) == [person.nhi] for p in promises)
    assert all(p.obligor == person.obligor for p in promises)


def test_a_refused_contact_writes_nothing(record):
    with pytest.raises(ValidationError):
        record(party=ContactParty.NONE, outcome=ContactOutcome.PROMISE, new_phone="03-1111-2222")
    assert not Contact.objects.exists()
    assert not Phone.objects.filter(source=PhoneSource.COLLECTED).exists()


# --- validation --------------------------------------------------------------------------------


def test_accounts_are_required(record):
    errors = errors_of(lambda: record(accounts=[]))
    assert "税目・保険料" in errors["accounts"][0]


def test_accounts_of_a_revenue_type_outside_the_users_scope_are_refused(record, person):
    # The operator works on nhi; the person's resident tax belongs to another team.
    errors = errors_of(lambda: record(accounts=[person.nhi, person.tax]))
    assert "担当の税目" in errors["accounts"][0]


def test_accounts_of_another_obligor_are_refused(record, municipality):
    stranger = AccountFactory(obligor=ObligorFactory(municipality=municipality))
    errors = errors_of(lambda: record(accounts=[stranger.pk]))
    assert "accounts" in errors


def test_nobody_answered_allows_only_not_reached_outcomes(record):
    errors = errors_of(lambda: record(party=ContactParty.NONE, outcome=ContactOutcome.WILL_PAY))
    assert errors["outcome"][0].startswith("結果:")
    assert "応答なし" in errors["outcome"][0]


def test_a_not_reached_outcome_needs_nobody_on_the_line(record):
    errors = errors_of(lambda: record(party=ContactParty.FAMILY, outcome=ContactOutcome.NO_ANSWER))
    assert errors["party"][0].startswith("相手:")
    assert "不通" in errors["party"][0]


def test_unknown_choices_are_refused_by_field(record):
    errors = errors_of(lambda: record(channel="fax", party="robot", outcome="maybe"))
    assert set(errors) >= {"channel", "party", "outcome"}


def test_outcome_promise_needs_a_promise(record):
    errors = errors_of(lambda: record(outcome=ContactOutcome.PROMISE))
    assert "約束額と約束日" in errors["promises"][0]


def test_promises_need_the_outcome_promise(record):
    errors = errors_of(lambda: record(promises=[(1_000, dt.date(2025, 6, 10))]))
    assert "「納付約束」" in errors["promises"][0]


def test_a_promise_amount_must_be_positive(record):
    errors = errors_of(
        lambda: record(outcome=ContactOutcome.PROMISE, promises=[(0, dt.date(2025, 6, 10))])
    )
    assert errors["promise_amount_1"] == ["納付約束1の約束額: 1円以上を入力してください。"]


def test_a_promise_on_a_closed_day_is_refused_naming_the_date_and_why(record):
    # 2025-06-07 is the first Saturday: the calls calendar opens only the second one.
    errors = errors_of(
        lambda: record(
            outcome=ContactOutcome.PROMISE,
            promises=[(1_000, dt.date(2025, 6, 10)), (1_000, dt.date(2025, 6, 7))],
        )
    )
    assert list(errors) == ["promise_date_2"]
    message = errors["promise_date_2"][0]
    assert message.startswith("納付約束2の約束日 令和7年6月7日")
    assert "閉庁日（土曜日）" in message


def test_a_promise_on_the_open_second_saturday_is_accepted(record):
    contact = record(outcome=ContactOutcome.PROMISE, promises=[(1_000, dt.date(2025, 6, 14))])
    assert contact.promises.get().promised_on == dt.date(2025, 6, 14)


def test_a_promise_in_the_past_is_refused(record):
    errors = errors_of(
        lambda: record(outcome=ContactOutcome.PROMISE, promises=[(1_000, dt.date(2025, 5, 30))])
    )
    assert "過去日" in errors["promise_date_1"][0]


def test_a_promise_beyond_the_limit_is_refused(record, settings):
    settings.DUNNING_PROMISE_MAX_DAYS = 10
    # 2025-06-12 is an open Thursday exactly 10 days on: allowed; the next day is not.
    record(outcome=ContactOutcome.PROMISE, promises=[(1_000, dt.date(2025, 6, 12))])
    errors = errors_of(
        lambda: record(outcome=ContactOutcome.PROMISE, promises=[(1_000, dt.date(2025, 6, 13))])
    )
    assert "期限超過" in errors["promise_date_1"][0]
    assert "10日以内（令和7年6月12日まで）" in errors["promise_date_1"][0]


def test_a_promise_today_is_accepted(record):
    contact = record(outcome=ContactOutcome.PROMISE, promises=[(1_000, MONDAY_10.date())])
    assert contact.promises.count() == 1


def test_a_callback_must_be_in_the_future(record, leased):
    errors = errors_of(lambda: record(work_item=leased, callback_at=MONDAY_10))
    assert errors["callback_at"][0].startswith("折返し予定日時: 現在より後")


def test_a_callback_must_be_within_the_calls_opening_hours(record, leased):
    errors = errors_of(lambda: record(work_item=leased, callback_at=at(2, 18, 0)))
    assert "業務時間外" in errors["callback_at"][0]
    assert "8:30〜17:15" in errors["callback_at"][0]


def test_a_callback_in_the_wednesday_evening_extension_is_accepted(record, leased):
    contact = record(work_item=leased, outcome=ContactOutcome.CALLBACK, callback_at=at(4, 18, 30))
    leased.refresh_from_db()
    assert leased.callback_at == at(4, 18, 30)
    assert contact.work_item == leased


def test_a_callback_needs_a_work_item(record):
    errors = errors_of(lambda: record(callback_at=at(3, 10)))
    assert "callback_at" in errors


def test_the_work_item_must_be_leased_by_the_user(record, leased, supervisor):
    errors = errors_of(lambda: record(user=supervisor, work_item=leased))
    assert "担当していません" in errors["work_item"][0]


def test_an_expired_lease_is_refused(record, leased):
    errors = errors_of(lambda: record(work_item=leased, now=MONDAY_10 + dt.timedelta(minutes=11)))
    assert "担当期限が過ぎました" in errors["work_item"][0]


def test_the_work_item_must_be_of_this_obligor(record, municipality, operator):
    other = WorkItemFactory(
        campaign=CampaignFactory(municipality=municipality),
        obligor=ObligorFactory(municipality=municipality),
        lease_owner=operator,
        lease_expires_at=MONDAY_10 + dt.timedelta(minutes=5),
    )
    errors = errors_of(lambda: record(work_item=other))
    assert "この納付義務者の案件ではありません" in errors["work_item"][0]


def test_the_phone_must_be_the_obligors(record, municipality):
    foreign = PhoneFactory(obligor=ObligorFactory(municipality=municipality))
    errors = errors_of(lambda: record(phone=foreign))
    assert errors["phone"][0].startswith("電話番号:")


# --- collected phone numbers -----------------------------------------------------------------


def test_a_number_learnt_during_the_call_is_stored_as_collected(record, person, operator):
    contact = record(new_phone="０３－５６７８－１２３４")
    phone = Phone.objects.get(obligor=person.obligor, number="+81356781234")
    assert phone.source == PhoneSource.COLLECTED
    assert phone.display == "03-5678-1234"
    assert phone.kind == "landline"
    assert (
        "phone"
        in AccessLogEntry.objects.get(
            object_id=str(contact.pk), object_type="dunning.contact"
        ).fields
    )
    logged = AccessLogEntry.objects.get(object_type="registry.phone", object_id=str(phone.pk))
    assert (logged.action, logged.actor) == ("create", operator)


def test_a_number_already_known_is_not_stored_twice(record, person):
    record(new_phone="090 1234 5678")  # the factory's number in another notation
    assert Phone.objects.filter(obligor=person.obligor).count() == 1
    assert Phone.objects.get(obligor=person.obligor).source == PhoneSource.PROVIDED


def test_an_invalid_new_number_is_refused(record):
    errors = errors_of(lambda: record(new_phone="12345"))
    assert errors["new_phone"][0].startswith("新しい電話番号:")


# --- pacing and night flags ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "party", "outcome", "paces"),
    [
        (ContactChannel.OUTBOUND_CALL, ContactParty.SELF, ContactOutcome.WILL_PAY, True),
        (ContactChannel.OUTBOUND_CALL, ContactParty.FAMILY, ContactOutcome.MESSAGE_LEFT, True),
        (ContactChannel.OUTBOUND_CALL, ContactParty.NONE, ContactOutcome.NO_ANSWER, False),
        (ContactChannel.VISIT, ContactParty.NONE, ContactOutcome.NO_ANSWER, False),
        (ContactChannel.LETTER, ContactParty.NONE, ContactOutcome.SENT, True),
        (ContactChannel.SMS, ContactParty.NONE, ContactOutcome.SENT, True),
    ],
)
def test_a_contact_paces_when_someone_answered_or_a_letter_or_sms_went_out(
    record, channel, party, outcome, paces
):
    assert record(channel=channel, party=party, outcome=outcome).paces is paces


@pytest.mark.parametrize(
    ("moment", "night"),
    [
        (at(2, 17, 14), False),  # Monday, before the end of regular hours
        (at(2, 17, 15), True),  # Monday, at the end of regular hours
        (at(2, 17, 30), True),
        (at(4, 16, 0), False),  # Wednesday daytime
        (at(4, 17, 30), True),  # Wednesday: open until 19:00, but after regular hours
        (at(4, 18, 59), True),
        (at(14, 17, 0), True),  # second Saturday: regular hours 9:00–17:00
        (at(8, 20, 0), False),  # Sunday: a closed day has no night
        (at(2, 7, 0), False),  # early morning is not night
    ],
)
def test_night_means_at_or_after_the_end_of_regular_hours(calendars, municipality, moment, night):
    assert is_night(ContactChannel.OUTBOUND_CALL, moment, municipality=municipality) is night


def test_the_contact_records_its_night_flag(record):
    assert record(now=at(4, 17, 30)).night is True
    assert record(now=at(4, 10, 0)).night is False


def test_visits_use_the_visits_calendar_and_letters_are_never_night(calendars, municipality):
    assert is_night(ContactChannel.VISIT, at(4, 17, 30), municipality=municipality) is True
    assert is_night(ContactChannel.LETTER, at(4, 22, 0), municipality=municipality) is False
    # SMS hours are 9:00–20:00.
    assert is_night(ContactChannel.SMS, at(2, 19, 0), municipality=municipality) is False
    assert is_night(ContactChannel.SMS, at(2, 20, 0), municipality=municipality) is True


# --- requests for staff, hand-overs, queue, inbound calls ---------------------------------------


def test_slip_reissue_and_account_transfer_form_create_staff_requests(record, person):
    reissue = record(outcome=ContactOutcome.SLIP_REISSUE, note="納付書紛失")
    transfer = record(outcome=ContactOutcome.ACCOUNT_TRANSFER_FORM)
    requests = {r.contact_id: r for r in StaffRequest.objects.all()}
    assert requests[reissue.pk].kind == StaffRequestKind.SLIP_REISSUE
    assert requests[reissue.pk].note == "納付書紛失"
    assert list(requests[reissue.pk].accounts.all()) == [person.nhi]
    assert requests[transfer.pk].kind == StaffRequestKind.ACCOUNT_TRANSFER_FORM
    assert StaffRequest.objects.count() == 2


def test_an_installment_consultation_is_handed_over_to_staff(record, person, operator):
    contact = record(outcome=ContactOutcome.INSTALLMENT_CONSULTATION, note="月5千円なら")
    hand_over = HandOver.objects.get()
    assert hand_over.reason == HandOverReason.INSTALLMENT_CONSULTATION
    assert (hand_over.contact, hand_over.note, hand_over.created_by) == (
        contact,
        "月5千円なら",
        operator,
    )
    assert hand_over.revenue_types == ["nhi"]


def test_a_hand_over_asked_for_in_the_form_is_created(record):
    contact = record(hand_over=(HandOverReason.COMPLAINT, "強い口調で苦情"))
    hand_over = HandOver.objects.get()
    assert (hand_over.reason, hand_over.note, hand_over.contact) == (
        HandOverReason.COMPLAINT,
        "強い口調で苦情",
        contact,
    )


def test_a_hand_over_needs_a_reason_and_a_note(record):
    errors = errors_of(lambda: record(hand_over=("", "")))
    assert set(errors) == {"hand_over_reason", "hand_over_note"}


def test_queue_work_ends_the_lease_and_counts_the_attempt(record, leased, person):
    contact = record(work_item=leased, phone=person.phone)
    leased.refresh_from_db()
    assert contact.campaign == leased.campaign
    assert leased.lease_owner is None
    assert leased.attempts == 1
    assert leased.last_outcome == ContactOutcome.WILL_PAY
    assert leased.status == WorkItemStatus.DONE


def test_a_wrong_number_outside_the_queue_marks_the_phone(record, person):
    record(party=ContactParty.OTHER, outcome=ContactOutcome.WRONG_NUMBER, phone=person.phone)
    person.phone.refresh_from_db()
    assert person.phone.status == PhoneStatus.WRONG_PERSON


def test_an_inbound_call_is_marked_taken(record, operator, municipality):
    call = InboundCall.objects.create(
        municipality=municipality, caller="+819012345678", received_at=MONDAY_10
    )
    contact = record(channel=ContactChannel.INBOUND_CALL, inbound_call=call)
    call.refresh_from_db()
    assert (call.taken_by, call.taken_at) == (operator, MONDAY_10)
    assert contact.channel == ContactChannel.INBOUND_CALL
