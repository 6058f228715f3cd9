"""Who may open the dunning pages that take an object: one table for every role, the operator
of another team (outsider) included. Out-of-scope objects answer 404, like missing ones."""

import pytest
from django.urls import reverse

from civicdesk.dunning.choices import HandOverReason, LetterSource, StaffRequestKind
from civicdesk.dunning.models import HandOver, LetterBatch, StaffRequest
from tests.conftest import sign_in
from tests.dunning.factories import CampaignFactory, VisitStopFactory
from tests.registry.factories import AccountFactory, InstallmentFactory, ObligorFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "operator",
    "outsider",
    "visitor",
    "supervisor",
    "staff",
    "inspector",
    "admin",
]


def row(*statuses):
    return dict(zip(ROLES, statuses, strict=True))


# GET: url name → expected status per role (302 = to the sign-in page).
GET_MATRIX = {
    "dunning:case": row(302, 200, 404, 200, 200, 200, 403, 403),
    "dunning:campaign_detail": row(302, 403, 403, 403, 200, 200, 200, 403),
    # The hand-over was written by `operator`: other operators and visitors do not see it.
    "dunning:hand_over": row(302, 200, 404, 404, 200, 200, 403, 403),
    "dunning:hand_over_new": row(302, 200, 404, 200, 200, 403, 403, 403),
    # The list is `visitor`'s: supervisors see every list, but record only on their own.
    "dunning:visit_list": row(302, 403, 403, 200, 200, 403, 403, 403),
    "dunning:visit_list_sheet": row(302, 403, 403, 200, 200, 403, 403, 403),
    "dunning:visit_stop": row(302, 403, 403, 200, 404, 403, 403, 403),
    # Counts only for staff and inspectors; the files (tests/dunning/test_letters_pages.py) are
    # the supervisor's alone.
    "dunning:letter_batch": row(302, 403, 403, 403, 200, 200, 200, 403),
}
# POST-only actions: 403 for roles without the permission, 405 for a GET by anyone allowed.
POST_MATRIX = {
    "dunning:campaign_rebuild": {"supervisor"},
    "dunning:campaign_status": {"supervisor"},
    "dunning:staff_request_done": {"staff"},
    "dunning:inbound_record": {"operator", "supervisor"},
    "dunning:visit_list_release": {"visitor", "supervisor"},
}


@pytest.fixture
def objects(municipality, operator, visitor, calendars):
    obligor = ObligorFactory(municipality=municipality)
    account = AccountFactory(obligor=obligor, revenue_type="nhi")
    InstallmentFactory(account=account)
    campaign = CampaignFactory(municipality=municipality)
    hand_over = HandOver.objects.create(
        municipality=municipality,
        obligor=obligor,
        revenue_types=["nhi"],
        reason=HandOverReason.HARDSHIP,
        note="納付が難しいとのこと",
        created_by=operator,
    )
    request = StaffRequest.objects.create(
        municipality=municipality,
        kind=StaffRequestKind.SLIP_REISSUE,
        obligor=obligor,
        created_by=operator,
    )
    stop = VisitStopFactory(
        visit_list__municipality=municipality,
        visit_list__visitor=visitor,
        work_item__obligor=ObligorFactory(municipality=municipality),
    )
    AccountFactory(obligor=stop.work_item.obligor, revenue_type="nhi")
    batch = LetterBatch.objects.create(
        municipality=municipality, source=LetterSource.CAMPAIGN, campaign=campaign
    )
    return {
        "dunning:letter_batch": batch.pk,
        "dunning:visit_list": stop.visit_list_id,
        "dunning:visit_list_sheet": stop.visit_list_id,
        "dunning:visit_list_release": stop.visit_list_id,
        "dunning:visit_stop": stop.pk,
        "dunning:case": obligor.pk,
        "dunning:campaign_detail": campaign.pk,
        "dunning:campaign_rebuild": campaign.pk,
        "dunning:campaign_status": campaign.pk,
        "dunning:hand_over": hand_over.pk,
        "dunning:hand_over_new": obligor.pk,
        "dunning:staff_request_done": request.pk,
        "dunning:inbound_record": obligor.pk,
    }


@pytest.fixture
def people(users_by_role, outsider):
    return {**users_by_role, "outsider": outsider}


def _client_for(client, people, role):
    if role != "anonymous":
        sign_in(client, people[role])
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", sorted(GET_MATRIX))
def test_object_pages_answer_each_role_as_the_table_says(client, objects, people, url_name, role):
    response = _client_for(client, people, role).get(reverse(url_name, args=[objects[url_name]]))
    assert response.status_code == GET_MATRIX[url_name][role]
    if response.status_code == 302:
        assert "login" in response.url


@pytest.mark.parametrize("role", ROLES[1:])
@pytest.mark.parametrize("url_name", sorted(POST_MATRIX))
def test_object_actions_refuse_roles_without_the_permission(
    client, objects, people, url_name, role
):
    url = reverse(url_name, args=[objects[url_name]])
    _client_for(client, people, role)
    if role in POST_MATRIX[url_name]:
        assert client.get(url).status_code == 405
        assert client.post(url).status_code not in (403, 404, 500)
    else:
        assert client.post(url).status_code in (403, 404)
