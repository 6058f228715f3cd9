"""Every report figure recounted in plain Python from the fixture contacts (issue 7, Tests).

Each test keeps its contacts as plain records too (``Book.rows``) and recounts the figure from
those lists with the definitions of docs/reports.md — never through reports.kpis — then
compares with what the reports say.
"""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicdesk.dunning.models import HandOver
from civicdesk.receivables.models import Payment
from civicdesk.reports import kpis
from civicdesk.reports.selectors import reports as selectors
from civicdesk.reports.services.reports import create_demo_targets
from tests.dunning.factories import ContactFactory, cover, make_promise
from tests.factories import MunicipalityFactory, UserFactory
from tests.registry.factories import AccountFactory, InstallmentFactory, ObligorFactory

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
MAY_12 = dt.date(2025, 5, 12)
REACHED = {"self", "family", "other"}
CHANNELS = ["outbound_call", "inbound_call", "visit", "sms", "letter"]
PARTIES = ["self", "family", "other", "none"]
NOT_REACHED_OUTCOME = {"visit": "absent", "sms": "sent", "letter": "sent"}


def jst(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TOKYO)


def plain_rate(numerator: int, denominator: int):
    return None if denominator == 0 else round(numerator / denominator, 4)


class Book:
    """Makes contacts (and their promises) and keeps each as a plain record for recounting."""

    def __init__(self):
        self.rows: list[dict] = []

    def contact(
        self,
        accounts,
        *,
        at,
        channel="outbound_call",
        party="self",
        night=False,
        promise_on=None,
        promise_status="pending",
    ):
        reached = party in REACHED
        if promise_on is not None:
            outcome = "promise"
        elif reached:
            outcome = "will_pay"
        else:
            outcome = NOT_REACHED_OUTCOME.get(channel, "no_answer")
        obligor = accounts[0].obligor
        contact = ContactFactory(
            obligor=obligor, at=at, channel=channel, party=party, outcome=outcome, night=night
        )
        cover(contact, *accounts)
        if promise_on is not None:
            make_promise(contact, *accounts, promised_on=promise_on, status=promise_status)
        self.rows.append(
            {
                "id": contact.pk,
                "day": at.astimezone(TOKYO).date(),
                "channel": channel,
                "party": party,
                "outcome": outcome,
                "night": night,
                "types": {a.revenue_type for a in accounts},
                "accounts": {a.pk for a in accounts},
                "promise_on": promise_on,
                "promise_status": promise_status,
                "municipality": obligor.municipality_id,
            }
        )
        return contact


def recount(rows: list[dict], revenue_type: str | None = None) -> dict:
    """The contact figures of docs/reports.md over plain records (None: every revenue type)."""
    mine = [r for r in rows if revenue_type is None or revenue_type in r["types"]]
    calls = [r for r in mine if r["channel"] == "outbound_call"]
    reached_calls = [r for r in calls if r["party"] in REACHED]
    reached = [r for r in mine if r["party"] in REACHED]
    promised = [r for r in mine if r["promise_on"] is not None]
    by_channel = {}
    for channel in CHANNELS:
        in_channel = [r for r in mine if r["channel"] == channel]
        channel_reached = sum(r["party"] in REACHED for r in in_channel)
        channel_promises = sum(r["promise_on"] is not None for r in in_channel)
        by_channel[channel] = {
            "contacts": len(in_channel),
            "reached": channel_reached,
            "promises": channel_promises,
            "promise_rate": plain_rate(channel_promises, channel_reached),
        }
    night = {}
    for name, channel in (("calls", "outbound_call"), ("visits", "visit")):
        at_night = [r for r in mine if r["night"] and r["channel"] == channel]
        night[name] = {
            "reached": sum(r["party"] in REACHED for r in at_night),
            "not_reached": sum(r["party"] not in REACHED for r in at_night),
        }
    outcomes: dict[str, int] = {}
    for r in calls:
        outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    return {
        "contacts": len(mine),
        "attempts": len(calls),
        "reached_calls": len(reached_calls),
        "reach_rate": plain_rate(len(reached_calls), len(calls)),
        "reached": len(reached),
        "promises": len(promised),
        "promise_rate": plain_rate(len(promised), len(reached)),
        "visits": by_channel["visit"]["contacts"],
        "sms": by_channel["sms"]["contacts"],
        "letters": by_channel["letter"]["contacts"],
        "inbound_calls": by_channel["inbound_call"]["contacts"],
        "by_channel": by_channel,
        "night": night,
        "calls_by_outcome": dict(sorted(outcomes.items())),
    }


def contact_figures(figures: dict) -> dict:
    return {key: figures[key] for key in recount([])}


@pytest.fixture
def people(municipality):
    """Three obligors: one with NHI only, one with resident tax and LTC, one with two NHI
    accounts (a household assessed twice)."""
    nhi_only = AccountFactory(obligor=ObligorFactory(municipality=municipality))
    tax_person = ObligorFactory(municipality=municipality)
    tax = AccountFactory(obligor=tax_person, revenue_type="resident_tax")
    ltc = AccountFactory(obligor=tax_person, revenue_type="ltc")
    twice = ObligorFactory(municipality=municipality)
    nhi_a = AccountFactory(obligor=twice, revenue_type="nhi")
    nhi_b = AccountFactory(obligor=twice, revenue_type="nhi")
    return {"nhi": nhi_only, "tax": tax, "ltc": ltc, "nhi_a": nhi_a, "nhi_b": nhi_b}


def mixed_day(book: Book, people: dict, day: dt.date) -> None:
    """Every channel × party × promise × night, over four kinds of coverage."""
    coverages = [
        [people["nhi"]],
        [people["tax"]],
        [people["tax"], people["ltc"]],
        [people["nhi_a"], people["nhi_b"]],
    ]
    combos = itertools.product(CHANNELS, PARTIES, (False, True), (False, True))
    for i, (channel, party, promised, night) in enumerate(combos):
        if promised and party not in REACHED:
            continue  # nobody on the line promises nothing
        book.contact(
            coverages[i % len(coverages)],
            at=jst(day, 9 + i % 11, i % 60),
            channel=channel,
            party=party,
            night=night,
            promise_on=day + dt.timedelta(days=7) if promised else None,
        )


# --- Contact figures -----------------------------------------------------------------------------


def test_every_contact_figure_of_a_day_equals_a_plain_recount_in_total_and_per_revenue_type(
    municipality, people
):
    book = Book()
    mixed_day(book, people, MAY_12)

    report = selectors.daily_report(municipality, MAY_12)

    assert contact_figures(report["total"]) == recount(book.rows)
    for revenue_type in ("nhi", "resident_tax", "ltc", "late_elderly", "light_vehicle_tax"):
        expected = recount(book.rows, revenue_type)
        assert contact_figures(report["by_revenue_type"][revenue_type]) == expected, revenue_type
    assert report["total"]["attempts"] > report["total"]["reached_calls"] > 0  # not vacuous


def test_reach_rate_divides_reached_calls_by_call_attempts_only(municipality, people):
    book = Book()
    for party in ("self", "none", "none", "none"):
        book.contact([people["nhi"]], at=jst(MAY_12), party=party)
    book.contact([people["nhi"]], at=jst(MAY_12), channel="visit", party="self")

    total = selectors.daily_report(municipality, MAY_12)["total"]

    assert (total["attempts"], total["reached_calls"], total["reached"]) == (4, 1, 2)
    assert total["reach_rate"] == 0.25


def test_promise_rate_divides_promising_contacts_by_reached_contacts_per_channel(
    municipality, people
):
    book = Book()
    book.contact([people["nhi"]], at=jst(MAY_12), promise_on=MAY_12)
    book.contact([people["nhi"]], at=jst(MAY_12), party="family")
    book.contact([people["nhi"]], at=jst(MAY_12), party="none")
    book.contact([people["nhi"]], at=jst(MAY_12), channel="visit", party="self", promise_on=MAY_12)

    total = selectors.daily_report(municipality, MAY_12)["total"]

    assert total["promise_rate"] == round(2 / 3, 4)
    assert total["by_channel"]["outbound_call"]["promise_rate"] == 0.5
    assert total["by_channel"]["visit"]["promise_rate"] == 1.0
    assert total["by_channel"]["sms"]["promise_rate"] is None


def test_a_contact_with_two_promises_is_one_promise(municipality, people):
    book = Book()
    contact = book.contact([people["nhi"]], at=jst(MAY_12), promise_on=MAY_12)
    make_promise(contact, amount=1_000, promised_on=MAY_12 + dt.timedelta(days=30))

    assert selectors.daily_report(municipality, MAY_12)["total"]["promises"] == 1


def test_night_contacts_are_counted_reached_and_not_reached_for_calls_and_visits(
    municipality, people
):
    book = Book()
    for channel, party, night in [
        ("outbound_call", "self", True),
        ("outbound_call", "none", True),
        ("outbound_call", "none", True),
        ("outbound_call", "self", False),
        ("visit", "family", True),
        ("visit", "none", False),
        ("sms", "none", True),
    ]:
        book.contact([people["nhi"]], at=jst(MAY_12, 18), channel=channel, party=party, night=night)

    night = selectors.daily_report(municipality, MAY_12)["total"]["night"]

    assert night == recount(book.rows)["night"]
    assert night == {
        "calls": {"reached": 1, "not_reached": 2},
        "visits": {"reached": 1, "not_reached": 0},
    }


def test_night_report_lists_each_day_with_its_night_counts(municipality, people):
    book = Book()
    book.contact([people["nhi"]], at=jst(dt.date(2025, 5, 1), 18), night=True)
    book.contact([people["nhi"]], at=jst(dt.date(2025, 5, 31), 19), party="none", night=True)

    report = selectors.night_report(municipality, 2025, 5)

    assert len(report["days"]) == 31
    by_date = {row["date"]: row for row in report["days"]}
    assert by_date["2025-05-01"]["calls"] == {"reached": 1, "not_reached": 0}
    assert by_date["2025-05-31"]["calls"] == {"reached": 0, "not_reached": 1}
    assert report["total"]["calls"] == {"reached": 1, "not_reached": 1}


def test_a_contact_covering_two_revenue_types_counts_once_in_each_and_once_in_the_total(
    municipality, people
):
    book = Book()
    book.contact([people["tax"], people["ltc"]], at=jst(MAY_12), promise_on=MAY_12)

    report = selectors.daily_report(municipality, MAY_12)

    for figures in (
        report["total"],
        report["by_revenue_type"]["resident_tax"],
        report["by_revenue_type"]["ltc"],
    ):
        assert (figures["attempts"], figures["reached"], figures["promises"]) == (1, 1, 1)
    assert report["by_revenue_type"]["nhi"]["attempts"] == 0


def test_a_contact_covering_two_accounts_of_one_revenue_type_counts_once(municipality, people):
    book = Book()
    book.contact([people["nhi_a"], people["nhi_b"]], at=jst(MAY_12), promise_on=MAY_12)

    report = selectors.daily_report(municipality, MAY_12)

    nhi = report["by_revenue_type"]["nhi"]
    assert (nhi["attempts"], nhi["reached"], nhi["promises"], nhi["promises_due"]) == (1, 1, 1, 1)
    assert report["total"]["attempts"] == 1


# --- Promises kept -------------------------------------------------------------------------------


def test_kept_rate_counts_the_promises_whose_date_fell_in_the_period(municipality, people):
    book = Book()
    april, may, june = dt.date(2025, 4, 20), dt.date(2025, 5, 20), dt.date(2025, 6, 3)
    # Made in April, due in May: counts in May. Made in May, due in June: does not.
    book.contact([people["nhi"]], at=jst(april), promise_on=may, promise_status="kept")
    book.contact([people["tax"]], at=jst(april), promise_on=may, promise_status="broken")
    book.contact(
        [people["tax"], people["ltc"]],
        at=jst(dt.date(2025, 5, 2)),
        promise_on=may,
        promise_status="partly_kept",
    )
    book.contact(
        [people["nhi"]], at=jst(dt.date(2025, 5, 25)), promise_on=june, promise_status="kept"
    )

    report = selectors.monthly_report(municipality, 2025, 5)

    due = [r for r in book.rows if r["promise_on"] and r["promise_on"].month == 5]
    kept = [r for r in due if r["promise_status"] == "kept"]
    assert (report["total"]["promises_due"], report["total"]["promises_kept"]) == (
        len(due),
        len(kept),
    )
    assert report["total"]["kept_rate"] == plain_rate(len(kept), len(due)) == round(1 / 3, 4)
    for revenue_type in ("nhi", "resident_tax", "ltc"):
        mine = [r for r in due if revenue_type in r["types"]]
        kept_mine = [r for r in mine if r["promise_status"] == "kept"]
        figures = report["by_revenue_type"][revenue_type]
        assert figures["kept_rate"] == plain_rate(len(kept_mine), len(mine)), revenue_type
    assert report["by_revenue_type"]["late_elderly"]["kept_rate"] is None


# --- Paid after contact ----------------------------------------------------------------------


def pay(account, on: dt.date, amount: int = 3_000) -> Payment:
    installment = InstallmentFactory(account=account)
    return Payment.objects.create(installment=installment, amount=amount, paid_on=on)


def paid_figures(municipality, day: dt.date) -> tuple[int, int]:
    total = selectors.daily_report(municipality, day)["total"]
    return total["paid_after_contact"], total["paid_after_contact_amount"]


def test_a_payment_on_day_30_after_a_reached_contact_counts_and_on_day_31_does_not(
    municipality, people, settings
):
    assert settings.REPORT_PAID_DAYS == 30
    book = Book()
    book.contact([people["nhi"]], at=jst(MAY_12))
    book.contact([people["tax"]], at=jst(MAY_12))
    pay(people["nhi"], MAY_12 + dt.timedelta(days=30), 4_000)
    pay(people["tax"], MAY_12 + dt.timedelta(days=31), 7_000)

    assert paid_figures(municipality, MAY_12) == (1, 4_000)


def test_the_paid_window_follows_the_setting(municipality, people, settings):
    settings.REPORT_PAID_DAYS = 10
    book = Book()
    book.contact([people["nhi"]], at=jst(MAY_12))
    pay(people["nhi"], MAY_12 + dt.timedelta(days=11))

    assert paid_figures(municipality, MAY_12) == (0, 0)


def test_a_payment_on_another_account_of_the_same_person_does_not_count(municipality, people):
    book = Book()
    book.contact([people["tax"]], at=jst(MAY_12))
    pay(people["ltc"], MAY_12 + dt.timedelta(days=3))

    assert paid_figures(municipality, MAY_12) == (0, 0)


def test_a_payment_before_the_contact_does_not_count(municipality, people):
    book = Book()
    book.contact([people["nhi"]], at=jst(MAY_12))
    pay(people["nhi"], MAY_12 - dt.timedelta(days=1))

    assert paid_figures(municipality, MAY_12) == (0, 0)
    assert selectors.monthly_report(municipality, 2025, 5)["total"]["paid_after_contact"] == 0


def test_a_payment_after_two_contacts_counts_once(municipality, people):
    book = Book()
    book.contact([people["nhi"]], at=jst(dt.date(2025, 5, 2)))
    book.contact([people["nhi"]], at=jst(dt.date(2025, 5, 9)))
    pay(people["nhi"], dt.date(2025, 5, 15), 6_000)

    total = selectors.monthly_report(municipality, 2025, 5)["total"]

    assert (total["paid_after_contact"], total["paid_after_contact_amount"]) == (1, 6_000)


def test_a_payment_after_a_contact_nobody_answered_does_not_count(municipality, people):
    book = Book()
    book.contact([people["nhi"]], at=jst(MAY_12), party="none")
    pay(people["nhi"], MAY_12 + dt.timedelta(days=2))

    assert paid_figures(municipality, MAY_12) == (0, 0)


def test_the_paid_window_is_counted_in_tokyo_days(municipality, people):
    # 00:30 on 13 May in Tokyo is still 12 May in UTC: 30 days later is 12 June, not 11 June.
    book = Book()
    book.contact([people["nhi"]], at=jst(dt.date(2025, 5, 13), 0, 30))
    pay(people["nhi"], dt.date(2025, 6, 12))

    assert paid_figures(municipality, dt.date(2025, 5, 13)) == (1, 3_000)


def test_paid_after_contact_counts_per_revenue_type_of_the_paid_account(municipality, people):
    book = Book()
    book.contact([people["tax"], people["ltc"]], at=jst(MAY_12))
    pay(people["ltc"], MAY_12 + dt.timedelta(days=5), 2_500)

    report = selectors.daily_report(municipality, MAY_12)

    assert report["by_revenue_type"]["ltc"]["paid_after_contact_amount"] == 2_500
    assert report["by_revenue_type"]["resident_tax"]["paid_after_contact"] == 0
    assert report["total"]["paid_after_contact"] == 1


# --- Parts add up --------------------------------------------------------------------------------

SUMMED = [
    "contacts",
    "attempts",
    "reached_calls",
    "reached",
    "promises",
    "visits",
    "sms",
    "letters",
    "inbound_calls",
    "promises_due",
    "promises_kept",
    "paid_after_contact",
    "paid_after_contact_amount",
]


def month_of_single_type_contacts(book: Book, people: dict) -> None:
    singles = [[people["nhi"]], [people["tax"]], [people["ltc"]]]
    for i in range(40):
        day = dt.date(2025, 5, 1 + (i * 7) % 31)
        promise = day + dt.timedelta(days=i % 9) if i % 4 == 0 else None
        book.contact(
            singles[i % 3],
            at=jst(day, 8 + i % 14, (i * 13) % 60),
            channel=CHANNELS[i % 5],
            party=PARTIES[i % 4] if i % 5 != 4 else "none",
            night=i % 3 == 0,
            promise_on=promise,
            promise_status=["kept", "broken"][i % 2],
        )
    for i, account in enumerate(singles * 2):
        pay(account[0], dt.date(2025, 5, 3 + i * 5), 1_000 * (i + 1))


def test_revenue_types_add_up_to_the_total_when_each_contact_covers_one_type(municipality, people):
    book = Book()
    month_of_single_type_contacts(book, people)

    report = selectors.monthly_report(municipality, 2025, 5)

    for key in SUMMED:
        parts = sum(figures[key] for figures in report["by_revenue_type"].values())
        assert parts == report["total"][key], key
    assert report["total"]["contacts"] == len(book.rows)
    assert report["total"]["paid_after_contact"] > 0 and report["total"]["promises_due"] > 0


def test_days_add_up_to_the_month(municipality, people):
    book = Book()
    month_of_single_type_contacts(book, people)

    month = selectors.monthly_report(municipality, 2025, 5)
    days = [selectors.daily_report(municipality, dt.date(2025, 5, d)) for d in range(1, 32)]

    for key in [
        "contacts",
        "attempts",
        "reached_calls",
        "reached",
        "promises",
        "visits",
        "promises_due",
        "promises_kept",
    ]:
        assert sum(day["total"][key] for day in days) == month["total"][key], key
    for key in ("attempts", "reached_calls", "reached", "promises", "visits"):
        assert sum(row[key] for row in month["days"]) == month["total"][key], key
    assert month["total"] == {**month["total"], **contact_figures(recount(book.rows))}


def test_months_add_up_to_the_fiscal_year(municipality, people):
    book = Book()
    for day in [
        dt.date(2025, 4, 1),
        dt.date(2025, 8, 31),
        dt.date(2025, 12, 31),
        dt.date(2026, 1, 1),
        dt.date(2026, 3, 31),
    ]:
        book.contact([people["nhi"]], at=jst(day), promise_on=day)
        book.contact([people["tax"]], at=jst(day, 18), channel="visit", party="none", night=True)
    # Outside fiscal year 2025 (令和7年度): the day before and the day after.
    book.contact([people["nhi"]], at=jst(dt.date(2025, 3, 31), 23, 59))
    book.contact([people["nhi"]], at=jst(dt.date(2026, 4, 1), 0, 0))

    year = selectors.annual_report(municipality, 2025)

    assert len(year["months"]) == 12
    for key in ("contacts", "attempts", "reached", "promises", "visits", "promises_due"):
        assert sum(month["total"][key] for month in year["months"]) == year["total"][key], key
    assert year["total"]["contacts"] == 10
    month = selectors.monthly_report(municipality, 2025, 8)["total"]
    august = next(m for m in year["months"] if m["month"] == "2025-08")["total"]
    assert contact_figures(august) == contact_figures(month)


# --- Scope and period ----------------------------------------------------------------------------


def test_contacts_of_another_municipality_never_count(municipality, people):
    book = Book()
    mixed_day(book, people, MAY_12)
    mine = selectors.monthly_report(municipality, 2025, 5)

    other = MunicipalityFactory(code="131091", name="品川区（デモ）")
    theirs = AccountFactory(obligor=ObligorFactory(municipality=other), revenue_type="nhi")
    other_book = Book()
    for party in PARTIES:
        other_book.contact(
            [theirs],
            at=jst(MAY_12),
            party=party,
            night=True,
            promise_on=MAY_12,
            promise_status="kept",
        )
    pay(theirs, MAY_12 + dt.timedelta(days=1))
    handover = HandOver.objects.create(
        municipality=other,
        obligor=theirs.obligor,
        reason="hardship",
        note="他自治体",
        created_by=_user_of(other),
    )
    HandOver.objects.filter(pk=handover.pk).update(created_at=jst(MAY_12))

    again = selectors.monthly_report(municipality, 2025, 5)
    for key in ("total", "by_revenue_type", "days"):
        assert again[key] == mine[key], key
    assert selectors.monthly_report(other, 2025, 5)["total"]["contacts"] == 4


def _user_of(municipality):

    return UserFactory(role="staff", municipality=municipality)


def test_the_day_is_a_whole_day_in_tokyo(municipality, people):
    book = Book()
    book.contact([people["nhi"]], at=jst(MAY_12, 0, 0))  # 11 May 15:00 UTC
    book.contact([people["nhi"]], at=jst(MAY_12, 23, 59))  # 12 May 14:59 UTC
    book.contact([people["nhi"]], at=jst(MAY_12 + dt.timedelta(days=1), 0, 0))
    book.contact([people["nhi"]], at=jst(MAY_12 - dt.timedelta(days=1), 23, 59))

    report = selectors.daily_report(municipality, MAY_12)
    days = {
        row["date"]: row["attempts"]
        for row in selectors.monthly_report(municipality, 2025, 5)["days"]
    }

    assert report["total"]["attempts"] == 2
    assert (days["2025-05-11"], days["2025-05-12"], days["2025-05-13"]) == (1, 2, 1)


def test_the_month_is_whole_days_in_tokyo(municipality, people):
    book = Book()
    book.contact([people["nhi"]], at=jst(dt.date(2025, 5, 31), 23, 59))
    book.contact([people["nhi"]], at=jst(dt.date(2025, 6, 1), 0, 0))  # 31 May in UTC
    book.contact([people["nhi"]], at=jst(dt.date(2025, 5, 1), 0, 0))  # 30 April in UTC

    assert selectors.monthly_report(municipality, 2025, 5)["total"]["attempts"] == 2
    assert selectors.monthly_report(municipality, 2025, 6)["total"]["attempts"] == 1


def test_hand_overs_are_counted_by_reason_in_the_tokyo_day(municipality, people, supervisor):
    obligor = people["nhi"].obligor
    moments = [
        ("hardship", jst(MAY_12, 0, 0)),
        ("hardship", jst(MAY_12, 23, 59)),
        ("complaint", jst(MAY_12, 12)),
        ("complaint", jst(MAY_12 + dt.timedelta(days=1))),
    ]
    for reason, at in moments:
        handover = HandOver.objects.create(
            municipality=municipality,
            obligor=obligor,
            reason=reason,
            note="引継ぎ",
            created_by=supervisor,
        )
        HandOver.objects.filter(pk=handover.pk).update(created_at=at)  # auto_now_add wrote now

    expected: dict[str, int] = {}
    for reason, at in moments:
        if at.date() == MAY_12:
            expected[reason] = expected.get(reason, 0) + 1
    assert selectors.daily_report(municipality, MAY_12)["total"]["hand_overs"] == expected


# --- A property ----------------------------------------------------------------------------------

RANDOM_CONTACTS = st.lists(
    st.tuples(
        st.integers(0, 30),  # day of May
        st.integers(0, 23 * 60 + 59),  # minute of the day in Tokyo
        st.sampled_from(CHANNELS),
        st.sampled_from(PARTIES),
        st.sampled_from(["nhi", "tax", "tax_ltc", "nhi_twice"]),
        st.booleans(),  # night
        st.booleans(),  # promise
    ),
    max_size=25,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(contacts=RANDOM_CONTACTS)
def test_per_day_figures_of_random_contacts_sum_to_the_month(municipality, people, contacts):
    coverages = {
        "nhi": [people["nhi"]],
        "tax": [people["tax"]],
        "tax_ltc": [people["tax"], people["ltc"]],
        "nhi_twice": [people["nhi_a"], people["nhi_b"]],
    }
    with transaction.atomic():
        book = Book()
        for day, minute, channel, party, coverage, night, promised in contacts:
            at = jst(dt.date(2025, 5, 1 + day), minute // 60, minute % 60)
            book.contact(
                coverages[coverage],
                at=at,
                channel=channel,
                party=party,
                night=night,
                promise_on=at.date() if promised and party in REACHED else None,
            )

        month = kpis.period_figures(municipality.pk, dt.date(2025, 5, 1), dt.date(2025, 5, 31))
        days = sorted({row["day"] for row in book.rows})
        per_day = [kpis.period_figures(municipality.pk, day, day) for day in days]

        for key in ("contacts", "attempts", "reached_calls", "reached", "promises", "promises_due"):
            assert sum(d["total"][key] for d in per_day) == month["total"][key], key
            for revenue_type, figures in month["by_revenue_type"].items():
                parts = sum(d["by_revenue_type"][revenue_type][key] for d in per_day)
                assert parts == figures[key], (key, revenue_type)
        assert contact_figures(month["total"]) == recount(book.rows)
        transaction.set_rollback(True)


# --- Targets ------------------------------------------------------------------------------------


def test_target_lines_count_year_to_date_calls_and_visits_by_revenue_type_and_collection_kind(
    municipality,
):
    """Each demo target line recounted from plain records: a contact counts once in every line
    whose revenue types (and, for resident tax, collection kind) it covered; only calls or
    visits, only from 1 April to the report's day."""

    create_demo_targets(municipality=municipality, fiscal_year=2025)
    person = ObligorFactory(municipality=municipality)
    ordinary = AccountFactory(
        obligor=person, revenue_type="resident_tax", collection_kind="ordinary"
    )
    special = AccountFactory(obligor=person, revenue_type="resident_tax", collection_kind="special")
    light = AccountFactory(obligor=person, revenue_type="light_vehicle_tax")
    nhi = AccountFactory(obligor=person, revenue_type="nhi")
    ltc = AccountFactory(obligor=person, revenue_type="ltc")
    book = Book()
    plain = [  # (day, channel, accounts)
        (dt.date(2025, 3, 31), "outbound_call", [ordinary]),  # the previous fiscal year
        (dt.date(2025, 4, 1), "outbound_call", [ordinary, light]),
        (dt.date(2025, 4, 2), "outbound_call", [special]),
        (dt.date(2025, 4, 3), "outbound_call", [light]),
        (dt.date(2025, 4, 3), "visit", [special, nhi]),
        (dt.date(2025, 5, 9), "outbound_call", [nhi, ltc]),
        (dt.date(2025, 5, 9), "sms", [nhi]),  # neither a call nor a visit
        (dt.date(2025, 5, 10), "visit", [ltc]),
        (dt.date(2025, 5, 13), "outbound_call", [nhi]),  # after the report's day
    ]
    for day, channel, accounts in plain:
        book.contact(accounts, at=jst(day), channel=channel)
    as_of = MAY_12

    def expected(types, kind, channel):
        def in_line(account):
            if account.revenue_type not in types:
                return False
            return not (kind and account.revenue_type == "resident_tax") or (
                account.collection_kind == kind
            )

        return sum(
            1
            for day, one, accounts in plain
            if one == channel
            and dt.date(2025, 4, 1) <= day <= as_of
            and any(in_line(a) for a in accounts)
        )

    lines = selectors.target_progress(municipality.pk, 2025, as_of)
    targets = {(t.label, t.channel): t for t in selectors.targets_of(municipality, 2025)}
    assert len(lines) == len(targets) == 9
    for line in lines:
        target = targets[(line["label"], line["channel"])]
        channel = "outbound_call" if target.channel == "call" else "visit"
        done = expected(target.revenue_types, target.collection_kind, channel)
        assert line["done"] == done, line["label"]
        assert line["forecast"] == round(done * 365 / ((as_of - dt.date(2025, 4, 1)).days + 1))
    by_label = {(line["label"], line["channel"]): line["done"] for line in lines}
    assert by_label[("特別区民税・都民税・森林環境税、軽自動車税（普通徴収）", "call")] == 2
    assert by_label[("特別区民税・都民税・森林環境税（特別徴収）", "call")] == 1
