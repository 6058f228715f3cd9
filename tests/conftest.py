"""Fixtures shared by every test: a pinned clock, named users per role, signed-in clients
(sign_in: fast; sign_in_through_forms: the real two steps), TOTP codes, the contacts' coverage
guard after every database test, set-up shared by a module (built_once), each distinct PDF
laid out once per run, and PostgreSQL-only tests skipped on SQLite before their set-up.

The clock: every test runs with the clock pinned (time-machine, process-wide, ticking from
the pinned moment so timeouts and leases still move) to ``TEST_NOW``: Wednesday 10 June 2026,
10:00 in Tokyo, an ordinary open weekday in mid-month, mid-fiscal-year. A test whose outcome
depends on the date or the hour therefore behaves the same whatever day the machine thinks it
is. A test that needs another moment travels itself (``time_machine.travel`` nests inside
this one); a test marked ``real_clock`` runs on the machine's clock, as do the browser tests
(marker ``browser``: Chromium keeps the machine's clock and the tablet page sends it with a
visit, so server and browser must agree; those tests open their calendar around the clock).

To prove the suite does not depend on the pinned day, run it pinned elsewhere:
``CIVICDESK_TEST_NOW=2027-04-01T09:00+09:00 .venv/bin/pytest tests/dunning`` (any ISO date
and time with its offset: a month end, the year-end closure, a Sunday, 15:30 UTC).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import TypeVar

import pytest
import time_machine
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicdesk.accounts.models import ROSTER_ROLES, Roster, RosterEntry, RosterStatus
from civicdesk.accounts.services.sign_in import MODEL_BACKEND, remember_roster_month
from civicdesk.core import pdf
from tests.dunning.coverage_guard import mismatched_contacts
from tests.factories import MunicipalityFactory, TeamFactory, UserFactory

PASSWORD = "correct-horse-battery-42"
# "This field is required." in Japanese as the screens show it: Django REST framework's
# catalogue comes before Django's own in INSTALLED_APPS and words it this way.
REQUIRED_MESSAGE = "この項目は必須です。"

# In CI nothing may be skipped for want of a tool: a missing Chromium or PostgreSQL fails.
REQUIRE_ALL = os.environ.get("CIVICDESK_REQUIRE_ALL") == "1"


def _test_now() -> dt.datetime:
    text = os.environ.get("CIVICDESK_TEST_NOW", "2026-06-10T10:00:00+09:00")
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise pytest.UsageError(f"CIVICDESK_TEST_NOW needs an offset (e.g. +09:00): {text}")
    return moment


TEST_NOW = _test_now()


def skip_or_fail(reason: str) -> None:
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (CIVICDESK_REQUIRE_ALL=1: not skipped in CI)")
    pytest.skip(reason)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "real_clock: runs on the machine's clock instead of the pinned TEST_NOW"
    )


@pytest.fixture(autouse=True)
def _pinned_clock(request):
    """Every test starts at TEST_NOW (see the top of this file); the clock ticks from there."""
    if request.node.get_closest_marker("real_clock") or request.node.get_closest_marker("browser"):
        yield
        return
    with time_machine.travel(TEST_NOW, tick=True):
        yield


_LAID_OUT: dict[bytes, bytes] = {}
_LAY_OUT = pdf.html_to_pdf


def html_to_pdf_once(html: str) -> bytes:
    """core.pdf.html_to_pdf, remembering each document's PDF for the rest of the run. At module
    level: render_pdf_parallel hands it to its worker processes by name."""
    key = hashlib.sha256(html.encode()).digest()
    if key not in _LAID_OUT:
        _LAID_OUT[key] = _LAY_OUT(html)
    return _LAID_OUT[key]


@pytest.fixture(autouse=True, scope="session")
def _each_document_laid_out_once():
    """WeasyPrint lays the same HTML out into the same PDF, byte for byte, and the suite prints
    the same documents again and again (a seeded world's certificate, incident report and
    status report, per test): a document whose HTML was laid out before in this run is not
    laid out again (about 30 s of a pass). Every template is still rendered to HTML."""
    pdf.html_to_pdf = html_to_pdf_once
    yield
    pdf.html_to_pdf = _LAY_OUT


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres_only run in the PostgreSQL pass of `make test`; on SQLite they are
    skipped before their fixtures are set up (a transaction=True test would otherwise empty
    the database afterwards for nothing)."""
    if connection.vendor == "postgresql":
        return
    for item in items:
        marker = item.get_closest_marker("postgres_only")
        if marker is not None:
            why = marker.kwargs.get("reason", "needs PostgreSQL")
            reason = f"runs in the PostgreSQL pass (make test runs both): {why}"
            item.add_marker(pytest.mark.skip(reason=reason))


DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences"}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After every test that used the database: the report columns of every contact agree with
    its ContactAccount and Promise rows (ADR 0011), whoever wrote them."""
    result = yield
    if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())) or item.get_closest_marker(
        "django_db"
    ):
        wrong = mismatched_contacts()
        assert not wrong, f"contacts whose coverage / promised / reached_on are stale: {wrong}"
    return result


T = TypeVar("T")
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """Argon2 is deliberately slow; tests that are about hashing ask for it with a marker."""
    if "real_hasher" not in request.keywords:
        settings.PASSWORD_HASHERS = FAST_HASHERS


def built_once(
    django_db_blocker, build: Callable[[], T], **settings
) -> Iterator[tuple[T, dt.datetime]]:
    """For a module-scoped fixture whose large set-up every test of the module only reads
    (``yield from built_once(django_db_blocker, lambda: ...)``): ``build`` runs once, at
    TEST_NOW with the fast hasher and ``settings``, inside one outer transaction rolled back
    when the fixture ends; each test's own transaction is a savepoint inside it, so what a
    test changes is undone before the next, as with Django's TestCase.setUpTestData. Yields
    what ``build`` returned and the moment it was done (a test travels there to run just after
    the set-up, as it would have with a per-test fixture). Not for transaction=True tests."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with (
                time_machine.travel(TEST_NOW, tick=True),
                override_settings(PASSWORD_HASHERS=FAST_HASHERS, **settings),
            ):
                made = build()
                done = timezone.now()
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    try:
        yield made, done
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


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
def reception(municipality):
    """The counters' reception clerk (窓口受付): hands out tickets."""
    return _user("reception", municipality)


@pytest.fixture
def clerk(municipality):
    """A counter clerk (窓口担当)."""
    return _user("counter_clerk", municipality)


@pytest.fixture
def cashier(municipality):
    """The cashier (会計担当)."""
    return _user("cashier", municipality)


@pytest.fixture
def card_operator(municipality):
    """An operator of the card call center (カードコールセンター)."""
    return _user("card_operator", municipality)


@pytest.fixture
def venue_clerk(municipality):
    """A clerk at a card venue (交付会場担当)."""
    return _user("venue_clerk", municipality)


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
def users_by_role(
    operator,
    visitor,
    reception,
    clerk,
    cashier,
    card_operator,
    venue_clerk,
    supervisor,
    staff,
    inspector,
    admin_user,
):
    return {
        "operator": operator,
        "visitor": visitor,
        "reception": reception,
        "counter_clerk": clerk,
        "cashier": cashier,
        "card_operator": card_operator,
        "venue_clerk": venue_clerk,
        "supervisor": supervisor,
        "staff": staff,
        "inspector": inspector,
        "admin": admin_user,
    }


def confirmed_device(user) -> TOTPDevice:
    """The user's confirmed TOTP device (made on first use)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="テスト", confirmed=True)
    return device


def sign_in(client, user) -> TOTPDevice:
    """Sign a page test's client in as ``user`` without the two sign-in requests: the session
    the real sign-in leaves (Django's login, the OTP device django-otp keeps, the roster month
    the roster re-check reads), written directly. tests/accounts/test_sign_in_helper.py holds
    it equal to the real flow's session. Tests about signing in use sign_in_through_forms."""
    device = confirmed_device(user)
    put_on_roster(user)  # the month of the sign-in (tests travel in time)
    client.force_login(user, backend=MODEL_BACKEND)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    remember_roster_month(SimpleNamespace(session=session), user)
    session.save()
    return device


def sign_in_through_forms(client, user) -> TOTPDevice:
    """Sign in through the real two-step flow (password, then TOTP) and return the device."""
    device = confirmed_device(user)
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
