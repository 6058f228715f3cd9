"""The roster gate (issue 8 §3, §8): an account off this month's submitted roster cannot sign
in, and a session does not outlive the user's removal or the end of the month."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicdesk.accounts.models import Roster, RosterChangeKind, RosterEntry
from civicdesk.accounts.services.sign_in import ROSTER_SESSION_KEY
from civicdesk.audit.models import AccessLogEntry
from tests.accounts.roster_helpers import change, tokyo
from tests.conftest import PASSWORD, current_token, sign_in_through_forms
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OFF_ROSTER = "今月の業務従事者名簿に登載されていないため、ログインできません"
WRONG_PASSWORD = "ユーザーIDまたはパスワードが正しくありません"
ENDED = "業務従事者名簿から外れたため、ログアウトしました"
MID_JUNE = tokyo(2030, 6, 10, 10, 0)


def password_step(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def full_sign_in(client, user):
    device = TOTPDevice.objects.get_or_create(user=user, name="テスト", confirmed=True)[0]
    response = password_step(client, user.username)
    if response.status_code != 302:
        return response
    return client.post("/accounts/login/verify/", {"token": current_token(device)})


def newcomer(municipality, role="operator", username="newcomer"):
    """A user of the municipality on no roster (the named fixtures are put on one)."""
    return UserFactory(username=username, role=role, municipality=municipality, password=PASSWORD)


def signed_in_as(client):
    return client.session.get(SESSION_KEY)


def test_an_operator_off_the_roster_is_refused_after_the_password_with_a_clear_message(
    client, municipality
):
    person = newcomer(municipality)
    response = full_sign_in(client, person)
    assert response.status_code == 200
    html = response.content.decode()
    assert OFF_ROSTER in html and WRONG_PASSWORD not in html
    assert signed_in_as(client) is None
    assert client.get("/accounts/login/verify/").status_code == 302  # nothing pending
    entry = AccessLogEntry.objects.get(actor_username="newcomer")
    assert (entry.action, entry.reason) == ("login_failed", "業務従事者名簿に登載されていない")
    assert entry.object_id == str(person.pk)


def test_a_wrong_password_says_nothing_about_the_roster(client, municipality):
    newcomer(municipality)
    response = password_step(client, "newcomer", "wrong-password-123")
    html = response.content.decode()
    assert WRONG_PASSWORD in html and "名簿" not in html
    assert AccessLogEntry.objects.get(actor_username="newcomer").reason == ""


def test_refusals_for_the_roster_do_not_lock_the_account(client, municipality, settings):
    person = newcomer(municipality)
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        password_step(client, person.username)
    # Now put on the roster: the password works at once (no lock-out was counted).
    roster = Roster.objects.create(
        municipality=municipality,
        month=timezone.localdate().replace(day=1),
        status="submitted",
    )
    RosterEntry.objects.create(roster=roster, user=person)
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=True):
        response = full_sign_in(client, person)
    assert response.status_code == 302 and signed_in_as(client) == str(person.pk)


@time_machine.travel(MID_JUNE, tick=False)
def test_an_operator_on_the_submitted_roster_signs_in(client, municipality):
    person = newcomer(municipality)
    roster = Roster.objects.create(
        municipality=municipality, month=dt.date(2030, 6, 1), status="submitted"
    )
    RosterEntry.objects.create(roster=roster, user=person)
    response = full_sign_in(client, person)
    assert response.status_code == 302 and response.url == "/"
    assert signed_in_as(client) == str(person.pk)
    assert client.session[ROSTER_SESSION_KEY]["month"] == "2030-06"


@time_machine.travel(MID_JUNE, tick=False)
def test_a_draft_roster_does_not_let_its_people_sign_in(client, municipality):
    person = newcomer(municipality)
    roster = Roster.objects.create(municipality=municipality, month=dt.date(2030, 6, 1))
    RosterEntry.objects.create(roster=roster, user=person)
    assert OFF_ROSTER in full_sign_in(client, person).content.decode()


@time_machine.travel(MID_JUNE, tick=False)
@pytest.mark.parametrize("role", ["staff", "inspector", "admin"])
def test_roles_not_bound_to_the_roster_sign_in_without_one(client, municipality, role):
    person = newcomer(municipality, role=role)
    assert not Roster.objects.filter(month=dt.date(2030, 6, 1)).exists()
    response = full_sign_in(client, person)
    assert response.status_code == 302 and signed_in_as(client) == str(person.pk)
    assert ROSTER_SESSION_KEY not in client.session


@time_machine.travel(MID_JUNE, tick=False)
def test_with_roster_required_off_the_center_signs_in_without_a_roster(
    client, municipality, settings
):
    settings.ROSTER_REQUIRED = False
    person = newcomer(municipality)
    response = full_sign_in(client, person)
    assert response.status_code == 302 and signed_in_as(client) == str(person.pk)


# --- sessions -----------------------------------------------------------------------------


def test_a_removal_ends_the_session_within_the_recheck_interval(client, operator, supervisor):
    with time_machine.travel(MID_JUNE, tick=False):
        sign_in_through_forms(client, operator)
        roster = Roster.objects.get(month=dt.date(2030, 6, 1))
        change(roster, operator, RosterChangeKind.REMOVED, dt.date(2030, 6, 10), supervisor)
        # Checked at most every few minutes: the session lasts until the next check.
        assert client.get("/").status_code == 200
    with time_machine.travel(MID_JUNE + dt.timedelta(minutes=6), tick=False):
        response = client.get("/")
        assert response.status_code == 302 and response.url == "/accounts/login/"
        assert signed_in_as(client) is None
        page = client.get("/accounts/login/")
    assert ENDED in page.content.decode()
    entry = AccessLogEntry.objects.filter(action="logout").get()
    assert (entry.actor_username, entry.reason) == ("operator1", "業務従事者名簿に登載されていない")


def test_a_removal_effective_later_ends_the_session_only_from_that_day(
    client, operator, supervisor
):
    # Requests minutes apart (sessions also end after 30 idle minutes).
    with time_machine.travel(tokyo(2030, 6, 10, 23, 40), tick=False):
        sign_in_through_forms(client, operator)
        roster = Roster.objects.get(month=dt.date(2030, 6, 1))
        change(roster, operator, RosterChangeKind.REMOVED, dt.date(2030, 6, 11), supervisor)
    with time_machine.travel(tokyo(2030, 6, 10, 23, 50), tick=False):
        assert client.get("/").status_code == 200  # re-checked: still on for the 10th
    with time_machine.travel(tokyo(2030, 6, 11, 0, 1), tick=False):
        assert client.get("/").status_code == 302
        assert signed_in_as(client) is None


def test_a_session_ends_with_the_month_when_the_next_roster_lacks_the_user(client, operator):
    with time_machine.travel(tokyo(2030, 6, 30, 23, 58), tick=False):
        sign_in_through_forms(client, operator)
        assert client.get("/").status_code == 200
    # July has a roster, without this operator; a minute after midnight is a new month.
    Roster.objects.create(
        municipality=operator.municipality, month=dt.date(2030, 7, 1), status="submitted"
    )
    with time_machine.travel(tokyo(2030, 7, 1, 0, 0), tick=False):
        assert client.get("/").status_code == 302
        assert signed_in_as(client) is None


def test_a_session_continues_into_a_month_whose_roster_holds_the_user(client, operator):
    with time_machine.travel(tokyo(2030, 6, 30, 23, 58), tick=False):
        sign_in_through_forms(client, operator)
    july = Roster.objects.create(
        municipality=operator.municipality, month=dt.date(2030, 7, 1), status="submitted"
    )
    RosterEntry.objects.create(roster=july, user=operator)
    with time_machine.travel(tokyo(2030, 7, 1, 0, 0), tick=False):
        assert client.get("/").status_code == 200
        assert client.session[ROSTER_SESSION_KEY]["month"] == "2030-07"


def test_a_session_made_without_the_sign_in_form_is_not_checked(client, operator):
    # A session without the roster marker (force_login in tests, sessions from before the
    # gate) is left alone; the marker is set only by the sign-in form.
    with time_machine.travel(MID_JUNE, tick=False):
        sign_in_through_forms(client, operator)
        session = client.session
        del session[ROSTER_SESSION_KEY]
        session.save()
        RosterEntry.objects.filter(user=operator).delete()
    with time_machine.travel(MID_JUNE + dt.timedelta(minutes=10), tick=False):
        assert client.get("/").status_code == 200
