"""The live page: today's figures per operator equal counts made here from raw Contact rows."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from civicdesk.core.choices import ContactChannel, ContactParty
from civicdesk.dunning.choices import ContactOutcome
from civicdesk.dunning.models import Contact, Promise
from civicdesk.dunning.selectors.live import live_stats
from tests.conftest import sign_in
from tests.dunning.factories import (
    CampaignFactory,
    ContactFactory,
    WorkItemFactory,
    make_promise,
)
from tests.factories import MunicipalityFactory, UserFactory
from tests.registry.factories import ObligorFactory

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2025, 6, 4, 14, 0, tzinfo=TOKYO)

# (channel, party, promise?) per contact; a varied day for two operators.
DAY_A = [
    (ContactChannel.OUTBOUND_CALL, ContactParty.SELF, True),
    (ContactChannel.OUTBOUND_CALL, ContactParty.SELF, False),
    (ContactChannel.OUTBOUND_CALL, ContactParty.NONE, False),
    (ContactChannel.OUTBOUND_CALL, ContactParty.NONE, False),
    (ContactChannel.OUTBOUND_CALL, ContactParty.FAMILY, True),
    (ContactChannel.INBOUND_CALL, ContactParty.SELF, True),
]
DAY_B = [
    (ContactChannel.OUTBOUND_CALL, ContactParty.NONE, False),
    (ContactChannel.OUTBOUND_CALL, ContactParty.OTHER, False),
    (ContactChannel.VISIT, ContactParty.SELF, False),
]


def contact(user, obligor, channel, party, promised, at):
    outcome = ContactOutcome.NO_ANSWER if party == ContactParty.NONE else ContactOutcome.WILL_PAY
    if promised:
        outcome = ContactOutcome.PROMISE
    row = ContactFactory(
        obligor=obligor, user=user, channel=channel, party=party, outcome=outcome, at=at
    )
    if promised:
        # Two promises on one contact still make one contact with a promise.
        for amount in (5_000, 3_000):
            make_promise(row, amount=amount, promised_on=dt.date(2025, 6, 20))
    return row


@pytest.fixture
def colleague(municipality, nhi_team):
    return UserFactory(
        username="operator2", role="operator", municipality=municipality, team=nhi_team
    )


@pytest.fixture
def day(operator, colleague, municipality):
    obligor = ObligorFactory(municipality=municipality)
    for index, spec in enumerate(DAY_A):
        contact(operator, obligor, *spec, at=NOW - dt.timedelta(hours=5, minutes=-index))
    for index, spec in enumerate(DAY_B):
        contact(colleague, obligor, *spec, at=NOW - dt.timedelta(hours=2, minutes=-index))
    # Not today: yesterday evening, and tomorrow's first minute.
    contact(operator, obligor, *DAY_A[0], at=dt.datetime(2025, 6, 3, 23, 59, tzinfo=TOKYO))
    contact(operator, obligor, *DAY_A[0], at=dt.datetime(2025, 6, 5, 0, 0, tzinfo=TOKYO))
    # Not this municipality.
    elsewhere = MunicipalityFactory(code="131016", name="千代田区（デモ）")
    contact(operator, ObligorFactory(municipality=elsewhere), *DAY_A[0], at=NOW)
    return obligor


def independent_counts(user, municipality):
    """Counted in Python from the raw rows, the way a supervisor would tally them by hand."""
    start = dt.datetime(2025, 6, 4, tzinfo=TOKYO)
    rows = [
        c
        for c in Contact.objects.filter(user=user).select_related("obligor")
        if start <= c.at < start + dt.timedelta(days=1)
        and c.obligor.municipality_id == municipality.pk
    ]
    reached = [c for c in rows if c.party != ContactParty.NONE]
    outbound = [c for c in rows if c.channel == ContactChannel.OUTBOUND_CALL]
    promised = [c for c in rows if Promise.objects.filter(contact=c).exists()]
    return {
        "done": len(rows),
        "reached": len(reached),
        "promised": len(promised),
        "outbound": len(outbound),
        "outbound_reached": len([c for c in outbound if c.party != ContactParty.NONE]),
        "last": max(c.at for c in rows) if rows else None,
    }


def figures_of(row):
    f = row.figures
    return {
        "done": f.done,
        "reached": f.reached,
        "promised": f.promised,
        "outbound": f.outbound,
        "outbound_reached": f.outbound_reached,
        "last": row.last_activity,
    }


def test_per_operator_figures_equal_independent_counts(
    supervisor, operator, colleague, municipality, day
):
    stats = live_stats(supervisor, now=NOW)
    rows = {row.user.pk: row for row in stats.rows}
    assert set(rows) == {operator.pk, colleague.pk}
    for user in (operator, colleague):
        assert figures_of(rows[user.pk]) == independent_counts(user, municipality)
    # And the numbers the test data was designed to give, so the tally itself is checked.
    assert figures_of(rows[operator.pk])["done"] == 6
    assert figures_of(rows[operator.pk])["promised"] == 3


def test_totals_and_rates_follow_the_glossary(supervisor, operator, colleague, municipality, day):
    stats = live_stats(supervisor, now=NOW)
    counts = [independent_counts(u, municipality) for u in (operator, colleague)]
    total = {key: sum(c[key] for c in counts) for key in ("done", "reached", "promised")}
    outbound = sum(c["outbound"] for c in counts)
    outbound_reached = sum(c["outbound_reached"] for c in counts)
    assert stats.totals.done == total["done"] == 9
    assert stats.totals.reached == total["reached"]
    assert stats.totals.promised == total["promised"]
    # 対話率 = reached outbound calls ÷ outbound calls; 納付約束率 = promises ÷ reached contacts.
    assert stats.totals.reach_rate == pytest.approx(outbound_reached / outbound)
    assert stats.totals.reach_rate == pytest.approx(4 / 7)
    assert stats.totals.promise_rate == pytest.approx(total["promised"] / total["reached"])
    assert stats.totals.promise_rate == pytest.approx(3 / 6)


def test_an_idle_operator_is_listed_with_zeros_and_no_rates(supervisor, operator):
    stats = live_stats(supervisor, now=NOW)
    (row,) = stats.rows
    assert row.user == operator
    assert row.figures.done == 0
    assert row.figures.reach_rate is None and row.figures.promise_rate is None
    assert not row.busy


def test_the_state_shows_the_campaign_of_a_held_lease(
    supervisor, operator, colleague, municipality
):
    campaign = CampaignFactory(municipality=municipality, name="6月国保早期催告")
    WorkItemFactory(
        campaign=campaign, lease_owner=operator, lease_expires_at=NOW + dt.timedelta(minutes=5)
    )
    WorkItemFactory(
        campaign=campaign, lease_owner=colleague, lease_expires_at=NOW - dt.timedelta(minutes=1)
    )
    rows = {row.user.pk: row for row in live_stats(supervisor, now=NOW).rows}
    assert rows[operator.pk].campaign == "6月国保早期催告"
    assert rows[operator.pk].busy
    assert rows[colleague.pk].campaign is None  # an expired lease is free again


def test_operators_see_nothing(operator, day):
    assert live_stats(operator, now=NOW).rows == []


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_panel_query_count_does_not_grow_with_operators(
    client, supervisor, operator, municipality, nhi_team
):
    obligor = ObligorFactory(municipality=municipality)
    campaign = CampaignFactory(municipality=municipality)
    now = timezone.now()
    sign_in(client, supervisor)
    url = reverse("dunning:live_panel")
    contact(operator, obligor, *DAY_A[0], at=now)
    few = queries_for(client, url)
    for _ in range(8):
        user = UserFactory(role="operator", municipality=municipality, team=nhi_team)
        for spec in DAY_A:
            contact(user, obligor, *spec, at=now)
        WorkItemFactory(
            campaign=campaign, lease_owner=user, lease_expires_at=now + dt.timedelta(minutes=5)
        )
    many = queries_for(client, url)
    assert many == few
    # session, user, TOTP device, permissions (2), municipality lookups, the three aggregates
    assert many <= 12


def test_the_page_polls_its_panel_every_ten_seconds(client, supervisor, staff):
    sign_in(client, supervisor)
    page = client.get(reverse("dunning:live")).content.decode()
    assert f'hx-get="{reverse("dunning:live_panel")}"' in page
    assert 'hx-trigger="every 10s"' in page
    client.logout()
    sign_in(client, staff)
    assert client.get(reverse("dunning:live")).status_code == 200


@pytest.mark.parametrize("role", ["operator", "visitor", "inspector", "admin"])
def test_other_roles_get_403(client, users_by_role, role):
    sign_in(client, users_by_role[role])
    assert client.get(reverse("dunning:live")).status_code == 403
    assert client.get(reverse("dunning:live_panel")).status_code == 403
