"""What the synthetic residents owe: accounts per revenue type and their installments.

Schedules follow Tokyo's special wards: resident tax in 4 periods (June, August, October,
January), light-vehicle tax once in May, NHI in 10 (June–March), late-elderly premiums in 9
(July–March), long-term-care premiums in 10 (June–March). A period is due at the end of its
month; a due date that falls on a Saturday, Sunday, national holiday or 12/29–1/3 moves to the
next day that is none of these (地方自治法 第4条の2, as the wards' ordinances apply it).
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import jpholiday

from civicdesk.core.choices import RevenueType
from civicdesk.core.japanese import fiscal_year_of
from civicdesk.receivables.demo_data.people import Household, Person


@dataclass(frozen=True)
class Schedule:
    revenue_type: str
    label: str  # 税目 as the core systems write it (formats §1)
    months: tuple[int, ...]  # due month of each period, in fiscal-year order
    yearly: tuple[int, int]  # typical yearly amount, lowest and highest
    first_period_unit: int  # the amount below this unit is added to the first period
    years_back: int  # how many earlier fiscal years can still be owed
    case_prefix: str


SCHEDULES = (
    # Taxes prescribe after 5 years; premiums after 2, which demand notices interrupt.
    Schedule(RevenueType.RESIDENT_TAX, "住民税", (6, 8, 10, 1), (50_000, 400_000), 1000, 4, "11"),
    Schedule(RevenueType.LIGHT_VEHICLE_TAX, "軽自動車税", (5,), (10_800, 10_800), 100, 4, "12"),
    Schedule(
        RevenueType.NHI, "国保", (6, 7, 8, 9, 10, 11, 12, 1, 2, 3), (50_000, 600_000), 100, 2, "21"
    ),
    Schedule(
        RevenueType.LATE_ELDERLY,
        "後期高齢",
        (7, 8, 9, 10, 11, 12, 1, 2, 3),
        (20_000, 150_000),
        100,
        2,
        "31",
    ),
    Schedule(
        RevenueType.LTC, "介護", (6, 7, 8, 9, 10, 11, 12, 1, 2, 3), (40_000, 120_000), 100, 2, "41"
    ),
)
SCHEDULE = {schedule.revenue_type: schedule for schedule in SCHEDULES}

LIGHT_VEHICLE_RATE = 10_800  # 軽四輪 自家用乗用 (registered from April 2015)
# Which fiscal years an account owes for: mostly this or last year, sometimes both, a few
# older ones (tuned for about 8 installment rows per obligor, as the issue asks).
CURRENT_YEAR_SHARE = 0.9  # by the end of the fiscal year; less while fewer periods are due
EXTRA_RECENT_YEAR_SHARE = 0.08
OLDER_YEAR_SHARE = 0.04


def is_closed(day: date) -> bool:
    """A day a due date cannot fall on: weekend, national holiday, 12/29–1/3."""
    return (
        day.weekday() >= 5
        or jpholiday.is_holiday(day)
        or (day.month == 12 and day.day >= 29)
        or (day.month == 1 and day.day <= 3)
    )


@cache
def next_open_day(day: date) -> date:
    while is_closed(day):
        day += timedelta(days=1)
    return day


@cache
def due_date(fiscal_year: int, month: int) -> date:
    year = fiscal_year if month >= 4 else fiscal_year + 1
    return next_open_day(date(year, month, calendar.monthrange(year, month)[1]))


@dataclass
class AccountPlan:
    schedule: Schedule
    case_no: str
    person: Person
    household: Household
    fiscal_years: list[int]
    yearly_amount: int
    insured_no: str
    account_transfer: bool


@dataclass
class InstallmentRow:
    fiscal_year: int
    period: int
    due_date: date
    assessed: int
    paid: int = 0
    last_paid_on: date | None = None
    late_charge: int | None = None


class AccountFactory:
    """Decides who in a household owes what, and numbers the accounts (整理番号)."""

    def __init__(self, rng: random.Random, as_of: date):
        self.rng = rng
        self.as_of = as_of
        self.current_year = fiscal_year_of(as_of)
        self._case_no = {schedule.revenue_type: 0 for schedule in SCHEDULES}
        self._insured_no = {"late_elderly": 10_000_000, "ltc": 1_300_000_000}

    def revenue_types(self, household: Household) -> list[tuple[Person, list[str]]]:
        """Each member who owes something, with the revenue types owed (never empty)."""
        rng, owed = self.rng, []
        for index, person in enumerate(household.members):
            age = person.age_on(self.as_of)
            if age < 20:
                continue
            types = []
            if rng.random() < (0.38 if age < 65 else 0.15 if age < 75 else 0.06):
                types.append(RevenueType.RESIDENT_TAX)
            if age < 80 and rng.random() < 0.07:
                types.append(RevenueType.LIGHT_VEHICLE_TAX)
            # NHI is assessed to the head of the household (世帯主) for the whole household.
            if index == 0 and age < 75 and rng.random() < (0.42 if age < 65 else 0.35):
                types.append(RevenueType.NHI)
            if age >= 75 and rng.random() < 0.55:
                types.append(RevenueType.LATE_ELDERLY)
            if age >= 65 and rng.random() < (0.3 if age < 75 else 0.35):
                types.append(RevenueType.LTC)
            if types:
                owed.append((person, types))
        if not owed:
            head = household.head
            age = head.age_on(self.as_of)
            forced = RevenueType.NHI if age < 75 else RevenueType.LATE_ELDERLY
            owed.append((head, [forced if rng.random() < 0.6 else RevenueType.RESIDENT_TAX]))
        return owed

    def account(self, person: Person, household: Household, revenue_type: str) -> AccountPlan:
        rng = self.rng
        schedule = SCHEDULE[revenue_type]
        self._case_no[revenue_type] += rng.randint(1, 9)
        case_no = f"{schedule.case_prefix}{self._case_no[revenue_type]:08d}"
        insured_no = ""
        if revenue_type in self._insured_no:
            self._insured_no[revenue_type] += rng.randint(1, 40)
            insured_no = str(self._insured_no[revenue_type])
        return AccountPlan(
            schedule=schedule,
            case_no=case_no,
            person=person,
            household=household,
            fiscal_years=self._fiscal_years(schedule),
            yearly_amount=self._yearly_amount(schedule, household),
            insured_no=insured_no,
            # Account transfer rarely fails, so few transfer accounts are in arrears.
            account_transfer=rng.random() < 0.12,
        )

    def _fiscal_years(self, schedule: Schedule) -> list[int]:
        rng, current = self.rng, self.current_year
        # Years with a period already due; last year's periods are all past.
        owed = [
            year
            for year in range(current - schedule.years_back, current + 1)
            if due_date(year, schedule.months[0]) < self.as_of
        ]
        recent = [year for year in owed if year >= current - 1]
        # Early in the fiscal year little of it is due yet: last year's arrears dominate.
        due_now = sum(due_date(current, month) < self.as_of for month in schedule.months)
        current_share = CURRENT_YEAR_SHARE * due_now / len(schedule.months)
        years = {recent[-1] if rng.random() < current_share else recent[0]}
        years.update(year for year in recent if rng.random() < EXTRA_RECENT_YEAR_SHARE)
        years.update(
            year for year in owed if year < current - 1 and rng.random() < OLDER_YEAR_SHARE
        )
        return sorted(years)

    def _yearly_amount(self, schedule: Schedule, household: Household) -> int:
        rng = self.rng
        if schedule.revenue_type == RevenueType.LIGHT_VEHICLE_TAX:
            return LIGHT_VEHICLE_RATE * (2 if rng.random() < 0.1 else 1)
        low, high = schedule.yearly
        # Skewed towards the low end: most people in arrears have small incomes.
        amount = low * (high / low) ** (rng.random() ** 1.6)
        if schedule.revenue_type == RevenueType.NHI:
            insured = sum(1 for m in household.members if m.age_on(self.as_of) < 75)
            amount *= 1 + 0.3 * max(0, insured - 1)
            amount = min(amount, 900_000)
        return int(amount) // 100 * 100


def installments(plan: AccountPlan, rng: random.Random, as_of: date) -> list[InstallmentRow]:
    """The periods already due in the account's fiscal years (paid, partly paid or not).

    Periods not yet due are not arrears: the core systems' arrears extract leaves them out.
    """
    rows: list[InstallmentRow] = []
    for fiscal_year in plan.fiscal_years:
        # Amounts change a little from year to year with income.
        yearly = int(plan.yearly_amount * rng.uniform(0.9, 1.1)) // 100 * 100
        if plan.schedule.revenue_type == RevenueType.LIGHT_VEHICLE_TAX:
            yearly = plan.yearly_amount
        year_rows = [
            InstallmentRow(fiscal_year, period, due_date(fiscal_year, month), amount)
            for period, (month, amount) in enumerate(
                zip(plan.schedule.months, split(yearly, plan.schedule), strict=True), start=1
            )
            if due_date(fiscal_year, month) < as_of
        ]
        _pay(year_rows, plan, rng, as_of, older=fiscal_year < fiscal_year_of(as_of) - 1)
        rows.extend(year_rows)
    if not any(row.paid < row.assessed for row in rows):
        # In this file because something is owed: the latest period stays unpaid.
        rows[-1].paid, rows[-1].last_paid_on = 0, None
    for row in rows:
        row.late_charge = late_charge(row.assessed - row.paid, row.due_date, as_of)
    return rows


def split(yearly: int, schedule: Schedule) -> list[int]:
    """The yearly amount over the periods; what does not divide evenly goes to the first."""
    count = len(schedule.months)
    unit = schedule.first_period_unit
    regular = yearly // count // unit * unit
    return [yearly - regular * (count - 1)] + [regular] * (count - 1)


def _pay(rows: list[InstallmentRow], plan: AccountPlan, rng, as_of: date, *, older: bool):
    if plan.account_transfer:
        # Debited on the due date; a few debits fail (残高不足) and stay unpaid.
        for row in rows:
            if rng.random() >= 0.2:
                row.paid, row.last_paid_on = row.assessed, row.due_date
        return
    pattern = _pattern(rng, older=older)
    if pattern == "stopped":  # paid the first periods, then stopped; the last perhaps in part
        stopped_at = rng.randrange(len(rows))
        for row in rows[:stopped_at]:
            _paid_in_full(row, rng, as_of)
        if rng.random() < 0.35:
            _paid_in_part(rows[stopped_at], rng, as_of)
    elif pattern == "now_and_then":
        for row in rows:
            if rng.random() < 0.5:
                _paid_in_full(row, rng, as_of)
            elif rng.random() < 0.2:
                _paid_in_part(row, rng, as_of)


def _pattern(rng, *, older: bool) -> str:
    # Arrears that survived a year or more are mostly untouched.
    nothing = 0.7 if older else 0.25
    roll = rng.random()
    if roll < nothing:
        return "nothing"
    return "stopped" if roll < nothing + (1 - nothing) * 0.47 else "now_and_then"


def _paid_in_full(row: InstallmentRow, rng, as_of: date) -> None:
    row.paid = row.assessed
    late = rng.random() < 0.3
    paid_on = row.due_date + timedelta(days=rng.randint(1, 90) if late else -rng.randint(0, 14))
    row.last_paid_on = min(paid_on, as_of - timedelta(days=1))


def _paid_in_part(row: InstallmentRow, rng, as_of: date) -> None:
    # Installment payments (分納) are round sums: 1,000-yen steps, at least 1,000 yen.
    if row.assessed <= 1000:
        return
    row.paid = max(1000, int(row.assessed * rng.uniform(0.2, 0.8)) // 1000 * 1000)
    paid_on = row.due_date + timedelta(days=rng.randint(1, 180))
    row.last_paid_on = min(paid_on, as_of - timedelta(days=1))


def late_charge(unpaid: int, due: date, as_of: date) -> int | None:
    """A rough 延滞金 as core systems print it (2.4% a year for the first month, 8.7% after).

    Only for the file's realism: the field policy holds no late charges, so the importer
    drops the column. None under 1,000 yen or when less than 2,000 yen is unpaid.
    """
    days = (as_of - due).days
    if unpaid < 2000 or days <= 0:
        return None
    base = unpaid // 1000 * 1000
    charge = base * (0.024 * min(days, 30) + 0.087 * max(0, days - 30)) / 365
    charge = int(charge) // 100 * 100
    return charge if charge >= 1000 else None


def notices(rows: list[InstallmentRow], rng, as_of: date) -> tuple[date | None, date | None]:
    """The account's latest demand notice (督促状) and reminder letter (催告書) dates.

    A demand notice goes out within 20 days of a missed due date; reminders follow weeks or
    months later for some accounts.
    """
    demand = None
    for row in reversed(rows):
        if row.paid < row.assessed and row.due_date < as_of:
            sent = next_open_day(row.due_date + timedelta(days=rng.randint(12, 20)))
            if sent < as_of:
                demand = sent
                break
    if demand is None or rng.random() < 0.15:
        return None, None
    reminder = None
    if rng.random() < 0.4:
        sent = next_open_day(demand + timedelta(days=rng.randint(30, 150)))
        reminder = sent if sent < as_of else None
    return demand, reminder
