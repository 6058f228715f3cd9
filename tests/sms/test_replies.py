"""Replies to SMS (issue 6 §5): the person, the contact in their history, the call-back task an
operator of the right team takes first, stop words that opt the number out, and the replies page.

Times are Asia/Tokyo. The demo calls calendar: weekdays 8:30–17:15; 2025-06-10 is a Tuesday.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from civicdesk.audit.models import AccessLogEntry
from civicdesk.core.services import setup_demo_calendars
from civicdesk.dunning.choices import (
    CampaignKind,
    ContactChannel,
    ContactOutcome,
    ContactParty,
    WorkItemStatus,
)
from civicdesk.dunning.models import Campaign, Contact, WorkItem
from civicdesk.dunning.services.campaigns import ensure_follow_up_campaign
from civicdesk.dunning.services.queue import claim_next_item
from civicdesk.registry.models import PhoneStatus
from civicdesk.sms.choices import OptOutSource
from civicdesk.sms.models import OptOut, SmsReply
from civicdesk.sms.services.replies import is_stop_text, record_sms_reply
from tests.conftest import sign_in
from tests.dunning.factories import CampaignFactory, WorkItemFactory
from tests.factories import MunicipalityFactory
from tests.registry.factories import (
    AccountFactory,
    InstallmentFactory,
    ObligorFactory,
    PhoneFactory,
)
from tests.sms.factories import OptOutFactory, SmsMessageFactory

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2025, 6, 10, 10, 0, tzinfo=TOKYO)
RECEIVED = NOW - dt.timedelta(minutes=20)
NUMBER = "090-5555-0001"
E164 = "+819055550001"
ACTOR = "SMS 配信結果（API）"


@pytest.fixture
def calendars(municipality):
    return setup_demo_calendars(acting_user=None, municipality=municipality)


@pytest.fixture
def follow_ups(municipality):
    """The follow-up campaign, started before NOW (it is made with today's date)."""
    campaign = ensure_follow_up_campaign(municipality)
    Campaign.objects.filter(pk=campaign.pk).update(starts_on=dt.date(2025, 4, 1))
    campaign.refresh_from_db()
    return campaign


@pytest.fixture
def person(municipality):
    """An NHI obligor with 12,000 yen unpaid and a tax account with nothing unpaid."""
    nhi = AccountFactory(obligor__municipality=municipality, revenue_type="nhi")
    InstallmentFactory(account=nhi, assessed=12_000, paid=0, due_date=dt.date(2025, 4, 30))
    paid = AccountFactory(obligor=nhi.obligor, revenue_type="resident_tax")
    InstallmentFactory(account=paid, assessed=5_000, paid=5_000)
    nhi.obligor.nhi_account = nhi
    return nhi.obligor


@pytest.fixture
def message(person):
    """The SMS the person got at 9:00 (their number, their NHI account)."""
    return SmsMessageFactory(
        batch__municipality=person.municipality,
        obligor=person,
        phone__obligor=person,
        phone__display=NUMBER,
        account_ids=[person.nhi_account.pk],
        sent=True,
        sent_at=NOW - dt.timedelta(hours=1),
    )


def reply(municipality, text="来週払います。電話ください", number=NUMBER, **kwargs):
    values = {"received_at": RECEIVED, "provider_message_id": "", **kwargs}
    return record_sms_reply(municipality=municipality, number=number, text=text, **values)


def follow_up_items():
    return WorkItem.objects.filter(campaign__kind=CampaignKind.FOLLOW_UP)


# --- The contact -------------------------------------------------------------------------------


def test_a_reply_is_an_inbound_sms_contact_replied_on_the_persons_accounts(
    municipality, message, person
):
    stored = reply(municipality, "来週払います。電話ください")
    contact = Contact.objects.get(obligor=person)
    assert stored.contact == contact
    assert (contact.channel, contact.party, contact.outcome) == (
        ContactChannel.SMS,
        ContactParty.NONE,
        ContactOutcome.REPLIED,
    )
    assert contact.user is None
    assert contact.at == RECEIVED
    assert contact.note == "SMS返信: 来週払います。電話ください"
    assert list(contact.covered.values_list("account_id", flat=True)) == [person.nhi_account.pk]
    assert contact.phone_id == message.phone_id
    assert contact.campaign_id == message.batch.campaign_id
    assert contact.paces is False
    assert (stored.message, stored.obligor, stored.number) == (message, person, E164)
    assert stored.display == NUMBER


@pytest.mark.parametrize(("hour", "night"), [(16, False), (17, False), (20, True), (21, True)])
def test_night_follows_the_sms_calendars_regular_hours(
    municipality, calendars, message, person, hour, night
):
    # The demo sms calendar: weekdays 9:00–20:00.
    at = dt.datetime(2025, 6, 10, hour, 30, tzinfo=TOKYO)
    reply(municipality, received_at=at)
    assert Contact.objects.get(obligor=person).night is night


def test_the_reply_shows_in_the_persons_history_on_the_case_page(
    client, municipality, calendars, message, person, operator
):
    reply(municipality, "来週払います。電話ください")
    sign_in(client, operator)
    response = client.get(reverse("dunning:case", args=[person.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "SMS返信あり" in page
    assert "SMS返信: 来週払います。電話ください" in page


def test_the_latest_message_to_the_number_decides_the_person(municipality, message, person):
    # The number went to someone else later (a new owner of the number).
    newer = ObligorFactory(municipality=municipality)
    SmsMessageFactory(
        batch=message.batch,
        obligor=newer,
        phone__obligor=newer,
        phone__display=NUMBER,
        sent=True,
        sent_at=NOW - dt.timedelta(minutes=30),
    )
    assert reply(municipality).obligor == newer


def test_without_a_message_the_one_registry_owner_of_the_number_is_the_person(municipality, person):
    PhoneFactory(obligor=person, display=NUMBER)
    stored = reply(municipality)
    assert stored.obligor == person
    assert stored.message is None
    contact = stored.contact
    # Without a message: the accounts with something unpaid.
    assert list(contact.covered.values_list("account_id", flat=True)) == [person.nhi_account.pk]
    assert contact.phone.number == E164


def test_a_number_two_people_share_finds_nobody(municipality, person):
    spouse = ObligorFactory(municipality=municipality)
    PhoneFactory(obligor=person, display=NUMBER)
    PhoneFactory(obligor=spouse, display="09055550001")
    stored = reply(municipality)
    assert stored.obligor is None
    assert not Contact.objects.exists()


def test_a_number_marked_somebody_elses_finds_nobody(municipality, person):
    PhoneFactory(obligor=person, display=NUMBER, status=PhoneStatus.WRONG_PERSON)
    assert reply(municipality).obligor is None


def test_an_unknown_number_is_kept_without_a_person_contact_or_task(municipality, follow_ups):
    stored = reply(municipality, "どちら様ですか", number="080-7777-0002")
    assert SmsReply.objects.get() == stored
    assert (stored.number, stored.display) == ("+818077770002", "080-7777-0002")
    assert stored.obligor is None and stored.contact is None and stored.work_item is None
    assert not Contact.objects.exists()
    assert not follow_up_items().exists()


def test_a_number_that_is_not_japanese_is_kept_as_sent(municipality):
    stored = reply(municipality, "STOP", number="+1 415 555 0100")
    assert (stored.number, stored.display) == ("", "+1 415 555 0100")
    assert stored.obligor is None
    # Nothing is ever sent to it: there is nothing to opt out.
    assert not OptOut.objects.exists()


def test_a_message_of_another_municipality_finds_nobody_here(municipality, message):
    other = MunicipalityFactory(code="271004", name="大阪市")
    assert reply(other).obligor is None


# --- The call-back task --------------------------------------------------------------------------


def test_a_reply_opens_a_call_back_in_the_follow_up_campaign_without_an_owner(
    municipality, message, person
):
    stored = reply(municipality)
    item = follow_up_items().get()
    assert stored.work_item == item
    assert item.obligor == person
    assert item.status == WorkItemStatus.OPEN
    assert item.callback_at == RECEIVED
    assert item.callback_owner is None
    assert item.revenue_types == ["nhi"]
    assert item.unpaid_total == 12_000
    assert list(item.accounts.all()) == [person.nhi_account]


def test_an_operator_of_the_right_team_takes_the_call_back_before_other_work(
    municipality, calendars, follow_ups, message, person, operator, outsider
):
    regular = CampaignFactory(municipality=municipality)
    WorkItemFactory(campaign=regular, priority=10**12)
    reply(municipality)
    # The queue gives an unowned call-back to anyone of the campaign after the grace period
    # (DUNNING_CALLBACK_GRACE_MINUTES, 15): the reply came 20 minutes before NOW.
    assert claim_next_item(acting_user=outsider, now=NOW) is None  # tax team: not theirs
    claimed = claim_next_item(acting_user=operator, now=NOW)
    assert claimed is not None
    assert (claimed.campaign, claimed.obligor) == (follow_ups, person)


def test_a_reply_call_back_is_taken_at_once(
    municipality, calendars, follow_ups, message, person, operator
):
    regular = CampaignFactory(municipality=municipality)
    WorkItemFactory(campaign=regular, priority=10**12)
    reply(municipality, received_at=NOW - dt.timedelta(minutes=1))
    claimed = claim_next_item(acting_user=operator, now=NOW)
    assert claimed.campaign == follow_ups


def test_a_second_reply_keeps_the_earlier_call_back_time(municipality, message):
    reply(municipality, provider_message_id="R1")
    reply(municipality, provider_message_id="R2", received_at=RECEIVED + dt.timedelta(hours=1))
    item = follow_up_items().get()
    assert item.callback_at == RECEIVED
    assert Contact.objects.count() == 2


def test_a_reply_reopens_a_finished_follow_up_item(municipality, follow_ups, message, person):
    done = WorkItemFactory(
        campaign=follow_ups, obligor=person, status=WorkItemStatus.DONE, attempts=3
    )
    reply(municipality)
    done.refresh_from_db()
    assert (done.status, done.attempts, done.callback_at) == (WorkItemStatus.OPEN, 0, RECEIVED)


def test_every_write_is_logged_in_the_providers_name(municipality, message):
    stored = reply(municipality)
    logged = {
        (entry.object_type, entry.object_id)
        for entry in AccessLogEntry.objects.filter(actor_username=ACTOR, actor__isnull=True)
    }
    assert {
        ("sms.smsreply", str(stored.pk)),
        ("dunning.contact", str(stored.contact_id)),
        ("dunning.workitem", str(stored.work_item_id)),
    } <= logged


# --- Stop words ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["STOP", "ＳＴＯＰ", "stop", " Stop! ", "配信停止してください", "【配信停止】", "受信拒否",
     "停止", "送信停止をお願いします"],
)  # fmt: skip
def test_a_text_starting_with_a_stop_word_is_a_stop_reply(text):
    assert is_stop_text(text) is True


@pytest.mark.parametrize(
    "text",
    ["来週払います。督促は停止してください", "お支払いしました", "いつ停止されますか",
     "また連絡します", ""],
)  # fmt: skip
def test_a_text_with_a_stop_word_later_is_not_a_stop_reply(text):
    assert is_stop_text(text) is False


def test_stop_words_come_from_the_settings(settings):
    settings.SMS_STOP_WORDS = ["やめて"]
    assert is_stop_text("やめてください") is True
    assert is_stop_text("STOP") is False


@pytest.mark.parametrize("text", ["ＳＴＯＰ", "配信停止してください"])
def test_a_stop_reply_opts_the_number_out_records_the_contact_and_makes_no_task(
    municipality, message, person, text
):
    stored = reply(municipality, text)
    assert stored.is_stop is True
    opt_out = OptOut.objects.get()
    assert (opt_out.municipality, opt_out.number, opt_out.display) == (municipality, E164, NUMBER)
    assert (opt_out.source, opt_out.reply) == (OptOutSource.REPLY, stored)
    contact = Contact.objects.get(obligor=person)
    assert contact.outcome == ContactOutcome.REPLIED
    assert "受信拒否" in contact.note
    assert stored.work_item is None
    assert not follow_up_items().exists()


def test_a_stop_word_later_in_the_sentence_makes_a_task_and_no_opt_out(municipality, message):
    stored = reply(municipality, "来週払います。督促は停止してください")
    assert stored.is_stop is False
    assert not OptOut.objects.exists()
    assert follow_up_items().count() == 1


def test_a_stop_reply_from_a_number_already_opted_out_adds_nothing(municipality, message):
    OptOutFactory(municipality=municipality, display=NUMBER, number=E164)
    stored = reply(municipality, "STOP")
    assert stored.is_stop and not stored.opted_out
    assert OptOut.objects.get().source == OptOutSource.STAFF


def test_a_stop_reply_from_an_unknown_number_still_opts_it_out(municipality):
    reply(municipality, "STOP", number="080-7777-0002")
    assert OptOut.objects.get().number == "+818077770002"
    assert not Contact.objects.exists()


# --- Repeats ------------------------------------------------------------------------------------


def test_a_duplicate_provider_id_is_ignored(municipality, message):
    first = reply(municipality, "STOP", provider_message_id="R-1")
    again = reply(municipality, "STOP", provider_message_id="R-1")
    assert again.pk == first.pk
    assert (first.is_repeat, again.is_repeat) == (False, True)
    assert SmsReply.objects.count() == 1
    assert Contact.objects.count() == 1
    assert OptOut.objects.count() == 1


def test_the_same_provider_id_in_another_municipality_is_another_reply(municipality, message):
    other = MunicipalityFactory(code="271004", name="大阪市")
    reply(municipality, provider_message_id="R-1")
    reply(other, provider_message_id="R-1")
    assert SmsReply.objects.count() == 2


# --- The replies page -----------------------------------------------------------------------------


@pytest.fixture
def replies(municipality, message, person):
    older = reply(municipality, "折り返しお願いします", provider_message_id="R-old")
    newer = reply(
        municipality,
        "来週払います",
        number="080-7777-0002",
        provider_message_id="R-new",
        received_at=RECEIVED + dt.timedelta(minutes=5),
    )
    return older, newer


def test_the_page_lists_replies_newest_first_with_the_case_and_the_task(
    client, supervisor, replies, person
):
    older, _newer = replies
    sign_in(client, supervisor)
    response = client.get(reverse("sms:replies"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("080-7777-0002") < page.index(NUMBER)
    assert "折り返しお願いします" in page and "来週払います" in page
    assert reverse("dunning:case", args=[person.pk]) in page
    assert person.resident_no in page
    assert reverse("dunning:campaign_detail", args=[older.work_item.campaign_id]) in page
    assert f"#{older.work_item_id}（折返し待ち）" in page


def test_viewing_the_page_is_logged_with_what_it_showed(client, supervisor, replies):
    sign_in(client, supervisor)
    client.get(reverse("sms:replies"))
    entry = AccessLogEntry.objects.filter(actor=supervisor, action="view").get()
    assert entry.fields == ["phone", "resident_no", "sms_text"]
    assert "2件" in entry.reason


def test_an_empty_page_logs_nothing(client, supervisor, municipality):
    sign_in(client, supervisor)
    assert client.get(reverse("sms:replies")).status_code == 200
    assert not AccessLogEntry.objects.filter(actor=supervisor, action="view").exists()


def test_inspectors_read_the_texts_without_the_person(client, inspector, replies, person):
    sign_in(client, inspector)
    page = client.get(reverse("sms:replies")).content.decode()
    assert "折り返しお願いします" in page
    assert person.resident_no not in page
    assert reverse("dunning:case", args=[person.pk]) not in page


def test_replies_of_another_municipality_are_not_listed(client, supervisor, municipality):
    other = MunicipalityFactory(code="271004", name="大阪市")
    reply(other, "ほかの市への返信")
    sign_in(client, supervisor)
    assert "ほかの市への返信" not in client.get(reverse("sms:replies")).content.decode()
