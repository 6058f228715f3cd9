"""Shared data of the campaign tests (no tests here): a small set of obligors described as
data, so that each test computes the expected selection in plain Python, independently of
the ORM queries, and fixtures that write them (import ``persons_fixture`` and
``other_municipality_fixture``; they register as ``persons`` and ``other_municipality``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from tests.dunning.factories import ContactFactory
from tests.factories import MunicipalityFactory
from tests.registry.factories import (
    AccountFactory,
    InstallmentFactory,
    ObligorFactory,
    PhoneFactory,
)

TODAY = dt.date(2025, 10, 15)
STARTS_ON = dt.date(2025, 10, 1)


@dataclass
class Inst:
    fiscal_year: int
    due: dt.date
    assessed: int
    paid: int = 0

    @property
    def unpaid(self) -> int:
        return self.assessed - self.paid


@dataclass
class Acct:
    revenue_type: str
    installments: list[Inst]
    account_transfer: bool | None = None
    collection_kind: str = ""
    demand_notice_on: dt.date | None = None
    pk: int | None = None

    def unpaid_installments(self) -> list[Inst]:
        return [i for i in self.installments if i.unpaid > 0]


@dataclass
class Person:
    key: str
    birth_date: dt.date | None
    town: str
    chome: int | None
    phones: list[str]  # statuses
    accounts: list[Acct]
    contact_days_ago: int | None = None  # a paced contact that many days before TODAY
    municipality: str = "main"
    pk: int | None = None
    account_pks: list[int] = field(default_factory=list)


def people() -> list[Person]:
    d = dt.date
    return [
        Person(
            "A",
            d(1960, 5, 1),
            "東陽",
            4,
            ["valid"],
            [
                Acct(
                    "nhi",
                    [Inst(2025, d(2025, 6, 30), 10_000), Inst(2025, d(2025, 7, 31), 10_000)],
                    account_transfer=False,
                    collection_kind="ordinary",
                    demand_notice_on=d(2025, 7, 20),
                )
            ],
        ),
        Person(
            "B",
            d(1990, 1, 1),
            "豊洲",
            1,
            [],
            [
                Acct(
                    "resident_tax",
                    [Inst(2025, d(2025, 8, 31), 50_000)],
                    account_transfer=True,
                    collection_kind="special",
                ),
                Acct(
                    "nhi",
                    [Inst(2024, d(2025, 3, 31), 40_000, paid=10_000)],
                    account_transfer=True,
                ),
            ],
        ),
        Person(
            "C",  # paid in full: never selected
            d(1970, 3, 3),
            "東陽",
            4,
            ["valid"],
            [Acct("nhi", [Inst(2025, d(2025, 6, 30), 10_000, paid=10_000)])],
        ),
        Person(
            "D",  # unpaid but not yet due; turns 25 the day after TODAY; unusable phone
            d(2000, 10, 16),
            "東陽",
            5,
            ["invalid"],
            [Acct("nhi", [Inst(2025, d(2025, 11, 30), 5_000)], account_transfer=None)],
        ),
        Person(
            "E",  # contacted recently; one wrong-person phone and one usable
            d(1945, 10, 15),
            "豊洲",
            2,
            ["wrong_person", "unknown"],
            [
                Acct(
                    "nhi",
                    [
                        Inst(2024, d(2024, 12, 25), 8_000),
                        Inst(2025, d(2025, 9, 30), 8_000, paid=3_000),
                    ],
                    demand_notice_on=d(2025, 1, 20),
                ),
                Acct("ltc", [Inst(2025, d(2025, 9, 30), 6_000)], collection_kind="ordinary"),
            ],
            contact_days_ago=2,
        ),
        Person(
            "F",  # no birth date, contacted long ago
            None,
            "",
            None,
            ["valid"],
            [Acct("late_elderly", [Inst(2025, d(2025, 8, 31), 7_000)])],
            contact_days_ago=40,
        ),
        Person(
            "X",  # another municipality: never selected
            d(1960, 1, 1),
            "東陽",
            4,
            ["valid"],
            [Acct("nhi", [Inst(2025, d(2025, 6, 30), 99_000)])],
            municipality="other",
        ),
    ]


def build(municipality, other_municipality) -> dict[str, Person]:
    """Write the people to the database; returns them by key with their pks filled."""
    result = {}
    for person in people():
        place = municipality if person.municipality == "main" else other_municipality
        obligor = ObligorFactory(
            municipality=place,
            birth_date=person.birth_date,
            town=person.town,
            chome=person.chome,
        )
        person.pk = obligor.pk
        for n, status in enumerate(person.phones):
            PhoneFactory(
                obligor=obligor, display=f"090-{1000 + obligor.pk % 9000}-{1000 + n}", status=status
            )
        for acct in person.accounts:
            account = AccountFactory(
                obligor=obligor,
                revenue_type=acct.revenue_type,
                account_transfer=acct.account_transfer,
                collection_kind=acct.collection_kind,
                demand_notice_on=acct.demand_notice_on,
            )
            acct.pk = account.pk
            person.account_pks.append(account.pk)
            for period, inst in enumerate(acct.installments, start=1):
                InstallmentFactory(
                    account=account,
                    fiscal_year=inst.fiscal_year,
                    period=str(period),
                    due_date=inst.due,
                    assessed=inst.assessed,
                    paid=inst.paid,
                )
        if person.contact_days_ago is not None:
            at = dt.datetime.combine(
                TODAY - dt.timedelta(days=person.contact_days_ago),
                dt.time(10, 0),
                tzinfo=timezone.get_current_timezone(),
            )
            ContactFactory(obligor=obligor, at=at, paces=True)
        result[person.key] = person
    return result


def age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def usable_phone(person: Person) -> bool:
    return any(status not in ("invalid", "wrong_person") for status in person.phones)


@dataclass
class Expected:
    account_pks: list[int]
    revenue_types: set[str]
    unpaid_total: int
    overdue_periods: int
    oldest_due_date: dt.date
    newest_due_date: dt.date


def expected_selection(
    persons: dict[str, Person],
    *,
    types,
    account_ok=lambda account: True,
    person_ok=lambda person: True,
    fiscal_years=(),
    totals_ok=lambda unpaid, overdue: True,
    today: dt.date = TODAY,
) -> dict[str, Expected]:
    """What the conditions should select, computed in Python from the data above."""
    selected = {}
    for person in persons.values():
        if person.municipality != "main" or not person_ok(person):
            continue
        accounts = [
            a
            for a in person.accounts
            if a.revenue_type in types
            and a.unpaid_installments()
            and account_ok(a)
            and (
                not fiscal_years
                or any(i.fiscal_year in fiscal_years for i in a.unpaid_installments())
            )
        ]
        if not accounts:
            continue
        unpaid = [i for a in accounts for i in a.unpaid_installments()]
        total = sum(i.unpaid for i in unpaid)
        overdue = sum(i.due < today for i in unpaid)
        if totals_ok(total, overdue):
            selected[person.key] = Expected(
                sorted(a.pk for a in accounts),
                {a.revenue_type for a in accounts},
                total,
                overdue,
                min(i.due for i in unpaid),
                max(i.due for i in unpaid),
            )
    return selected


@pytest.fixture(name="other_municipality")
def other_municipality_fixture(db):
    return MunicipalityFactory(code="131091", name="品川区（デモ）")


@pytest.fixture(name="persons")
def persons_fixture(municipality, other_municipality):
    return build(municipality, other_municipality)


def keys_of(persons: dict[str, Person], obligor_ids) -> set[str]:
    by_pk = {person.pk: key for key, person in persons.items()}
    return {by_pk[pk] for pk in obligor_ids}
