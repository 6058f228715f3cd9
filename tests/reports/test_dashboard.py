"""The live dashboard: today's figures, per operator and per hour, equal tallies made here from
the raw contacts; the query count stays flat; who may open it; no obligor's data on it."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from civicdesk.core.choices import ContactChannel, ContactParty
from civicdesk.dunning.choices import ContactOutcome
from civicdesk.dunning.models import Contact, Promise
from civicdesk.reports.selectors.dashboard import dashboard
from tests.conftest import sign_in
from tests.dunning.factories import ContactFactory, make_promise
from tests.factories import MunicipalityFactory, UserFactory
from tests.registry.factories import ObligorFactory

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2025, 6, 4, 19, 0, tzinfo=TOKYO)
OBLIGOR_NAME = "納付 義務太郎"

CALL, VISIT, SMS = ContactChannel.OUTBOUND_CALL, ContactChannel.VISIT, ContactChannel.SMS
INBOUND, LETTER = ContactChannel.INBOUND_CALL, ContactChannel.LETTER
SELF, FAMILY, OTHER, NONE = (
    ContactParty.SELF, ContactParty.FAMILY, ContactParty.OTHER, ContactParty.NONE,
)  # fmt: skip

# (hour, channel, party, promised) per contact of one operator's day.
DAY_A = [
    (9, CALL, SELF, True),
    (9, CALL, NONE, False),
    (9, CALL, FAMILY, False),
    (10, CALL, NONE, False),
    (10, INBOUND, SELF, True),
    (13, CALL, OTHER, True),
    (17, CALL, NONE, False),
]
DAY_B = [
    (10, VISIT, SELF, True),
    (10, VISIT, NONE, False),
    (14, CALL, SELF, False),
    (18, CALL, FAMILY, False),
]
# Sent by the supervisor's batch / letter run.
DAY_SUPERVISOR = [(11, SMS, NONE, False), (11, SMS, NONE, False), (15, LETTER, NONE, False)]


TODAY = NOW.date()


def make_contact(user, obligor, hour, channel, party, promised, day=TODAY):
    outcome = ContactOutcome.NO_ANSWER if party == NONE else ContactOutcome.WILL_PAY
    if channel in (SMS, LETTER):
        outcome = ContactOutcome.SENT
    if promised:
        outcome = ContactOutcome.PROMISE
    at = dt.datetime.combine(day, dt.time(hour, 7), tzinfo=TOKYO)
    row = ContactFactory(
        obligor=obligor, user=user, channel=channel, party=party, outcome=outcome, at=at
    )
    if promised:  # two promises on one contact: still one contact with a promise
        for amount in (5_000, 3_000):
            make_promise(row, amount=amount, promised_on=dt.date(2025, 6, 20))
    return row


@pytest.fixture
def colleague(municipality, nhi_team):
    return UserFactory(
        username="visitor2", role="visitor", municipality=municipality, team=nhi_team
    )


@pytest.fixture
def obligor(municipality):
    return ObligorFactory(municipality=municipality, name=OBLIGOR_NAME)


@pytest.fixture
def day(operator, colleague, supervisor, municipality, obligor):
    for user, specs in ((operator, DAY_A), (colleague, DAY_B), (supervisor, DAY_SUPERVISOR)):
        for spec in specs:
            make_contact(user, obligor, *spec)
    # Not today: yesterday 23:07 and tomorrow 0:07 (Tokyo); not this municipality.
    make_contact(operator, obligor, 23, CALL, SELF, True, day=TODAY - dt.timedelta(days=1))
    make_contact(operator, obligor, 0, CALL, SELF, True, day=TODAY + dt.timedelta(days=1))
    elsewhere = MunicipalityFactory(code="131016", name="千代田区（デモ）")
    make_contact(operator, ObligorFactory(municipality=elsewhere), 9, CALL, SELF, True)
    return obligor


def todays_contacts(municipality, user=None):
    """Today's contacts counted in Python from the raw rows (no report code)."""
    start = dt.datetime.combine(NOW.date(), dt.time(), tzinfo=TOKYO)
    rows = [
        c
        for c in Contact.objects.select_related("obligor")
        if start <= c.at < start + dt.timedelta(days=1)
        and c.obligor.municipality_id == municipality.pk
        and (user is None or c.user_id == user.pk)
    ]
    return rows


def tally(rows):
    reached = [c for c in rows if c.party in (SELF, FAMILY, OTHER)]
    calls = [c for c in rows if c.channel == CALL]
    reached_calls = [c for c in calls if c.party != NONE]
    promises = [c for c in rows if Promise.objects.filter(contact=c).exists()]
    return {
        "contacts": len(rows),
        "attempts": len(calls),
        "reached_calls": len(reached_calls),
        "reached": len(reached),
        "promises": len(promises),
        "visits": len([c for c in rows if c.channel == VISIT]),
        "sms": len([c for c in rows if c.channel == SMS]),
        "inbound": len([c for c in rows if c.channel == INBOUND]),
        "letters": len([c for c in rows if c.channel == LETTER]),
        "reach_rate": len(reached_calls) / len(calls) if calls else None,
        "promise_rate": len(promises) / len(reached) if reached else None,
    }


def as_dict(t):
    names = ["contacts", "attempts", "reached_calls", "reached", "promises", "visits", "sms",
             "inbound", "letters"]  # fmt: skip
    values = {name: getattr(t, name) for name in names}
    values["reach_rate"], values["promise_rate"] = t.reach_rate, t.promise_rate
    return values


def assert_same(actual: dict, expected: dict):
    for key, value in expected.items():
        if key.endswith("_rate") and value is not None:
            assert actual[key] == pytest.approx(value, abs=1e-4), key
        else:
            assert actual[key] == value, key


# --- Figures ---------------------------------------------------------------------------------


def test_todays_totals_and_rates_equal_a_tally_of_the_raw_contacts(supervisor, municipality, day):
    board = dashboard(supervisor, now=NOW)
    expected = tally(todays_contacts(municipality))
    assert_same(as_dict(board.total), expected)
    # The numbers the day was designed to give, so the tally itself is checked too.
    assert expected["contacts"] == 14 and expected["attempts"] == 8
    assert expected["reached_calls"] == 5 and expected["reached"] == 7
    assert expected["promises"] == 4
    assert board.total.reach_rate == pytest.approx(5 / 8, abs=1e-4)
    assert board.total.promise_rate == pytest.approx(4 / 7, abs=1e-4)


def test_each_operator_row_equals_a_tally_of_their_contacts(
    supervisor, operator, colleague, municipality, day
):
    rows = {row.user.pk: row for row in dashboard(supervisor, now=NOW).operators}
    for user in (operator, colleague, supervisor):
        assert_same(as_dict(rows[user.pk].tally), tally(todays_contacts(municipality, user)))
    assert rows[operator.pk].last_at == dt.datetime(2025, 6, 4, 17, 7, tzinfo=TOKYO)


def test_the_operator_rows_add_up_to_the_total(supervisor, municipality, day):
    board = dashboard(supervisor, now=NOW)
    for name in ("contacts", "attempts", "reached", "promises", "visits", "sms", "letters"):
        assert sum(getattr(row.tally, name) for row in board.operators) == getattr(
            board.total, name
        )


def test_contacts_fall_in_their_tokyo_hour_and_every_hour_is_listed(supervisor, municipality, day):
    board = dashboard(supervisor, now=NOW)
    assert [hour for hour, _tally in board.hours] == list(range(24))
    hours = dict(board.hours)
    for hour in range(24):
        rows = [c for c in todays_contacts(municipality) if c.at.astimezone(TOKYO).hour == hour]
        assert_same(as_dict(hours[hour]), tally(rows))
    assert hours[9].attempts == 3 and hours[9].reached_calls == 2
    assert hours[0].contacts == 0 and hours[23].contacts == 0  # yesterday's and tomorrow's
    assert sum(t.contacts for t in hours.values()) == board.total.contacts


def test_an_idle_operator_is_listed_with_zeros_and_no_rates(supervisor, operator):
    board = dashboard(supervisor, now=NOW)
    (row,) = board.operators
    assert row.user == operator and row.tally.contacts == 0 and row.last_at is None
    assert row.tally.reach_rate is None and row.tally.reach_percent == "—"


def test_who_may_not_read_reports_gets_nothing(operator, visitor, admin_user, day):
    for user in (operator, visitor, admin_user):
        assert dashboard(user, now=NOW) is None


# --- Queries ---------------------------------------------------------------------------------


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def add_operators(count, municipality, team, obligor):
    now = timezone.localtime(timezone.now(), TOKYO)
    for _ in range(count):
        user = UserFactory(role="operator", municipality=municipality, team=team)
        for _hour, channel, party, promised in DAY_A:
            make_contact(user, obligor, now.hour, channel, party, promised, day=now.date())


def test_the_panel_query_count_is_the_same_for_2_and_10_operators(
    client, supervisor, municipality, nhi_team, obligor
):
    sign_in(client, supervisor)
    url = reverse("reports:dashboard_panel")
    add_operators(2, municipality, nhi_team, obligor)
    few = queries_for(client, url)
    add_operators(8, municipality, nhi_team, obligor)
    many = queries_for(client, url)
    assert many == few
    # session (read, save: 3 with its savepoint), user, TOTP device, permissions (2), the
    # grouped contacts, the users, the municipality of the page header
    assert many <= 12


# --- Pages -----------------------------------------------------------------------------------

ROLES = ["operator", "visitor", "supervisor", "staff", "inspector", "admin"]
VIEWERS = {"supervisor", "staff", "inspector"}


@pytest.mark.parametrize("role", [*ROLES, "anonymous", "outsider"])
def test_supervisors_staff_and_inspectors_may_open_the_dashboard_others_get_403(
    client, users_by_role, outsider, role
):
    if role == "outsider":
        sign_in(client, outsider)
    elif role != "anonymous":
        sign_in(client, users_by_role[role])
    for name in ("reports:dashboard", "reports:dashboard_panel"):
        response = client.get(reverse(name))
        if role == "anonymous":
            assert response.status_code == 302 and "login" in response.url
        else:
            assert response.status_code == (200 if role in VIEWERS else 403), (name, role)


def test_the_dashboard_takes_get_only(client, supervisor):
    sign_in(client, supervisor)
    assert client.post(reverse("reports:dashboard_panel")).status_code == 405


def test_the_page_polls_its_panel_every_ten_seconds(client, supervisor):
    sign_in(client, supervisor)
    page = client.get(reverse("reports:dashboard")).content.decode()
    assert f'hx-get="{reverse("reports:dashboard_panel")}"' in page
    assert 'hx-trigger="every 10s"' in page
    # Without JavaScript a link reloads the page.
    assert f'href="{reverse("reports:dashboard")}"' in page


def test_the_panel_shows_operator_names_but_nothing_of_obligors(
    client, supervisor, operator, municipality, obligor
):
    operator.display_name = "架電 太郎"
    operator.save()
    now = timezone.localtime(timezone.now(), TOKYO)
    contact = make_contact(operator, obligor, now.hour, CALL, SELF, True, day=now.date())
    contact.note = "来週払うとのこと"
    contact.save()
    sign_in(client, supervisor)
    panel = client.get(reverse("reports:dashboard_panel")).content.decode()
    assert "架電 太郎" in panel
    for personal in (OBLIGOR_NAME, obligor.resident_no, obligor.address, contact.note):
        assert personal not in panel
