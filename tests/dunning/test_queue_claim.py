"""「次の案件」: which item a user gets, and when nobody gets one (issue 4 §2, ADR 0006/0007).

Times are Asia/Tokyo. The demo calls calendar (fixture `calendars`): weekdays 8:30–17:15,
Wednesdays until 19:00, the second Saturday 9:00–17:00. 2025-06-10 is a Tuesday.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from civicdesk.audit.models import AccessLogEntry
from civicdesk.core.services import add_closure
from civicdesk.dunning.choices import (
    CampaignChannel,
    CampaignStatus,
    ContactChannel,
    ContactOutcome,
    ContactParty,
)
from civicdesk.dunning.models import WorkItem
from civicdesk.dunning.selectors import queue as selectors
from civicdesk.dunning.services.queue import claim_next_item
from tests.dunning.factories import (
    CampaignFactory,
    ContactFactory,
    WorkItemFactory,
    cover,
    make_promise,
)
from tests.factories import UserFactory
from tests.registry.factories import AccountFactory, ObligorFactory

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
TUESDAY = dt.date(2025, 6, 10)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TOKYO)


NOW = at(TUESDAY, 10)


@pytest.fixture
def campaign(municipality, calendars):
    return CampaignFactory(municipality=municipality)


@pytest.fixture
def colleague(municipality, nhi_team):
    return UserFactory(
        username="operator2", role="operator", municipality=municipality, team=nhi_team
    )


def item_for(campaign, **kwargs) -> WorkItem:
    return WorkItemFactory(campaign=campaign, **kwargs)


# --- Order and leases -------------------------------------------------------------------------


def test_claim_leases_the_highest_priority_item_for_the_lease_minutes(operator, campaign, settings):
    item_for(campaign, priority=10)
    best = item_for(campaign, priority=30)
    item_for(campaign, priority=20)

    claimed = claim_next_item(acting_user=operator, now=NOW)

    assert claimed.pk == best.pk
    best.refresh_from_db()
    assert best.lease_owner == operator
    assert best.lease_expires_at == NOW + dt.timedelta(minutes=settings.DUNNING_LEASE_MINUTES)


def test_equal_priority_goes_by_id(operator, campaign):
    first = item_for(campaign, priority=5)
    item_for(campaign, priority=5)
    assert claim_next_item(acting_user=operator, now=NOW).pk == first.pk


def test_a_double_click_returns_the_item_already_held(operator, campaign):
    item_for(campaign, priority=2)
    item_for(campaign, priority=1)
    first = claim_next_item(acting_user=operator, now=NOW)
    second = claim_next_item(acting_user=operator, now=NOW + dt.timedelta(seconds=1))
    assert second.pk == first.pk
    assert WorkItem.objects.filter(lease_owner=operator).count() == 1


def test_two_operators_get_different_items(operator, colleague, campaign):
    item_for(campaign, priority=2)
    item_for(campaign, priority=1)
    mine = claim_next_item(acting_user=operator, now=NOW)
    theirs = claim_next_item(acting_user=colleague, now=NOW)
    assert mine.pk != theirs.pk
    assert claim_next_item(acting_user=UserFactory(role="supervisor"), now=NOW) is None


def test_an_expired_lease_is_free_again(operator, colleague, campaign, settings):
    item = item_for(campaign)
    claim_next_item(acting_user=operator, now=NOW)
    lease = dt.timedelta(minutes=settings.DUNNING_LEASE_MINUTES)
    assert claim_next_item(acting_user=colleague, now=NOW + lease - dt.timedelta(seconds=1)) is None
    reclaimed = claim_next_item(acting_user=colleague, now=NOW + lease)
    assert reclaimed.pk == item.pk
    item.refresh_from_db()
    assert item.lease_owner == colleague


def test_a_person_leased_in_another_campaign_is_not_handed_out(
    operator, colleague, campaign, municipality
):
    other_campaign = CampaignFactory(municipality=municipality, name="別の計画")
    obligor = ObligorFactory(municipality=municipality)
    held = item_for(other_campaign, obligor=obligor, priority=100)
    item_for(campaign, obligor=obligor, priority=50)
    assert claim_next_item(acting_user=colleague, now=NOW).pk == held.pk
    assert claim_next_item(acting_user=operator, now=NOW) is None


def test_callbacks_due_come_first_then_follow_ups_then_priority(operator, campaign, municipality):
    plain = item_for(campaign, priority=1000)
    contact = ContactFactory(obligor=ObligorFactory(municipality=municipality), at=NOW)
    promise = make_promise(contact, amount=5000, promised_on=TUESDAY)
    follow_up = item_for(campaign, priority=1, follow_up_of=promise)
    callback = item_for(
        campaign, priority=0, callback_at=NOW - dt.timedelta(minutes=1), callback_owner=operator
    )
    order = []
    for _ in range(3):
        item = claim_next_item(acting_user=operator, now=NOW)
        order.append(item.pk)
        WorkItem.objects.filter(pk=item.pk).update(status="done")
    assert order == [callback.pk, follow_up.pk, plain.pk]


def test_the_claim_writes_no_access_log_entry(operator, campaign):
    item_for(campaign)
    before = AccessLogEntry.objects.count()
    assert claim_next_item(acting_user=operator, now=NOW) is not None
    assert AccessLogEntry.objects.count() == before


def test_the_claim_runs_a_bounded_number_of_queries(
    operator, campaign, django_assert_max_num_queries
):
    for priority in range(20):
        item_for(campaign, priority=priority)
    claim_next_item(acting_user=operator, now=NOW)  # warms the calendar cache
    WorkItem.objects.update(lease_owner=None, lease_expires_at=None)
    # PostgreSQL: BEGIN, user lock, held?, campaigns, two candidate tiers, person lock and
    # re-check, the lease UPDATE, the item, COMMIT; SQLite needs fewer.
    with django_assert_max_num_queries(11):
        assert claim_next_item(acting_user=operator, now=NOW) is not None


# --- Who may work what ------------------------------------------------------------------------


def test_items_outside_the_users_revenue_types_are_not_handed_out(operator, outsider, campaign):
    nhi_only = item_for(campaign, revenue_types=["nhi"], priority=10)
    both = item_for(campaign, revenue_types=["resident_tax", "nhi"], priority=5)
    assert claim_next_item(acting_user=outsider, now=NOW).pk == both.pk
    assert claim_next_item(acting_user=operator, now=NOW).pk == nhi_only.pk


def test_campaign_assignment_operators_or_teams(operator, colleague, outsider, campaign, nhi_team):
    item_for(campaign, revenue_types=["nhi", "resident_tax"])
    campaign.operators.set([colleague])
    assert claim_next_item(acting_user=operator, now=NOW) is None
    campaign.teams.set([nhi_team])
    assert claim_next_item(acting_user=operator, now=NOW) is not None
    # The tax team is neither listed nor one of the listed operators.
    assert claim_next_item(acting_user=outsider, now=NOW) is None


@pytest.mark.parametrize(
    "change",
    [
        {"status": CampaignStatus.PAUSED},
        {"status": CampaignStatus.CLOSED},
        {"starts_on": dt.date(2025, 6, 11)},
        {"ends_on": dt.date(2025, 6, 9), "starts_on": dt.date(2025, 4, 1)},
        {"channel": CampaignChannel.LETTER},
    ],
)
def test_only_active_campaigns_in_their_period_and_not_letters(operator, campaign, change):
    item_for(campaign)
    type(campaign).objects.filter(pk=campaign.pk).update(**change)
    assert claim_next_item(acting_user=operator, now=NOW) is None


def test_visit_items_are_never_taken_from_the_queue_they_go_on_visit_lists(
    operator, visitor, supervisor, municipality, calendars
):
    # Issue 5: visit campaigns are worked from visit lists (services.visits), by nobody's
    # 「次の案件」: a visitor takes nothing, a supervisor and an operator only the call item.
    calls = CampaignFactory(municipality=municipality, channel=CampaignChannel.CALL)
    visits = CampaignFactory(municipality=municipality, channel=CampaignChannel.VISIT)
    call_item = item_for(calls)
    visit_item = item_for(visits)
    assert claim_next_item(acting_user=visitor, now=NOW) is None
    assert claim_next_item(acting_user=supervisor, now=NOW).pk == call_item.pk
    WorkItem.objects.filter(pk=call_item.pk).update(lease_owner=None, lease_expires_at=None)
    assert claim_next_item(acting_user=operator, now=NOW).pk == call_item.pk
    visit_item.refresh_from_db()
    assert visit_item.lease_owner is None


def test_roles_without_case_work_get_nothing(staff, inspector, campaign):
    item_for(campaign)
    assert claim_next_item(acting_user=staff, now=NOW) is None
    assert claim_next_item(acting_user=inspector, now=NOW) is None


# --- Calendar ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    [
        at(dt.date(2025, 6, 15), 10),  # Sunday
        at(dt.date(2025, 7, 21), 10),  # 海の日 (national holiday, a Monday)
        at(dt.date(2025, 12, 30), 10),  # year-end closure
        at(TUESDAY, 8, 29),  # before opening
        at(TUESDAY, 17, 15),  # closing time (excluded)
        at(TUESDAY, 18),
        at(dt.date(2025, 6, 21), 10),  # third Saturday
    ],
)
def test_nothing_is_handed_out_while_the_calls_calendar_is_closed(operator, campaign, moment):
    item_for(campaign)
    assert claim_next_item(acting_user=operator, now=moment) is None


@pytest.mark.parametrize(
    "moment",
    [
        at(TUESDAY, 8, 30),
        at(TUESDAY, 17, 14),
        at(dt.date(2025, 6, 11), 18, 30),  # Wednesday evening extension
        at(dt.date(2025, 6, 14), 10),  # second Saturday
    ],
)
def test_items_are_handed_out_while_the_calls_calendar_is_open(operator, campaign, moment):
    item_for(campaign)
    assert claim_next_item(acting_user=operator, now=moment) is not None


def test_a_closure_added_today_stops_the_queue_at_once(operator, campaign, calendars):
    item_for(campaign)
    assert claim_next_item(acting_user=operator, now=NOW) is not None  # cached: open
    WorkItem.objects.update(lease_owner=None, lease_expires_at=None)
    calls = next(c for c in calendars if c.service == "calls")
    add_closure(acting_user=None, calendar=calls, date=TUESDAY, reason="システム停止")
    assert claim_next_item(acting_user=operator, now=NOW) is None


def test_the_calendar_answer_is_cached_per_service_and_day(
    operator, campaign, django_assert_max_num_queries
):
    item_for(campaign)
    selectors.channel_open(campaign, NOW)
    with django_assert_max_num_queries(0):
        for minute in range(0, 60, 5):
            assert selectors.channel_open(campaign, at(TUESDAY, 11, minute))


# --- Retry, attempts, callbacks ---------------------------------------------------------------


def test_an_item_waits_for_its_next_attempt(operator, campaign):
    item_for(campaign, next_attempt_at=NOW + dt.timedelta(minutes=5))
    assert claim_next_item(acting_user=operator, now=NOW) is None
    assert claim_next_item(acting_user=operator, now=NOW + dt.timedelta(minutes=5)) is not None


def test_items_at_the_attempt_limit_are_not_handed_out(operator, campaign):
    campaign.max_attempts = 3
    campaign.save()
    item_for(campaign, attempts=3)
    assert claim_next_item(acting_user=operator, now=NOW) is None
    under = item_for(campaign, attempts=2)
    assert claim_next_item(acting_user=operator, now=NOW).pk == under.pk


def test_a_callback_goes_to_its_owner_then_to_anyone_after_the_grace(
    operator, colleague, campaign, settings
):
    settings.DUNNING_CALLBACK_GRACE_MINUTES = 15
    callback_at = at(TUESDAY, 14)
    item = item_for(campaign, callback_at=callback_at, callback_owner=operator)
    # Before the time the person asked for: nobody.
    assert claim_next_item(acting_user=operator, now=callback_at - dt.timedelta(minutes=1)) is None
    # From the time on: the owner only.
    assert claim_next_item(acting_user=colleague, now=callback_at) is None
    assert (
        claim_next_item(acting_user=colleague, now=callback_at + dt.timedelta(minutes=14)) is None
    )
    # After the grace period: anyone of the campaign.
    later = callback_at + dt.timedelta(minutes=15)
    assert claim_next_item(acting_user=colleague, now=later).pk == item.pk


def test_the_owner_gets_the_due_callback(operator, campaign):
    callback_at = at(TUESDAY, 14)
    item_for(campaign, priority=99)
    item = item_for(campaign, priority=0, callback_at=callback_at, callback_owner=operator)
    assert claim_next_item(acting_user=operator, now=callback_at).pk == item.pk


# --- Pacing across revenue types (seed 000 §8(1)⑧) --------------------------------------------


@pytest.fixture
def person(municipality):
    """One person with a resident-tax account and an NHI account."""
    obligor = ObligorFactory(municipality=municipality)
    tax = AccountFactory(obligor=obligor, revenue_type="resident_tax")
    nhi = AccountFactory(obligor=obligor, revenue_type="nhi")
    return obligor, tax, nhi


def test_a_resident_tax_contact_blocks_the_nhi_item_for_three_days(
    operator, campaign, person, outsider
):
    obligor, tax, _nhi = person
    item = item_for(campaign, obligor=obligor, revenue_types=["nhi"])
    contacted = NOW - dt.timedelta(days=1)
    cover(ContactFactory(obligor=obligor, at=contacted, user=outsider), tax)

    assert campaign.min_days_between_contacts == 3
    for moment in (NOW, contacted + dt.timedelta(days=3) - dt.timedelta(minutes=1)):
        assert claim_next_item(acting_user=operator, now=moment) is None
    assert claim_next_item(acting_user=operator, now=contacted + dt.timedelta(days=3)).pk == item.pk


def test_pacing_follows_the_campaigns_interval(operator, campaign, person):
    obligor, tax, _nhi = person
    campaign.min_days_between_contacts = 1
    campaign.save()
    item = item_for(campaign, obligor=obligor)
    cover(ContactFactory(obligor=obligor, at=NOW - dt.timedelta(days=1, minutes=1)), tax)
    assert claim_next_item(acting_user=operator, now=NOW).pk == item.pk


def test_an_unanswered_call_does_not_pace(operator, campaign, person):
    obligor, _tax, nhi = person
    item = item_for(campaign, obligor=obligor)
    cover(
        ContactFactory(
            obligor=obligor,
            at=NOW - dt.timedelta(hours=2),
            party=ContactParty.NONE,
            outcome=ContactOutcome.NO_ANSWER,
            paces=False,
        ),
        nhi,
    )
    assert claim_next_item(acting_user=operator, now=NOW).pk == item.pk


def test_a_due_callback_lifts_pacing(operator, campaign, person):
    obligor, tax, _nhi = person
    cover(ContactFactory(obligor=obligor, at=NOW - dt.timedelta(hours=3)), tax)
    item = item_for(
        campaign,
        obligor=obligor,
        callback_at=NOW - dt.timedelta(minutes=5),
        callback_owner=operator,
    )
    assert claim_next_item(acting_user=operator, now=NOW).pk == item.pk


def test_an_inbound_call_after_the_paced_contact_lifts_pacing(operator, campaign, person):
    obligor, tax, nhi = person
    item = item_for(campaign, obligor=obligor)
    cover(ContactFactory(obligor=obligor, at=NOW - dt.timedelta(days=1)), tax)
    cover(
        ContactFactory(
            obligor=obligor, at=NOW - dt.timedelta(hours=1), channel=ContactChannel.INBOUND_CALL
        ),
        nhi,
    )
    assert claim_next_item(acting_user=operator, now=NOW).pk == item.pk


def test_an_inbound_call_before_the_paced_contact_does_not_lift_it(operator, campaign, person):
    obligor, tax, nhi = person
    item_for(campaign, obligor=obligor)
    cover(
        ContactFactory(
            obligor=obligor, at=NOW - dt.timedelta(days=2), channel=ContactChannel.INBOUND_CALL
        ),
        nhi,
    )
    # We called them back after they called in and reached them: pacing starts again.
    cover(ContactFactory(obligor=obligor, at=NOW - dt.timedelta(days=1)), tax)
    assert claim_next_item(acting_user=operator, now=NOW) is None


def test_a_paced_person_is_skipped_for_the_next_one(operator, campaign, person, municipality):
    obligor, tax, _nhi = person
    item_for(campaign, obligor=obligor, priority=100)
    cover(ContactFactory(obligor=obligor, at=NOW - dt.timedelta(hours=1)), tax)
    other = item_for(campaign, priority=1)
    assert claim_next_item(acting_user=operator, now=NOW).pk == other.pk
