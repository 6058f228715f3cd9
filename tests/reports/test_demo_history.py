"""Demo history (issue 7): a small demo municipality's weeks of contacts, made through the real
services, give every report non-zero figures; contacts only on open days; no duplicates."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from civicdesk.core import demo
from civicdesk.core.calendar import Service, add_months, day_info
from civicdesk.core.choices import ContactChannel
from civicdesk.core.japanese import fiscal_year_of
from civicdesk.dunning.choices import PromiseStatus
from civicdesk.dunning.models import Contact, Promise
from civicdesk.receivables.models import Payment
from civicdesk.reports import selectors
from civicdesk.reports.demo_history import create_demo_history
from civicdesk.reports.models import Target

pytestmark = pytest.mark.django_db(transaction=False)

TOKYO = ZoneInfo("Asia/Tokyo")
DAYS = 45


@pytest.fixture
def history(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(demo, "DEMO_OBLIGORS", 300)
    monkeypatch.setattr(demo, "DEMO_HISTORY_DAYS", 0)  # made below, smaller
    call_command("demo", stdout=StringIO())
    municipality = demo.demo_municipality()
    today = timezone.localdate()
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


def test_the_demo_history_fills_every_report_on_open_days_with_the_years_targets(history):
    # One demo for four checks: building it costs most of a minute.
    _every_report_shows_attempts_reached_promises_kept_visits_sms_and_letters(history)
    _the_report_figures_match_the_contacts_made(history)
    _calls_and_visits_only_on_open_days_of_their_calendar_and_before_today(history)
    _the_targets_of_the_fiscal_years_covered_exist(history)
