"""Demo history (issue 7): a small demo municipality's weeks of contacts, made through the real
services, give every report non-zero figures; contacts only on open days; no duplicates. The
history is made with today pinned to the days of the year where the calendar turns: it must
work whatever today is (issue 16)."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from civicdesk.accounts.models import User
from civicdesk.core.calendar import Service, add_months, day_info
from civicdesk.core.choices import ContactChannel
from civicdesk.core.demo import demo_municipality
from civicdesk.core.japanese import fiscal_year_of
from civicdesk.dunning.choices import ContactOutcome, ContactParty, PromiseStatus
from civicdesk.dunning.models import Contact, Promise
from civicdesk.dunning.services.contacts import record_contact
from civicdesk.receivables.models import Account, Payment
from civicdesk.reports import demo_history
from civicdesk.reports.demo_history import create_demo_history
from civicdesk.reports.models import Target
from civicdesk.reports.selectors import reports as selectors

pytestmark = pytest.mark.django_db(transaction=False)

TOKYO = ZoneInfo("Asia/Tokyo")
DAYS = 45
# Days the history is made on: each turns the calendar somewhere inside the 45 days before it.
TODAYS = {
    "a fiscal-year start": dt.date(2027, 4, 1),
    "inside the year-end closure": dt.date(2026, 12, 30),
    "the first open day of January": dt.date(2027, 1, 4),
    "a month and fiscal-year end": dt.date(2027, 3, 31),
    "a second Saturday (calls open)": dt.date(2027, 2, 13),
    # make test failed on this day: two kept promises paid on one account the same day were two
    # identical payment rows, the importer refused the file, and no promise was kept.
    "the day make test failed": dt.date(2026, 12, 7),
}


@pytest.fixture
def history(request, settings, tmp_path):
    """300 obligors and DAYS days of history, made with the clock pinned to ``today``
    (the parametrised day, else the suite's pinned day)."""
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    today = getattr(request, "param", None) or dt.date(2026, 6, 10)
    with time_machine.travel(dt.datetime.combine(today, dt.time(9, 0), tzinfo=TOKYO), tick=False):
        call_command("demo", "--obligors", "300", "--history-days", "0", stdout=StringIO())
        municipality = demo_municipality()
        made = create_demo_history(
            municipality=municipality, today=today, days=DAYS, seed=3, calls_per_day=8,
            visits_per_day=3,
        )  # fmt: skip
    return municipality, today, made


def local_day(contact):
    return contact.at.astimezone(TOKYO).date()


def _every_report_shows_attempts_reached_promises_kept_visits_sms_and_letters(history):
    municipality, today, made = history
    assert not made.get("skipped")
    first = today - dt.timedelta(days=DAYS)
    busiest = max(
        {local_day(c) for c in Contact.objects.filter(channel=ContactChannel.OUTBOUND_CALL)},
        key=lambda d: Contact.objects.filter(at__date=d).count(),
    )
    daily = selectors.daily_report(municipality, busiest)["total"]
    assert daily["attempts"] > 0 and daily["reached"] > 0
    # A month, or two when the history starts late in one: all of it together.
    months, month = [], first.replace(day=1)
    while month <= today:
        months.append(selectors.monthly_report(municipality, month.year, month.month)["total"])
        month = add_months(month, 1)
    years = {fiscal_year_of(first), fiscal_year_of(today)}
    annual = [selectors.annual_report(municipality, year)["total"] for year in sorted(years)]
    for totals in (months, annual):
        for name in ("attempts", "reached", "promises", "promises_kept", "visits", "sms",
                     "letters"):  # fmt: skip
            assert sum(t[name] for t in totals) > 0, name


def _the_report_figures_match_the_contacts_made(history):
    municipality, _today, made = history
    contacts = Contact.objects.filter(obligor__municipality=municipality)
    assert made[ContactChannel.OUTBOUND_CALL] == contacts.filter(channel="outbound_call").count()
    assert made[ContactChannel.VISIT] == contacts.filter(channel="visit").count()
    assert made[ContactChannel.SMS] == contacts.filter(channel="sms").count() > 0
    assert made[ContactChannel.LETTER] == contacts.filter(channel="letter").count() > 0
    assert made["payments"] == Payment.objects.count() > 0
    kept = Promise.objects.filter(status=PromiseStatus.KEPT).count()
    broken = Promise.objects.filter(status=PromiseStatus.BROKEN).count()
    assert kept > 0 and broken > 0
    assert contacts.filter(night=True).exists()
    assert contacts.filter(hot_voice=True).exists()


def _calls_and_visits_only_on_open_days_of_their_calendar_and_before_today(history):
    municipality, today, _made = history
    services = {ContactChannel.OUTBOUND_CALL: Service.CALLS, ContactChannel.VISIT: Service.VISITS}
    for channel, service in services.items():
        for day in {local_day(c) for c in Contact.objects.filter(channel=channel)}:
            assert day < today
            assert day_info(service, day, municipality=municipality).open, (channel, day)


def _the_targets_of_the_fiscal_years_covered_exist(history):
    municipality, today, _made = history
    years = set(
        Target.objects.filter(municipality=municipality).values_list("fiscal_year", flat=True)
    )
    assert {fiscal_year_of(today - dt.timedelta(days=DAYS)), fiscal_year_of(today)} <= years


def test_running_it_again_adds_nothing(history):
    municipality, today, _made = history
    before = Contact.objects.count(), Payment.objects.count(), Target.objects.count()
    again = create_demo_history(municipality=municipality, today=today, days=DAYS, seed=3)
    assert again == {"skipped": True}
    assert (Contact.objects.count(), Payment.objects.count(), Target.objects.count()) == before


@pytest.mark.parametrize("history", TODAYS.values(), ids=TODAYS.keys(), indirect=True)
def test_the_demo_history_fills_every_report_on_open_days_with_the_years_targets(history):
    # One demo for four checks: building it costs about ten seconds.
    _every_report_shows_attempts_reached_promises_kept_visits_sms_and_letters(history)
    _the_report_figures_match_the_contacts_made(history)
    _calls_and_visits_only_on_open_days_of_their_calendar_and_before_today(history)
    _the_targets_of_the_fiscal_years_covered_exist(history)


def test_two_promises_kept_on_one_account_the_same_day_are_one_payment_and_both_kept(
    settings, tmp_path, monkeypatch
):
    # The cause of the failure on 2026-12-07: each kept promise was its own payment row, two
    # identical rows made the importer refuse the whole file, and no promise was kept.
    settings.VAR_DIR = tmp_path
    call_command("demo", "--obligors", "30", "--history-days", "0", stdout=StringIO())
    municipality = demo_municipality()
    account = (
        Account.objects.filter(municipality=municipality, installments__unpaid__gte=2_000)
        .order_by("pk")
        .first()
    )
    called, promised = dt.date(2026, 6, 1), dt.date(2026, 6, 2)  # Monday, Tuesday: open days
    for hour in (10, 14):  # paid the day after the call: both on the same day
        record_contact(
            acting_user=User.objects.get(username="supervisor"), obligor=account.obligor,
            channel=ContactChannel.OUTBOUND_CALL, party=ContactParty.SELF,
            outcome=ContactOutcome.PROMISE, accounts=[account.pk], promises=[(1_000, promised)],
            now=dt.datetime.combine(called, dt.time(hour), tzinfo=TOKYO),
        )  # fmt: skip
    monkeypatch.setattr(demo_history, "KEPT_SHARE", 1.0)
    demo_history._payments(demo_history._prepare(municipality, dt.date(2026, 6, 10), seed=1))
    payments = Payment.objects.filter(installment__account=account)
    assert [(p.paid_on, p.amount) for p in payments] == [(promised, 2_000)]
    statuses = Promise.objects.filter(obligor=account.obligor).values_list("status", flat=True)
    assert list(statuses) == [PromiseStatus.KEPT, PromiseStatus.KEPT]
