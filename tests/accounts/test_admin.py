"""Administrators manage users and teams in the admin; every change is in the access log."""

import pytest

from civicdesk.accounts.models import Team, User
from civicdesk.audit.models import AccessLogEntry
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_adding_a_team_in_the_admin_is_logged(client, admin_user, municipality):
    sign_in(client, admin_user)
    response = client.post(
        "/admin/accounts/team/add/",
        {"municipality": municipality.pk, "name": "介護チーム", "revenue_types": '["ltc"]'},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    team = Team.objects.get(name="介護チーム")
    entry = AccessLogEntry.objects.filter(object_type="accounts.team").get()
    assert (entry.action, entry.object_id, entry.actor) == ("create", str(team.pk), admin_user)


def test_changing_a_role_in_the_admin_moves_the_group_and_is_logged(client, admin_user, operator):
    sign_in(client, admin_user)
    response = client.post(
        f"/admin/accounts/user/{operator.pk}/change/",
        {
            "username": operator.username,
            "display_name": "",
            "role": "supervisor",
            "municipality": operator.municipality_id,
            "team": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    operator = User.objects.get(pk=operator.pk)
    assert list(operator.groups.values_list("name", flat=True)) == ["supervisor"]
    entry = AccessLogEntry.objects.filter(object_type="accounts.user", action="change").get()
    assert "role" in entry.fields and entry.actor == admin_user


def test_users_cannot_be_deleted_only_deactivated(client, admin_user, operator):
    sign_in(client, admin_user)
    response = client.get(f"/admin/accounts/user/{operator.pk}/delete/")
    assert response.status_code == 403
