"""The hand-over pages: the staff inbox, the detail with staff actions, the operator's form."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from civicdesk.audit.models import AccessLogEntry
from civicdesk.dunning.choices import HandOverReason, HandOverStatus
from civicdesk.dunning.models import HandOver
from tests.conftest import sign_in
from tests.factories import UserFactory
from tests.registry.factories import AccountFactory, ObligorFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 6, 4, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))


@pytest.fixture
def obligor(municipality):
    person = ObligorFactory(municipality=municipality, name="江東 花子", resident_no="000777001")
    AccountFactory(obligor=person, revenue_type="nhi")
    AccountFactory(obligor=person, revenue_type="resident_tax")
    return person


def hand_over_by(user, obligor, status=HandOverStatus.OPEN, created_at=None, **extra):
    item = HandOver.objects.create(
        municipality_id=obligor.municipality_id,
        obligor=obligor,
        revenue_types=["nhi"],
        reason=extra.pop("reason", HandOverReason.HARDSHIP),
        note="失業中で納付が難しいとのこと",
        status=status,
        created_by=user,
        **extra,
    )
    if created_at:
        HandOver.objects.filter(pk=item.pk).update(created_at=created_at)
    return item


def listed(response) -> set[int]:
    return {row.hand_over.pk for row in response.context["inbox"].rows}


def test_staff_inbox_shows_open_and_accepted_by_default(client, staff, operator, obligor):
    open_ = hand_over_by(operator, obligor)
    accepted = hand_over_by(operator, obligor, HandOverStatus.ACCEPTED)
    done = hand_over_by(operator, obligor, HandOverStatus.DONE)
    returned = hand_over_by(operator, obligor, HandOverStatus.RETURNED)
    sign_in(client, staff)
    url = reverse("dunning:hand_overs")
    assert listed(client.get(url)) == {open_.pk, accepted.pk}
    assert listed(client.get(url, {"status": "done"})) == {done.pk}
    assert listed(client.get(url, {"status": "all"})) == {
        open_.pk,
        accepted.pk,
        done.pk,
        returned.pk,
    }


def test_inbox_shows_the_age_since_creation(client, staff, operator, obligor):
    hand_over_by(operator, obligor, created_at=NOW - dt.timedelta(days=2, hours=3, minutes=10))
    sign_in(client, staff)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("dunning:hand_overs"))
    content = response.content.decode()
    assert "2日3時間" in content
    assert "納付困難" in content
    assert "国民健康保険料" in content


def test_operators_see_only_the_hand_overs_they_wrote(client, operator, obligor, municipality):
    colleague = UserFactory(role="operator", municipality=municipality, team=operator.team)
    mine = hand_over_by(operator, obligor, HandOverStatus.RETURNED)
    theirs = hand_over_by(colleague, obligor)
    sign_in(client, operator)
    assert listed(client.get(reverse("dunning:hand_overs"))) == {mine.pk}
    assert client.get(reverse("dunning:hand_over", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("dunning:hand_over", args=[mine.pk])).status_code == 200


@pytest.mark.parametrize("role", ["inspector", "admin"])
def test_roles_without_hand_over_rights_get_403(client, users_by_role, role):
    sign_in(client, users_by_role[role])
    assert client.get(reverse("dunning:hand_overs")).status_code == 403


def test_staff_accept_from_the_detail_page(client, staff, operator, obligor):
    item = hand_over_by(operator, obligor)
    sign_in(client, staff)
    url = reverse("dunning:hand_over", args=[item.pk])
    page = client.get(url)
    assert page.context["detail"].transitions == [("accept", "受付"), ("return", "差戻し")]
    response = client.post(url, {"action": "accept", "note": ""})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == HandOverStatus.ACCEPTED
    assert item.handled_by == staff


def test_an_operator_posting_an_action_gets_403(client, operator, obligor):
    item = hand_over_by(operator, obligor)
    sign_in(client, operator)
    response = client.post(reverse("dunning:hand_over", args=[item.pk]), {"action": "accept"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == HandOverStatus.OPEN


def test_supervisors_read_but_cannot_act(client, supervisor, operator, obligor):
    item = hand_over_by(operator, obligor)
    sign_in(client, supervisor)
    url = reverse("dunning:hand_over", args=[item.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["detail"].transitions == []
    assert 'name="action"' not in page.content.decode()
    assert client.post(url, {"action": "return", "note": "x"}).status_code == 403


def test_returning_without_a_note_shows_the_error(client, staff, operator, obligor):
    item = hand_over_by(operator, obligor)
    sign_in(client, staff)
    response = client.post(reverse("dunning:hand_over", args=[item.pk]), {"action": "return"})
    assert response.status_code == 200
    assert "差戻しの理由を入力してください。" in response.content.decode()
    item.refresh_from_db()
    assert item.status == HandOverStatus.OPEN


def test_detail_shows_resident_no_links_the_obligor_page_and_is_logged(
    client, staff, operator, obligor
):
    item = hand_over_by(operator, obligor)
    sign_in(client, staff)
    content = client.get(reverse("dunning:hand_over", args=[item.pk])).content.decode()
    assert "000777001" in content
    assert f'href="{reverse("registry:obligor", args=[obligor.pk])}"' in content
    assert "江東 花子" in content
    assert "滞納処分（差押え等）は CivicDesk では行いません" in content
    entry = AccessLogEntry.objects.filter(
        object_type="dunning.handover", object_id=str(item.pk), action="view"
    ).get()
    assert entry.actor == staff
    assert entry.fields == ["name", "resident_no", "revenue_type"]


def test_an_operator_writes_a_hand_over_from_the_form(client, operator, obligor):
    sign_in(client, operator)
    url = reverse("dunning:hand_over_new", args=[obligor.pk])
    page = client.get(url, {"reason": "transfer"})
    assert page.status_code == 200
    form = page.context["form"]
    # Only the revenue types of the operator's team that the obligor holds are offered.
    assert form.fields["revenue_types"].choices == [("nhi", "国民健康保険料")]
    assert form.initial["reason"] == "transfer"
    response = client.post(
        url, {"reason": "transfer", "revenue_types": ["nhi"], "note": "職員と話したいとのこと"}
    )
    item = HandOver.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("dunning:hand_over", args=[item.pk])
    assert item.reason == HandOverReason.TRANSFER
    assert item.created_by == operator


def test_the_form_refuses_an_empty_note(client, operator, obligor):
    sign_in(client, operator)
    response = client.post(
        reverse("dunning:hand_over_new", args=[obligor.pk]),
        {"reason": "complaint", "revenue_types": ["nhi"], "note": ""},
    )
    assert response.status_code == 200
    assert "連絡事項を入力してください。" in response.content.decode()
    assert not HandOver.objects.exists()


def test_the_form_is_404_outside_the_scope_and_403_for_staff(client, outsider, staff, municipality):
    nhi_only = ObligorFactory(municipality=municipality)
    AccountFactory(obligor=nhi_only, revenue_type="nhi")
    url = reverse("dunning:hand_over_new", args=[nhi_only.pk])
    sign_in(client, outsider)
    assert client.get(url).status_code == 404
    client.logout()
    sign_in(client, staff)
    assert client.get(url).status_code == 403


# What the permission matrix should say for the pages of this part (GET; 200 or 403).
PAGE_ROLES = {
    "dunning:hand_overs": {"operator", "outsider", "visitor", "supervisor", "staff"},
    "dunning:staff_requests": {"supervisor", "staff"},
    "dunning:staff_requests_export": {"supervisor", "staff"},
    "dunning:inbound": {"operator", "outsider", "supervisor"},
    "dunning:inbound_pops": {"operator", "outsider", "supervisor"},
    "dunning:live": {"supervisor", "staff"},
    "dunning:live_panel": {"supervisor", "staff"},
}
ALL_ROLES = ["operator", "outsider", "visitor", "supervisor", "staff", "inspector", "admin"]


@pytest.fixture
def every_role(users_by_role, outsider):
    return {**users_by_role, "outsider": outsider}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_may_open_each_page(client, every_role, role):
    sign_in(client, every_role[role])
    for url_name, allowed in PAGE_ROLES.items():
        expected = 200 if role in allowed else 403
        assert client.get(reverse(url_name)).status_code == expected, url_name


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url_name in PAGE_ROLES:
        response = client.get(reverse(url_name))
        assert response.status_code == 302 and "login" in response.url, url_name


def test_the_inbox_view_is_logged_without_the_obligors_data(client, staff, operator, obligor):
    hand_over_by(operator, obligor)
    sign_in(client, staff)
    client.get(reverse("dunning:hand_overs"))
    entry = AccessLogEntry.objects.filter(action="view", actor=staff).latest("seq")
    assert entry.reason == "引継ぎ一覧（1件）"
    assert entry.fields == ["resident_no", "revenue_type"]
