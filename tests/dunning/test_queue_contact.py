"""What a contact does to its work item: retry rules, attempt limits, callbacks, dead numbers.

apply_contact is called by record_contact inside its transaction; here it is called directly
with factory-made contacts so that each rule is checked on its own. 2025-06-10 is a Tuesday.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from civicdesk.audit.models import AccessLogEntry
from civicdesk.dunning.choices import (
    DEFAULT_RETRY_RULES,
    ContactChannel,
    ContactOutcome,
    ContactParty,
    NoEffectReason,
    WorkItemStatus,
)
from civicdesk.dunning.selectors.queue import usable_phones
from civicdesk.dunning.services.queue import (
    apply_contact,
    claim_next_item,
    retry_at,
    retry_rule,
)
from civicdesk.registry.models import PhoneStatus
from tests.dunning.factories import CampaignFactory, ContactFactory, WorkItemFactory
from tests.registry.factories import PhoneFactory

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
TUESDAY = dt.date(2025, 6, 10)
NOT_REACHED = {
    ContactOutcome.NO_ANSWER,
    ContactOutcome.BUSY,
    ContactOutcome.VOICEMAIL,
    ContactOutcome.NOT_IN_SERVICE,
}


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TOKYO)


NOW = at(TUESDAY, 10)


@pytest.fixture
def campaign(municipality, calendars):
    return CampaignFactory(municipality=municipality, max_attempts=3)


@pytest.fixture
def leased(campaign, operator):
    """An item the operator took with 次の案件, and a phone of its obligor."""
    item = WorkItemFactory(campaign=campaign)
    PhoneFactory(obligor=item.obligor, display="090-1111-2222")
    assert claim_next_item(acting_user=operator, now=NOW).pk == item.pk
    return item


def contact(item, user, outcome, *, moment=NOW, phone=None, channel=ContactChannel.OUTBOUND_CALL):
    party = ContactParty.NONE if outcome in NOT_REACHED else ContactParty.SELF
    return ContactFactory(
        obligor=item.obligor,
        work_item=item,
        campaign=item.campaign,
        channel=channel,
        party=party,
        outcome=outcome,
        at=moment,
        user=user,
        phone=phone,
        paces=party != ContactParty.NONE,
    )


# --- Retry rules ------------------------------------------------------------------------------


def test_busy_is_retried_after_five_minutes(leased, operator):
    item = apply_contact(
        item=leased, contact=contact(leased, operator, ContactOutcome.BUSY), now=NOW
    )
    assert item.status == WorkItemStatus.OPEN
    assert item.attempts == 1
    assert item.next_attempt_at == NOW + dt.timedelta(minutes=5)
    assert item.lease_owner is None and item.lease_expires_at is None
    assert item.last_outcome == ContactOutcome.BUSY and item.last_contact_at == NOW
    # The queue agrees: not before the five minutes, then again.
    assert claim_next_item(acting_user=operator, now=NOW + dt.timedelta(minutes=4)) is None
    assert claim_next_item(acting_user=operator, now=NOW + dt.timedelta(minutes=5)).pk == item.pk


@pytest.mark.parametrize(
    ("called", "expected"),
    [
        (at(TUESDAY, 10), at(TUESDAY, 12)),  # 11:00 is still morning → afternoon band
        (at(TUESDAY, 11, 30), at(TUESDAY, 12, 30)),  # already another band
        (at(TUESDAY, 13), at(TUESDAY, 17)),  # 14:00 still afternoon → evening band
        (at(TUESDAY, 16, 30), at(TUESDAY, 17, 30)),
        (at(TUESDAY, 17, 5), at(dt.date(2025, 6, 11), 0)),  # evening → next morning
    ],
)
def test_no_answer_is_retried_after_an_hour_at_another_time_of_day(
    leased, operator, called, expected
):
    item = apply_contact(
        item=leased, contact=contact(leased, operator, ContactOutcome.NO_ANSWER), now=called
    )
    assert item.next_attempt_at == expected


def test_voicemail_waits_two_hours_at_another_time_of_day(leased, operator):
    item = apply_contact(
        item=leased,
        contact=contact(leased, operator, ContactOutcome.VOICEMAIL),
        now=at(TUESDAY, 9),
    )
    assert item.next_attempt_at == at(TUESDAY, 12)


def test_a_campaigns_retry_rules_override_the_defaults(leased, operator, campaign):
    campaign.retry_rules = {"busy": {"minutes": 30, "other_time_of_day": False}}
    campaign.save()
    item = apply_contact(
        item=leased, contact=contact(leased, operator, ContactOutcome.BUSY), now=NOW
    )
    assert item.next_attempt_at == NOW + dt.timedelta(minutes=30)


def test_retry_rule_defaults_and_unlisted_outcomes(campaign):
    assert retry_rule(campaign, "busy") == DEFAULT_RETRY_RULES["busy"]
    assert retry_rule(campaign, "no_answer") == {"minutes": 60, "other_time_of_day": True}
    assert retry_rule(campaign, "something_else") == {"minutes": 60, "other_time_of_day": False}
    assert retry_at(retry_rule(campaign, "something_else"), NOW) == NOW + dt.timedelta(hours=1)


# --- Attempts and outcomes --------------------------------------------------------------------


def test_the_attempt_limit_without_reaching_anyone_is_no_effect(leased, operator):
    item = leased
    for n in range(3):
        moment = NOW + dt.timedelta(hours=3 * n)
        item = apply_contact(
            item=item,
            contact=contact(item, operator, ContactOutcome.NO_ANSWER, moment=moment),
            now=moment,
        )
        assert item.attempts == n + 1
    assert item.status == WorkItemStatus.NO_EFFECT
    assert item.no_effect_reason == NoEffectReason.MAX_ATTEMPTS
    assert claim_next_item(acting_user=operator, now=NOW + dt.timedelta(days=1)) is None


def test_a_reached_outcome_without_callback_is_done(leased, operator):
    item = apply_contact(
        item=leased, contact=contact(leased, operator, ContactOutcome.WILL_PAY), now=NOW
    )
    assert item.status == WorkItemStatus.DONE
    assert item.attempts == 1
    assert item.lease_owner is None


def test_a_callback_keeps_the_item_open_for_its_owner(leased, operator):
    callback_at = at(TUESDAY, 15)
    item = apply_contact(
        item=leased,
        contact=contact(leased, operator, ContactOutcome.CALLBACK),
        callback_at=callback_at,
        now=NOW,
    )
    assert item.status == WorkItemStatus.OPEN
    assert item.callback_at == callback_at and item.callback_owner == operator
    assert item.lease_owner is None
    assert claim_next_item(acting_user=operator, now=callback_at).pk == item.pk


def test_the_next_contact_consumes_the_callback(leased, operator):
    item = apply_contact(
        item=leased,
        contact=contact(leased, operator, ContactOutcome.CALLBACK),
        callback_at=at(TUESDAY, 15),
        now=NOW,
    )
    item = apply_contact(
        item=item, contact=contact(item, operator, ContactOutcome.PROMISE), now=at(TUESDAY, 15)
    )
    assert item.callback_at is None and item.callback_owner is None
    assert item.status == WorkItemStatus.DONE


def test_an_inbound_call_is_not_an_attempt(leased, operator):
    item = apply_contact(
        item=leased,
        contact=contact(
            leased, operator, ContactOutcome.INQUIRY, channel=ContactChannel.INBOUND_CALL
        ),
        now=NOW,
    )
    assert item.attempts == 0
    assert item.status == WorkItemStatus.DONE


def test_the_callers_instance_is_updated_too(leased, operator):
    apply_contact(item=leased, contact=contact(leased, operator, ContactOutcome.BUSY), now=NOW)
    assert leased.attempts == 1
    assert leased.lease_owner_id is None
    assert leased.next_attempt_at == NOW + dt.timedelta(minutes=5)


# --- Phones -----------------------------------------------------------------------------------


def test_the_phone_keeps_its_last_outcome(leased, operator):
    phone = leased.obligor.phones.get()
    apply_contact(
        item=leased, contact=contact(leased, operator, ContactOutcome.BUSY, phone=phone), now=NOW
    )
    phone.refresh_from_db()
    assert phone.last_outcome == ContactOutcome.BUSY and phone.last_outcome_at == NOW
    assert phone.status == PhoneStatus.UNKNOWN


def test_a_dead_number_is_marked_and_the_next_number_is_tried_at_once(leased, operator):
    dead = leased.obligor.phones.get()
    other = PhoneFactory(obligor=leased.obligor, display="03-3647-9111")
    item = apply_contact(
        item=leased,
        contact=contact(leased, operator, ContactOutcome.NOT_IN_SERVICE, phone=dead),
        now=NOW,
    )
    dead.refresh_from_db()
    assert dead.status == PhoneStatus.INVALID
    assert list(usable_phones(leased.obligor)) == [other]
    assert item.status == WorkItemStatus.OPEN and item.next_attempt_at is None
    assert claim_next_item(acting_user=operator, now=NOW).pk == item.pk
    assert AccessLogEntry.objects.filter(
        object_type="registry.phone", object_id=str(dead.pk), action="change"
    ).exists()


def test_a_wrong_number_with_no_other_phone_is_no_effect(leased, operator):
    phone = leased.obligor.phones.get()
    item = apply_contact(
        item=leased,
        contact=contact(leased, operator, ContactOutcome.WRONG_NUMBER, phone=phone),
        now=NOW,
    )
    phone.refresh_from_db()
    assert phone.status == PhoneStatus.WRONG_PERSON
    assert item.status == WorkItemStatus.NO_EFFECT
    assert item.no_effect_reason == NoEffectReason.NO_PHONE


def test_usable_phones_put_the_last_successful_number_first(operator, municipality):
    first = PhoneFactory(display="03-3647-9111")
    obligor = first.obligor
    reached = PhoneFactory(
        obligor=obligor,
        display="090-2222-3333",
        last_outcome=ContactOutcome.PROMISE,
        last_outcome_at=NOW,
    )
    failed = PhoneFactory(
        obligor=obligor,
        display="080-4444-5555",
        last_outcome=ContactOutcome.NO_ANSWER,
        last_outcome_at=NOW,
    )
    PhoneFactory(obligor=obligor, display="070-6666-7777", status=PhoneStatus.INVALID)
    PhoneFactory(obligor=obligor, display="0120-444-444")  # toll free: not the person's
    assert list(usable_phones(obligor)) == [reached, first, failed]
