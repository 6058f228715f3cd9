"""Lists made at the same moment never share an item or a person (ADR 0006 for visit lists).

Threads share nothing but the database; each uses its own connection. SQLite serialises write
transactions (BEGIN IMMEDIATE), so these run in the PostgreSQL pass.
"""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from civicdesk.core.services import setup_demo_calendars
from civicdesk.dunning.choices import CampaignChannel
from civicdesk.dunning.models import VisitStop, WorkItem
from civicdesk.dunning.services.visits import build_visit_list
from civicdesk.registry.models import Obligor
from tests.dunning.factories import CampaignFactory
from tests.dunning.test_queue_concurrency import run_workers
from tests.factories import UserFactory

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2025, 6, 10, 10, 0, tzinfo=TOKYO)  # Tuesday: visits calendar open
# Not a missing tool: `make test` runs this file again on PostgreSQL.
pytestmark = pytest.mark.postgres_only(
    reason="concurrent lease UPDATEs and FOR NO KEY UPDATE SKIP LOCKED between real transactions"
)
VISITORS = 8
SIZE = 10


def people(municipality, count: int, prefix: str = "V") -> list[Obligor]:
    return Obligor.objects.bulk_create(
        Obligor(
            municipality=municipality,
            resident_no=f"{prefix}{n:06d}",
            name=f"並行 花子{n}",
            address=f"東京都江東区東陽四丁目{n // 10 + 1}番{n % 10 + 1}号",
            town="東陽",
            chome=4,
            block=f"{n // 10 + 1}-{n % 10 + 1}",
        )
        for n in range(count)
    )


def items(campaign, obligors) -> None:
    WorkItem.objects.bulk_create(
        WorkItem(campaign=campaign, obligor=o, revenue_types=["nhi"]) for o in obligors
    )


def visitors(municipality, team) -> list:
    return [
        UserFactory(username=f"v-visitor{n}", role="visitor", municipality=municipality, team=team)
        for n in range(VISITORS)
    ]


def build_all(users, campaigns) -> tuple[list, list]:
    built, refused = [], []

    def work(user):
        for campaign in campaigns:
            try:
                built.append(
                    build_visit_list(
                        acting_user=user, campaign=campaign, visitor=user, size=SIZE, now=NOW
                    )
                )
            except ValidationError:
                refused.append(user)

    assert not run_workers(users, work)
    return built, refused


@pytest.mark.django_db(transaction=True)
def test_lists_built_at_the_same_moment_never_share_an_item(municipality, nhi_team):
    setup_demo_calendars(acting_user=None, municipality=municipality)
    campaign = CampaignFactory(municipality=municipality, channel=CampaignChannel.VISIT)
    count = VISITORS * SIZE - 15  # fewer than asked for: some lists come out short or not at all
    items(campaign, people(municipality, count))

    built, _ = build_all(visitors(municipality, nhi_team), [campaign])

    taken = list(VisitStop.objects.values_list("work_item_id", flat=True))
    assert [pk for pk, n in Counter(taken).items() if n > 1] == []
    assert len(taken) == count  # every item went to some list
    for visit_list in built:
        owners = set(
            WorkItem.objects.filter(pk__in=visit_list.stops.values("work_item_id")).values_list(
                "lease_owner_id", flat=True
            )
        )
        assert owners == {visit_list.visitor_id}


@pytest.mark.django_db(transaction=True)
def test_one_person_in_two_visit_campaigns_is_on_one_list_only(municipality, nhi_team):
    setup_demo_calendars(acting_user=None, municipality=municipality)
    first = CampaignFactory(municipality=municipality, channel=CampaignChannel.VISIT, name="A")
    second = CampaignFactory(municipality=municipality, channel=CampaignChannel.VISIT, name="B")
    shared = people(municipality, 30)
    items(first, shared)
    items(second, shared)

    build_all(visitors(municipality, nhi_team), [first, second])

    obligors = list(VisitStop.objects.values_list("work_item__obligor_id", flat=True))
    assert [pk for pk, n in Counter(obligors).items() if n > 1] == []
    assert len(obligors) == 30
