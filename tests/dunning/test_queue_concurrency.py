"""Never two holders (ADR 0006): 50 operators empty a campaign of 5,000 items on PostgreSQL.

Threads share nothing but the database; each uses its own connection (closed at the end).
SQLite serialises write transactions (BEGIN IMMEDIATE), so these run in the PostgreSQL pass.
"""

import datetime as dt
import threading
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.db.models import Count

from civicdesk.core.services import setup_demo_calendars
from civicdesk.dunning.choices import WorkItemStatus
from civicdesk.dunning.models import WorkItem
from civicdesk.dunning.services.queue import claim_next_item
from civicdesk.registry.models import Obligor
from tests.dunning.factories import CampaignFactory
from tests.factories import UserFactory

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2025, 6, 10, 10, 0, tzinfo=TOKYO)  # Tuesday: calls calendar open
WORKERS = 50
ITEMS = 5000
# Not a missing tool: `make test` runs this file again on PostgreSQL.
pytestmark = pytest.mark.postgres_only(
    reason="SELECT … FOR UPDATE SKIP LOCKED between real concurrent transactions"
)


def make_items(campaign, count: int, *, start: int = 0, obligors=None) -> list[Obligor]:
    if obligors is None:
        obligors = Obligor.objects.bulk_create(
            Obligor(
                municipality=campaign.municipality,
                resident_no=f"Q{start + n:08d}",
                name=f"並行 太郎{n}",
                address="東京都江東区東陽四丁目11番28号",
            )
            for n in range(count)
        )
    WorkItem.objects.bulk_create(
        WorkItem(campaign=campaign, obligor=obligor, revenue_types=["nhi"], priority=n % 97)
        for n, obligor in enumerate(obligors)
    )
    return obligors


def run_workers(users, work) -> list[Exception]:
    errors: list[Exception] = []
    barrier = threading.Barrier(len(users))

    def run(user):
        try:
            barrier.wait()
            work(user)
        except Exception as exc:  # reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def operators(municipality, team, count: int):
    return [
        UserFactory(
            username=f"q-operator{n}", role="operator", municipality=municipality, team=team
        )
        for n in range(count)
    ]


@pytest.mark.django_db(transaction=True)
def test_fifty_operators_empty_five_thousand_items_each_handed_out_once(municipality, nhi_team):
    setup_demo_calendars(acting_user=None, municipality=municipality)
    campaign = CampaignFactory(municipality=municipality)
    make_items(campaign, ITEMS)
    users = operators(municipality, nhi_team, WORKERS)
    handed_out: list[int] = []
    lock = threading.Lock()

    def work(user):
        while (item := claim_next_item(acting_user=user, now=NOW)) is not None:
            with lock:
                handed_out.append(item.pk)
            # What apply_contact does for a reached outcome: done, lease cleared.
            WorkItem.objects.filter(pk=item.pk).update(
                status=WorkItemStatus.DONE, lease_owner=None, lease_expires_at=None
            )

    assert not run_workers(users, work)
    duplicates = [pk for pk, n in Counter(handed_out).items() if n > 1]
    assert duplicates == []
    assert len(handed_out) == ITEMS
    assert set(handed_out) == set(WorkItem.objects.values_list("pk", flat=True))
    assert not WorkItem.objects.exclude(status=WorkItemStatus.DONE).exists()


@pytest.mark.django_db(transaction=True)
def test_one_person_in_two_campaigns_is_never_held_by_two_operators(municipality, nhi_team):
    setup_demo_calendars(acting_user=None, municipality=municipality)
    first = CampaignFactory(municipality=municipality, name="計画A")
    second = CampaignFactory(municipality=municipality, name="計画B")
    people = make_items(first, 20)
    make_items(second, 20, obligors=people)
    users = operators(municipality, nhi_team, 40)
    # Everyone claims at once and keeps what they got: 40 items, but only 20 people.
    assert not run_workers(users, lambda user: claim_next_item(acting_user=user, now=NOW))

    held = WorkItem.objects.filter(lease_expires_at__gt=NOW)
    per_person = held.values("obligor_id").annotate(n=Count("pk")).filter(n__gt=1)
    assert list(per_person) == []
    assert held.count() == 20
    per_user = held.values("lease_owner_id").annotate(n=Count("pk")).filter(n__gt=1)
    assert list(per_user) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_clicks_take_one_item(municipality, nhi_team):
    setup_demo_calendars(acting_user=None, municipality=municipality)
    campaign = CampaignFactory(municipality=municipality)
    make_items(campaign, 30)
    user = operators(municipality, nhi_team, 1)[0]
    got: list[int] = []

    def click(_):
        got.append(claim_next_item(acting_user=user, now=NOW).pk)

    assert not run_workers([user] * 8, click)
    assert len(set(got)) == 1
    assert WorkItem.objects.filter(lease_owner=user).count() == 1
