"""Making a visit list (issue 5 §1): street order, areas, leases until midnight, the queue's
eligibility (another lease, pacing, retry wait), the visits calendar, assignment, release.

Times are Asia/Tokyo. The demo visits calendar (fixture `calendars`): weekdays 8:30–17:15.
2025-06-10 is a Tuesday; 2025-06-15 a Sunday.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicdesk.audit.models import AccessLogEntry
from civicdesk.core.services import add_closure
from civicdesk.dunning.choices import CampaignChannel, CampaignStatus, WorkItemStatus
from civicdesk.dunning.models import VisitList, VisitStop, WorkItem
from civicdesk.dunning.services.visits import build_visit_list, release_visit_list
from civicdesk.registry.addresses import parse_address
from tests.dunning.factories import CampaignFactory, ContactFactory, WorkItemFactory
from tests.factories import UserFactory
from tests.registry.factories import ObligorFactory

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2025, 6, 10, 10, 0, tzinfo=TOKYO)  # Tuesday morning
MIDNIGHT = dt.datetime(2025, 6, 11, 0, 0, tzinfo=TOKYO)
SUNDAY = dt.datetime(2025, 6, 15, 10, 0, tzinfo=TOKYO)


@pytest.fixture
def visits(municipality, calendars):
    return CampaignFactory(
        municipality=municipality, channel=CampaignChannel.VISIT, name="国保訪問"
    )


def resident(municipality, address: str, extra: str = "", **kwargs):
    """An obligor as the importer stores it: town, chome and block parsed from the address."""
    town, chome, block = parse_address(address)
    return ObligorFactory(
        municipality=municipality,
        address=address,
        address_extra=extra,
        town=town,
        chome=chome,
        block=block,
        **kwargs,
    )


def item_at(campaign, address: str, extra: str = "", **kwargs) -> WorkItem:
    obligor = resident(campaign.municipality, address, extra)
    return WorkItemFactory(campaign=campaign, obligor=obligor, **kwargs)


def build(visitor, campaign, **kwargs) -> VisitList:
    kwargs.setdefault("acting_user", visitor)
    return build_visit_list(campaign=campaign, visitor=visitor, now=NOW, **kwargs)


def stop_items(visit_list) -> list[int]:
    return list(visit_list.stops.order_by("position").values_list("work_item_id", flat=True))


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


# --- Order and leases ------------------------------------------------------------------------


def test_stops_follow_the_street_and_are_leased_to_the_visitor_until_midnight(visitor, visits):
    # Made in an order that is not the street's.
    far = item_at(visits, "江東区東陽四丁目11番28号")
    room_1002 = item_at(visits, "江東区東陽四丁目2番3号", "コーポ東陽 1002")
    near = item_at(visits, "江東区東陽四丁目2番1号")
    room_101 = item_at(visits, "江東区東陽四丁目2番3号", "コーポ東陽 101号室")

    visit_list = build(visitor, visits)

    assert stop_items(visit_list) == [near.pk, room_101.pk, room_1002.pk, far.pk]
    assert list(visit_list.stops.order_by("position").values_list("position", flat=True)) == [
        1,
        2,
        3,
        4,
    ]
    assert visit_list.day == dt.date(2025, 6, 10)
    for item in WorkItem.objects.all():
        assert item.lease_owner_id == visitor.pk
        assert item.lease_expires_at == MIDNIGHT


def test_size_takes_the_first_people_in_street_order_from_the_first_area(visitor, visits):
    toyo_4 = [item_at(visits, f"江東区東陽四丁目{n}番1号") for n in (3, 1)]
    item_at(visits, "江東区東陽十丁目1番1号")
    minamisuna = item_at(visits, "江東区南砂二丁目5番1号")

    visit_list = build(visitor, visits, size=3)

    # 南砂 (U+5357) comes before 東陽 (U+6771); chome 4 before chome 10.
    assert stop_items(visit_list) == [minamisuna.pk, toyo_4[1].pk, toyo_4[0].pk]
    assert WorkItem.objects.filter(lease_owner=visitor).count() == 3


def test_the_default_size_is_the_setting(visitor, visits, settings):
    settings.DUNNING_VISIT_LIST_SIZE = 2
    for n in range(4):
        item_at(visits, f"江東区東陽四丁目{n + 1}番1号")
    assert build(visitor, visits).stops.count() == 2


def test_areas_limit_the_list_to_a_town_or_one_chome(visitor, visits):
    chome_4 = item_at(visits, "江東区東陽四丁目1番1号")
    chome_5 = item_at(visits, "江東区東陽五丁目1番1号")
    item_at(visits, "江東区南砂二丁目1番1号")

    only_4 = build(visitor, visits, areas=[{"town": "東陽", "chome": 4}])
    assert stop_items(only_4) == [chome_4.pk]
    assert only_4.areas == [{"town": "東陽", "chome": 4}]
    release_visit_list(acting_user=visitor, visit_list=only_4, now=NOW)

    whole_town = build(visitor, visits, areas=[{"town": "東陽"}])
    assert stop_items(whole_town) == [chome_4.pk, chome_5.pk]


def test_a_second_list_never_takes_the_people_of_the_first(visitor, visits):
    first_items = {item_at(visits, f"江東区東陽四丁目{n}番1号").pk for n in (1, 2)}
    second_items = {item_at(visits, f"江東区東陽四丁目{n}番1号").pk for n in (3, 4)}
    first = build(visitor, visits, size=2)
    second = build(visitor, visits, size=2)
    assert set(stop_items(first)) == first_items
    assert set(stop_items(second)) == second_items


# --- The queue's eligibility -----------------------------------------------------------------


def test_an_item_leased_to_someone_else_is_skipped(visitor, operator, visits):
    held = item_at(visits, "江東区東陽四丁目1番1号")
    WorkItem.objects.filter(pk=held.pk).update(
        lease_owner=operator, lease_expires_at=NOW + dt.timedelta(minutes=5)
    )
    free = item_at(visits, "江東区東陽四丁目2番1号")
    assert stop_items(build(visitor, visits)) == [free.pk]


def test_a_person_held_in_another_campaign_is_skipped(visitor, operator, visits, municipality):
    calls = CampaignFactory(municipality=municipality, channel=CampaignChannel.CALL)
    busy = item_at(visits, "江東区東陽四丁目1番1号")
    WorkItemFactory(
        campaign=calls,
        obligor=busy.obligor,
        lease_owner=operator,
        lease_expires_at=NOW + dt.timedelta(minutes=5),
    )
    free = item_at(visits, "江東区東陽四丁目2番1号")
    assert stop_items(build(visitor, visits)) == [free.pk]


@pytest.mark.parametrize(("days_ago", "taken"), [(1, False), (2.9, False), (3.1, True)])
def test_pacing_across_campaigns_keeps_a_recently_reached_person_back(
    visitor, visits, days_ago, taken
):
    item = item_at(visits, "江東区東陽四丁目1番1号")
    # Reached by phone in another campaign; the campaign's interval is 3 days.
    ContactFactory(obligor=item.obligor, at=NOW - dt.timedelta(days=days_ago), paces=True)
    other = item_at(visits, "江東区東陽四丁目2番1号")
    expected = [item.pk, other.pk] if taken else [other.pk]
    assert stop_items(build(visitor, visits)) == expected


def test_an_item_waiting_for_its_next_attempt_is_skipped(visitor, visits):
    item_at(visits, "江東区東陽四丁目1番1号", next_attempt_at=NOW + dt.timedelta(hours=1))
    due = item_at(visits, "江東区東陽四丁目2番1号", next_attempt_at=NOW - dt.timedelta(hours=1))
    assert stop_items(build(visitor, visits)) == [due.pk]


def test_closed_and_other_teams_items_are_skipped(visitor, visits):
    item_at(visits, "江東区東陽四丁目1番1号", status=WorkItemStatus.DONE)
    item_at(visits, "江東区東陽四丁目2番1号", revenue_types=["resident_tax"])  # not the team's
    open_item = item_at(visits, "江東区東陽四丁目3番1号")
    assert stop_items(build(visitor, visits)) == [open_item.pk]


# --- Refusals --------------------------------------------------------------------------------


def test_no_list_on_a_day_the_visits_calendar_is_closed(visitor, visits):
    item_at(visits, "江東区東陽四丁目1番1号")
    with pytest.raises(ValidationError) as excinfo:
        build_visit_list(acting_user=visitor, campaign=visits, visitor=visitor, now=SUNDAY)
    assert "業務日ではありません" in errors_of(excinfo)["day"][0]
    assert not VisitList.objects.exists()
    assert not WorkItem.objects.filter(lease_owner__isnull=False).exists()


def test_no_list_on_a_closure_day(visitor, visits, calendars):
    calendar = next(c for c in calendars if c.service == "visits")
    add_closure(acting_user=None, calendar=calendar, date=NOW.date(), reason="システム停止")
    item_at(visits, "江東区東陽四丁目1番1号")
    with pytest.raises(ValidationError) as excinfo:
        build(visitor, visits)
    assert "day" in errors_of(excinfo)


def test_a_visitor_not_assigned_to_the_campaign_is_refused(visitor, visits, tax_team):
    visits.teams.set([tax_team])  # the visitor is in the NHI team
    item_at(visits, "江東区東陽四丁目1番1号")
    with pytest.raises(ValidationError) as excinfo:
        build(visitor, visits)
    assert "担当ではありません" in errors_of(excinfo)["campaign"][0]


def test_a_supervisor_is_told_the_chosen_visitor_is_not_assigned(
    visitor, supervisor, visits, tax_team
):
    visits.teams.set([tax_team])
    item_at(visits, "江東区東陽四丁目1番1号")
    with pytest.raises(ValidationError) as excinfo:
        build(visitor, visits, acting_user=supervisor)
    assert "担当ではありません" in errors_of(excinfo)["visitor"][0]


def test_a_visitor_listed_by_name_is_assigned(visitor, visits, tax_team):
    visits.teams.set([tax_team])
    visits.operators.set([visitor])
    item = item_at(visits, "江東区東陽四丁目1番1号")
    assert stop_items(build(visitor, visits)) == [item.pk]


@pytest.mark.parametrize(
    "change",
    [
        {"channel": CampaignChannel.CALL},
        {"status": CampaignStatus.PAUSED},
        {"ends_on": dt.date(2025, 6, 9), "starts_on": dt.date(2025, 4, 1)},
        {"starts_on": dt.date(2025, 6, 11)},
    ],
)
def test_only_an_active_visit_campaign_in_its_period(visitor, visits, change):
    item_at(visits, "江東区東陽四丁目1番1号")
    type(visits).objects.filter(pk=visits.pk).update(**change)
    visits.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        build(visitor, visits)
    assert "campaign" in errors_of(excinfo)


def test_nobody_eligible_is_an_error_named_after_the_areas(visitor, visits):
    item_at(visits, "江東区東陽四丁目1番1号")
    with pytest.raises(ValidationError) as excinfo:
        build(visitor, visits, areas=[{"town": "南砂"}])
    assert "対象者がいません" in errors_of(excinfo)["areas"][0]
    assert not VisitList.objects.exists()


@pytest.mark.parametrize("size", [0, 101, -1])
def test_the_size_must_be_sensible(visitor, visits, size):
    item_at(visits, "江東区東陽四丁目1番1号")
    with pytest.raises(ValidationError) as excinfo:
        build(visitor, visits, size=size)
    assert "size" in errors_of(excinfo)


# --- Who may make a list ---------------------------------------------------------------------


def test_a_supervisor_makes_a_list_for_a_visitor(visitor, supervisor, visits):
    item = item_at(visits, "江東区東陽四丁目1番1号")
    visit_list = build(visitor, visits, acting_user=supervisor)
    assert visit_list.visitor == visitor and visit_list.created_by == supervisor
    item.refresh_from_db()
    assert item.lease_owner == visitor


def test_a_visitor_cannot_make_a_list_for_another_visitor(visitor, visits, municipality):
    colleague = UserFactory(username="visitor2", role="visitor", municipality=municipality)
    item_at(visits, "江東区東陽四丁目1番1号")
    with pytest.raises(PermissionDenied):
        build(colleague, visits, acting_user=visitor)


@pytest.mark.parametrize("role", ["operator", "staff", "inspector", "admin"])
def test_other_roles_cannot_make_lists(users_by_role, visitor, visits, role):
    item_at(visits, "江東区東陽四丁目1番1号")
    with pytest.raises(PermissionDenied):
        build(visitor, visits, acting_user=users_by_role[role])


def test_a_list_is_only_for_a_visitor(operator, supervisor, visits):
    item_at(visits, "江東区東陽四丁目1番1号")
    with pytest.raises(PermissionDenied):
        build(operator, visits, acting_user=supervisor)


def test_making_a_list_writes_one_access_log_entry(visitor, visits):
    item_at(visits, "江東区東陽四丁目1番1号")
    visit_list = build(visitor, visits)
    entry = AccessLogEntry.objects.get(action="create", object_type="dunning.visitlist")
    assert entry.object_id == str(visit_list.pk)
    assert entry.actor == visitor


# --- Release ---------------------------------------------------------------------------------


def test_release_frees_the_unvisited_and_keeps_the_visited(visitor, visits):
    first = item_at(visits, "江東区東陽四丁目1番1号")
    second = item_at(visits, "江東区東陽四丁目2番1号")
    visit_list = build(visitor, visits)
    VisitStop.objects.filter(visit_list=visit_list, work_item=first).update(
        contact=ContactFactory(obligor=first.obligor)
    )

    assert release_visit_list(acting_user=visitor, visit_list=visit_list, now=NOW) == 1

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.lease_owner == visitor  # visited: not this function's business
    assert second.lease_owner is None and second.lease_expires_at is None
    assert visit_list.stops.count() == 2
    assert AccessLogEntry.objects.filter(action="change", object_type="dunning.visitlist").exists()


def test_a_supervisor_may_release_and_another_visitor_may_not(
    visitor, supervisor, visits, municipality
):
    item_at(visits, "江東区東陽四丁目1番1号")
    visit_list = build(visitor, visits)
    colleague = UserFactory(username="visitor2", role="visitor", municipality=municipality)
    with pytest.raises(PermissionDenied):
        release_visit_list(acting_user=colleague, visit_list=visit_list, now=NOW)
    assert release_visit_list(acting_user=supervisor, visit_list=visit_list, now=NOW) == 1
