"""Writes the demo municipality as the core systems would export it (formats/README.md §1, §2)."""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

import jaconv
from django.utils import timezone

from civicdesk.core.choices import RevenueType
from civicdesk.receivables.demo_data.arrears import (
    SCHEDULES,
    AccountFactory,
    AccountPlan,
    installments,
    notices,
)
from civicdesk.receivables.demo_data.people import Household, PeopleFactory
from civicdesk.receivables.importers import layouts
from civicdesk.registry.models import Sex

RECEIVABLES_FILE = "receivables.csv"
HOUSEHOLD_FILE = "household.csv"
ENCODING = "cp932"  # what core systems export; Excel on Windows opens it as it is
# The fictional mobile block holds 1,000,000 numbers; more people would start to exhaust it.
MAX_OBLIGORS = 500_000

# The built-in layouts' Japanese headers, in their order: the demo writes what the importer reads.
RECEIVABLES_HEADERS = [column.header for column in layouts.RECEIVABLES.columns]
HOUSEHOLD_HEADERS = [column.header for column in layouts.HOUSEHOLD.columns]

SEX_LABELS = {Sex.MALE.value: "男", Sex.FEMALE.value: "女"}
# The field policy holds no collection kind for NHI, and the NHI system leaves it out.
COLLECTION_KIND = {
    RevenueType.NHI: "",
}


def default_as_of(today: date | None = None) -> date:
    """The first day of the current month: the same seed gives the same files all month."""
    today = today or timezone.localdate()
    return today.replace(day=1)


def generate(
    out_dir: Path, obligors: int = 50_000, seed: int = 1, *, as_of: date | None = None
) -> dict[str, Path]:
    """Write receivables.csv and household.csv for ``obligors`` people into ``out_dir``.

    The same ``obligors``, ``seed`` and ``as_of`` (default: the first of this month) give
    byte-identical files. Returns the paths by import kind ("receivables", "household").
    """
    if not 1 <= obligors <= MAX_OBLIGORS:
        raise ValueError(f"obligors must be between 1 and {MAX_OBLIGORS}")
    as_of = as_of or default_as_of()
    rng = random.Random(seed)
    people = PeopleFactory(rng, as_of)
    accounts = AccountFactory(rng, as_of)
    households: list[Household] = []
    by_type: dict[str, list[AccountPlan]] = {schedule.revenue_type: [] for schedule in SCHEDULES}
    count = 0
    while count < obligors:
        household = people.household()
        owed = accounts.revenue_types(household)[: obligors - count]
        for person, revenue_types in owed:
            for revenue_type in revenue_types:
                by_type[revenue_type].append(accounts.account(person, household, revenue_type))
        count += len(owed)
        households.append(household)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"receivables": out_dir / RECEIVABLES_FILE, "household": out_dir / HOUSEHOLD_FILE}
    _write(paths["receivables"], RECEIVABLES_HEADERS, _receivable_rows(by_type, rng, as_of))
    _write(paths["household"], HOUSEHOLD_HEADERS, _household_rows(households))
    return paths


def _write(path: Path, headers: list[str], rows) -> None:
    # Written under a temporary name first: a half-written file is never mistaken for data.
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding=ENCODING, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(headers)
        writer.writerows(rows)
    partial.replace(path)


def _date(value: date | None) -> str:
    return value.isoformat() if value else ""


def _amount(value: int | None) -> str:
    return "" if value is None else str(value)


def _receivable_rows(by_type: dict[str, list[AccountPlan]], rng: random.Random, as_of: date):
    """One row per installment, as a core system lists them: by 税目, 整理番号, 年度, 期別."""
    for schedule in SCHEDULES:
        collection_kind = COLLECTION_KIND.get(schedule.revenue_type, "普通")
        for plan in by_type[schedule.revenue_type]:
            person, household = plan.person, plan.household
            rows = installments(plan, rng, as_of)
            demand, reminder = notices(rows, rng, as_of)
            # Values of the person and the account repeat on each of its rows.
            head = [
                schedule.label,
                person.resident_no,
                plan.case_no,
                person.name,
                person.kana,
                person.alias,
                SEX_LABELS[person.sex],
                _date(person.birth_date),
                household.postal_code,
                household.address,
                household.address_extra,
                ";".join(person.phones),
                household.household_no,
                person.relationship,
                plan.insured_no,
                collection_kind,
            ]
            tail = [_date(demand), _date(reminder), "有" if plan.account_transfer else "無"]
            for row in rows:
                yield [
                    *head,
                    str(row.fiscal_year),
                    str(row.period),
                    _date(row.due_date),
                    str(row.assessed),
                    str(row.paid),
                    str(row.assessed - row.paid),
                    _amount(row.late_charge),
                    _date(row.last_paid_on),
                    *tail,
                ]


def _household_rows(households: list[Household]):
    """Every member of every household that owes something; kana half-width, as the resident
    register's older export writes it."""
    for household in households:
        for person in household.members:
            kana = jaconv.z2h(person.kana.replace("\u3000", " "), kana=True, ascii=False)
            yield [
                household.household_no,
                person.resident_no,
                person.name,
                kana,
                SEX_LABELS[person.sex],
                _date(person.birth_date),
                person.relationship,
            ]
