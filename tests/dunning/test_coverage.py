"""The report columns kept on contacts (ADR 0011): day, coverage, promised, reached_on.

Every writer of contacts is also checked after each test by tests/conftest.py
(``mismatched_contacts``, tests/dunning/coverage_guard.py); these tests pin the layout, the
Tokyo day, the check itself and the migration that back-filled contacts recorded before the
columns existed.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from civicdesk.dunning import coverage
from civicdesk.dunning.models import Contact, ContactAccount
from civicdesk.dunning.services.contacts import record_contact
from tests.dunning.coverage_guard import mismatched_contacts
from tests.dunning.factories import ContactFactory, cover, make_promise
from tests.registry.factories import AccountFactory, ObligorFactory

TOKYO = ZoneInfo("Asia/Tokyo")
pytestmark = pytest.mark.django_db


def test_each_revenue_type_and_collection_kind_has_its_own_bit():
    bits = [coverage.bit(t, k) for t in coverage.TYPES for k in coverage.KINDS]
    assert len(set(bits)) == 15
    assert all(b & (b - 1) == 0 for b in bits)  # powers of two
    # The layout is stored data: the first bits stay where migration 0004 put them.
    assert coverage.bit("resident_tax", "") == 1
    assert coverage.bit("resident_tax", "special") == 4
    assert coverage.bit("nhi", "") == 1 << 6


def test_a_target_line_narrows_resident_tax_by_collection_kind_only():
    line = coverage.line_mask(["resident_tax", "light_vehicle_tax"], "ordinary")
    assert line & coverage.bit("resident_tax", "ordinary")
    assert not line & coverage.bit("resident_tax", "special")
    assert not line & coverage.bit("resident_tax", "")
    assert line & coverage.bit("light_vehicle_tax", "")
    assert coverage.line_mask(["nhi"]) == coverage.type_mask("nhi")


@pytest.mark.parametrize(
    ("at", "day"),
    [
        (dt.datetime(2025, 5, 12, 0, 0, tzinfo=TOKYO), dt.date(2025, 5, 12)),
        (dt.datetime(2025, 5, 11, 23, 59, 59, tzinfo=TOKYO), dt.date(2025, 5, 11)),
        (dt.datetime(2025, 5, 12, 8, 59, tzinfo=TOKYO), dt.date(2025, 5, 12)),  # 23:59 UTC
        (dt.datetime(2025, 12, 31, 23, 30, tzinfo=TOKYO), dt.date(2025, 12, 31)),
    ],
)
def test_the_database_keeps_the_tokyo_day_of_every_contact(at, day):
    contact = ContactFactory(at=at)
    assert Contact.objects.get(pk=contact.pk).day == day
    moved = at + dt.timedelta(days=1)
    Contact.objects.filter(pk=contact.pk).update(at=moved)
    assert Contact.objects.get(pk=contact.pk).day == day + dt.timedelta(days=1)


def test_record_contact_writes_coverage_promised_and_reached_day(
    supervisor, municipality, calendars
):
    person = ObligorFactory(municipality=municipality)
    nhi = AccountFactory(obligor=person, revenue_type="nhi")
    special = AccountFactory(obligor=person, revenue_type="resident_tax", collection_kind="special")
    now = dt.datetime(2025, 5, 12, 23, 30, tzinfo=TOKYO)  # 14:30 UTC: still the 12th in Tokyo
    contact = record_contact(
        acting_user=supervisor,
        obligor=person,
        channel="inbound_call",
        party="self",
        outcome="promise",
        accounts=[nhi, special],
        promises=[(3000, dt.date(2025, 5, 20))],
        now=now,
    )

    contact.refresh_from_db()
    assert contact.coverage == coverage.bit("nhi") | coverage.bit("resident_tax", "special")
    assert contact.promised is True
    assert contact.day == dt.date(2025, 5, 12)
    days = set(ContactAccount.objects.filter(contact=contact).values_list("reached_on", flat=True))
    assert days == {dt.date(2025, 5, 12)}


def test_a_contact_nobody_answered_has_no_reached_day(municipality):
    account = AccountFactory(obligor=ObligorFactory(municipality=municipality))
    contact = cover(ContactFactory(obligor=account.obligor, party="none"), account)
    assert ContactAccount.objects.get(contact=contact).reached_on is None


def test_the_after_test_check_finds_a_contact_whose_columns_went_stale(municipality):
    account = AccountFactory(obligor=ObligorFactory(municipality=municipality))
    contact = cover(ContactFactory(obligor=account.obligor), account)
    make_promise(contact, account, promised_on=dt.date(2025, 6, 1))
    assert mismatched_contacts() == []

    for stale in ({"coverage": 0}, {"promised": False}):
        Contact.objects.filter(pk=contact.pk).update(**stale)
        assert mismatched_contacts() == [contact.pk]
        Contact.objects.filter(pk=contact.pk).update(coverage=contact.coverage, promised=True)
    ContactAccount.objects.filter(contact=contact).update(reached_on=None)
    assert mismatched_contacts() == [contact.pk]
    ContactAccount.objects.filter(contact=contact).update(reached_on=timezone.localdate(contact.at))
    assert mismatched_contacts() == []


@pytest.mark.django_db(transaction=True)
def test_the_migration_back_fills_contacts_recorded_before_the_columns():
    """Migrate back to 0003, write contacts as the old code did (no coverage, no promised, no
    reached day), migrate forward: 0004 fills all three from ContactAccount and Promise."""
    executor = MigrationExecutor(connection)
    executor.migrate([("dunning", "0003_sms_reply_outcome")])
    old = (
        MigrationExecutor(connection)
        .loader.project_state([("dunning", "0003_sms_reply_outcome")])
        .apps
    )
    Municipality = old.get_model("core", "Municipality")
    Obligor = old.get_model("registry", "Obligor")
    Account = old.get_model("receivables", "Account")
    OldContact = old.get_model("dunning", "Contact")
    OldCovered = old.get_model("dunning", "ContactAccount")
    OldPromise = old.get_model("dunning", "Promise")
    town = Municipality.objects.create(code="131083", name="江東区")
    person = Obligor.objects.create(municipality=town, resident_no="000000001", name="江東 太郎")
    tax = Account.objects.create(
        municipality=town,
        obligor=person,
        revenue_type="resident_tax",
        case_no="C1",
        collection_kind="ordinary",
    )
    ltc = Account.objects.create(
        municipality=town, obligor=person, revenue_type="ltc", case_no="C2"
    )
    at = dt.datetime(2025, 5, 12, 23, 30, tzinfo=TOKYO)
    reached = OldContact.objects.create(
        obligor=person, channel="outbound_call", party="family", outcome="promise", at=at
    )
    unanswered = OldContact.objects.create(
        obligor=person, channel="outbound_call", party="none", outcome="no_answer", at=at
    )
    for contact in (reached, unanswered):
        for account in (tax, ltc):
            OldCovered.objects.create(
                contact=contact, account=account, revenue_type=account.revenue_type
            )
    OldPromise.objects.create(
        contact=reached, obligor=person, amount=1000, promised_on=dt.date(2025, 5, 30)
    )

    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    both = coverage.bit("resident_tax", "ordinary") | coverage.bit("ltc")
    assert Contact.objects.get(pk=reached.pk).coverage == both
    assert Contact.objects.get(pk=unanswered.pk).coverage == both
    assert Contact.objects.get(pk=reached.pk).promised is True
    assert Contact.objects.get(pk=unanswered.pk).promised is False
    assert Contact.objects.get(pk=reached.pk).day == dt.date(2025, 5, 12)
    reached_days = dict(ContactAccount.objects.values_list("contact_id", "reached_on").distinct())
    assert reached_days == {reached.pk: dt.date(2025, 5, 12), unanswered.pk: None}
    assert mismatched_contacts() == []
