"""Fixtures shared by every test: named users per role, signed-in clients, TOTP codes."""

from __future__ import annotations

import os

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import MunicipalityFactory, TeamFactory, UserFactory

PASSWORD = "correct-horse-battery-42"
# "This field is required." in Japanese as the screens show it: Django REST framework's
# catalogue comes before Django's own in INSTALLED_APPS and words it this way.
REQUIRED_MESSAGE = "この項目は必須です。"

# In CI nothing may be skipped for want of a tool: a missing Chromium or PostgreSQL fails.
REQUIRE_ALL = os.environ.get("CIVICDESK_REQUIRE_ALL") == "1"


def skip_or_fail(reason: str) -> None:
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (CIVICDESK_REQUIRE_ALL=1: not skipped in CI)")
    pytest.skip(reason)


DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences"}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After every test that used the database: the report columns of every contact agree with
    its ContactAccount and Promise rows (ADR 0011), whoever wrote them."""
    result = yield
    if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())) or item.get_closest_marker(
        "django_db"
    ):
        from civicdesk.dunning.coverage import mismatched_contacts

        wrong = mismatched_contacts()
        assert not wrong, f"contacts whose coverage / promised / reached_on are stale: {wrong}"
    return result


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """Argon2 is deliberately slow; tests that are about hashing ask for it with a marker."""
    if "real_hasher" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def current_token(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.fixture
def municipality(db):
    return MunicipalityFactory(is_default=True)


@pytest.fixture
def nhi_team(municipality):
    return TeamFactory(municipality=municipality, name="国保チーム", revenue_types=["nhi"])


@pytest.fixture
def tax_team(municipality):
    return TeamFactory(
        municipality=municipality,
        name="税チーム",
        revenue_types=["resident_tax", "light_vehicle_tax"],
    )


def _user(role, municipality, team=None, username=None):
    user = UserFactory(
        username=username or f"{role}1",
        role=role,
        municipality=municipality,
        team=team,
        password=PASSWORD,
    )
    put_on_roster(user)
    return user


def put_on_roster(user, day=None) -> None:
    """Put a contractor user (operator, visitor, supervisor) on the submitted staff roster of
    their municipality for ``day``'s month (default today), so that they may sign in through
    the real form (the roster gate, issue 8 §3). Other roles need no roster: nothing happens.

    Written directly (no access-log entry): set-up, not the thing a test looks at.
    """
    from django.utils import timezone

    from civicdesk.accounts.models import ROSTER_ROLES, Roster, RosterEntry, RosterStatus

    if user.role not in ROSTER_ROLES or not user.municipality_id:
        return
    month = (day or timezone.localdate()).replace(day=1)
    roster, _ = Roster.objects.get_or_create(
        municipality_id=user.municipality_id,
        month=month,
        defaults={"status": RosterStatus.SUBMITTED, "submitted_at": timezone.now()},
    )
    RosterEntry.objects.get_or_create(roster=roster, user=user)


@pytest.fixture
def operator(municipality, nhi_team):
    return _user("operator", municipality, nhi_team)


@pytest.fixture
def outsider(municipality, tax_team):
    """An operator of another team."""
    return _user("operator", municipality, tax_team, username="operator_other_team")


@pytest.fixture
def visitor(municipality, nhi_team):
    return _user("visitor", municipality, nhi_team)


@pytest.fixture
def supervisor(municipality):
    return _user("supervisor", municipality)


@pytest.fixture
def staff(municipality):
    return _user("staff", municipality)


@pytest.fixture
def inspector(municipality):
    return _user("inspector", municipality)


@pytest.fixture
def admin_user(municipality):
    return _user("admin", municipality)


@pytest.fixture
def users_by_role(operator, visitor, supervisor, staff, inspector, admin_user):
    return {
        "operator": operator,
        "visitor": visitor,
        "supervisor": supervisor,
        "staff": staff,
        "inspector": inspector,
        "admin": admin_user,
    }


def sign_in(client, user) -> TOTPDevice:
    """Sign in through the real two-step flow (password, then TOTP) and return the device."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="テスト", confirmed=True)
    put_on_roster(user)  # the month of the sign-in (tests travel in time)
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()
    response = client.post("/accounts/login/verify/", {"token": current_token(device)})
    assert response.status_code == 302, response.content.decode()
    return device


@pytest.fixture
def signed_in(client):
    def _sign_in(user):
        sign_in(client, user)
        return client

    return _sign_in
