"""The venue day (§7): opening + received − issued − returned − failed = counted, figures from
the day's events at that venue (computed here by hand), a difference only with an
explanation, one close per venue and day, the next day opening with the count."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from civicdesk.cards.models import VenueDay
from civicdesk.cards.services import stock
from civicdesk.cards.services.venue_day import close_venue_day, day_figures
from tests.cards.factories import CardTargetFactory
from tests.conftest import TEST_NOW

pytestmark = pytest.mark.django_db
TODAY = TEST_NOW.date()


@pytest.fixture
def day_at_honcho(venues, municipality, supervisor, venue_clerk):
    """Five cards arrive at 本庁舎 today; two issued, one returned, one failed. One card
    arrives at 豊洲 (another venue: not counted)."""
    targets = CardTargetFactory.create_batch(5, municipality=municipality)
    elsewhere = CardTargetFactory(municipality=municipality, town="豊洲")
    stock.record_card_receipt(
        acting_user=supervisor,
        municipality=municipality,
        received_on=TODAY,
        declared_count=6,
        reservation_nos=[t.reservation_no for t in [*targets, elsewhere]],
    )
    for venue in (venues.honchosha, venues.toyosu):
        transfer = stock.transfer_to_venue(acting_user=supervisor, venue=venue)
        stock.receive_transfer(
            acting_user=venue_clerk, transfer=transfer, counted=transfer.card_count
        )
    for target in targets[:2]:
        stock.issue_card(acting_user=venue_clerk, target=target, identity_checked=True)
    stock.return_card(acting_user=venue_clerk, target=targets[2], note="")
    stock.fail_issue(acting_user=venue_clerk, target=targets[3], reason="顔写真不一致")
    return targets


def test_the_figures_come_from_the_days_events_at_the_venue(day_at_honcho, venues):
    figures = day_figures(venues.honchosha, TODAY)
    assert (figures.opening, figures.received, figures.issued) == (0, 5, 2)
    assert (figures.returned, figures.failed) == (1, 1)
    assert figures.expected == 0 + 5 - 2 - 1 - 1


def test_a_balanced_day_closes(day_at_honcho, venues, venue_clerk):
    closed = close_venue_day(acting_user=venue_clerk, venue=venues.honchosha, day=TODAY, counted=1)
    assert (closed.received, closed.issued, closed.counted, closed.difference) == (5, 2, 1, 0)


def test_a_difference_needs_an_explanation(day_at_honcho, venues, venue_clerk):
    with pytest.raises(ValidationError, match="差異があります。説明を記入してください"):
        close_venue_day(acting_user=venue_clerk, venue=venues.honchosha, day=TODAY, counted=0)
    assert not VenueDay.objects.exists()
    closed = close_venue_day(
        acting_user=venue_clerk,
        venue=venues.honchosha,
        day=TODAY,
        counted=0,
        explanation="1枚を区民課へ誤って返却、翌日回収予定",
    )
    assert closed.difference == -1


def test_one_close_per_venue_and_day(day_at_honcho, venues, venue_clerk):
    close_venue_day(acting_user=venue_clerk, venue=venues.honchosha, day=TODAY, counted=1)
    with pytest.raises(ValidationError, match="締め済み"):
        close_venue_day(acting_user=venue_clerk, venue=venues.honchosha, day=TODAY, counted=1)
    # Another venue's same day is its own close.
    close_venue_day(acting_user=venue_clerk, venue=venues.toyosu, day=TODAY, counted=1)
    assert VenueDay.objects.count() == 2


def test_the_next_day_opens_with_the_count(day_at_honcho, venues, venue_clerk):
    close_venue_day(acting_user=venue_clerk, venue=venues.honchosha, day=TODAY, counted=1)
    tomorrow = TODAY + dt.timedelta(days=1)
    with time_machine.travel(TEST_NOW + dt.timedelta(days=1), tick=True):
        stock.issue_card(acting_user=venue_clerk, target=day_at_honcho[4], identity_checked=True)
        figures = day_figures(venues.honchosha, tomorrow)
        assert (figures.opening, figures.received, figures.issued) == (1, 0, 1)
        closed = close_venue_day(
            acting_user=venue_clerk, venue=venues.honchosha, day=tomorrow, counted=0
        )
    assert closed.opening == 1 and closed.difference == 0


def test_a_future_day_or_an_earlier_day_after_a_close_is_refused(venues, venue_clerk):
    with pytest.raises(ValidationError, match="まだ来ていない"):
        close_venue_day(
            acting_user=venue_clerk,
            venue=venues.honchosha,
            day=TODAY + dt.timedelta(days=1),
            counted=0,
        )
    close_venue_day(acting_user=venue_clerk, venue=venues.honchosha, day=TODAY, counted=0)
    with pytest.raises(ValidationError, match="より後の日が締め済み"):
        close_venue_day(
            acting_user=venue_clerk,
            venue=venues.honchosha,
            day=TODAY - dt.timedelta(days=1),
            counted=0,
        )


@pytest.mark.parametrize("role", ["supervisor", "staff", "inspector", "card_operator"])
def test_only_the_venue_closes_its_day(venues, users_by_role, role):
    with pytest.raises(PermissionDenied):
        close_venue_day(
            acting_user=users_by_role[role], venue=venues.honchosha, day=TODAY, counted=0
        )
