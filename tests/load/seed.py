"""Seed the load test's municipality in bulk: teams, operators with TOTP devices, call campaigns.

Everything is written with bulk_create (like tests/bench/run.py): the seed is set-up, not the
thing measured. The calls calendar of the load municipality is open every hour of every day,
so `make load` behaves the same whenever it runs (the demo calendar closes at 20:00 and on
weekends, when 「次の案件」 would rightly hand out nothing).
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from dataclasses import asdict, dataclass

TEAMS = (
    ("国保チーム", ["nhi"]),
    ("税チーム", ["resident_tax", "light_vehicle_tax"]),
    ("後期高齢チーム", ["late_elderly"]),
    ("介護チーム", ["ltc"]),
)
PASSWORD = "load-test-correct-horse-42"
# A case takes a simulated operator at least ~3 s (2 s of talk plus requests). Seed what 60
# operators could take at one case every 2 s, with half again as margin, so no team runs dry.
CASES_PER_USER_MINUTE = 30
MARGIN = 1.5
MIN_ITEMS_PER_TEAM = 500


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    totp_key: str  # hex, as django_otp's TOTPDevice keeps it
    role: str
    team: str


def items_per_team(users: int, minutes: float) -> int:
    total = users * minutes * CASES_PER_USER_MINUTE * MARGIN
    return max(MIN_ITEMS_PER_TEAM, math.ceil(total / len(TEAMS)))


def user_roles(users: int) -> list[tuple[str, int]]:
    """(role, team index) per account: round robin over the teams; the first account of each
    team is its supervisor (リーダー), who works cases too and watches the live page."""
    return [("supervisor" if n < len(TEAMS) else "operator", n % len(TEAMS)) for n in range(users)]


def seed(*, users: int, minutes: float) -> list[Account]:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from civicdesk.accounts.models import Team, User
    from civicdesk.accounts.roles import sync_role_group
    from civicdesk.core.models import Municipality

    today = timezone.localdate()
    with transaction.atomic():
        municipality = Municipality.objects.create(
            code="999100",
            name="負荷試験区",
            is_default=True,
            contact_center_name="負荷試験センター",
            contact_center_phone="03-0000-0000",
        )
        _open_calendar(municipality)
        teams = [
            Team.objects.create(municipality=municipality, name=name, revenue_types=types)
            for name, types in TEAMS
        ]
        # One Argon2 hash for all: the same password, and hashing 60 times costs seconds.
        hashed = make_password(PASSWORD)
        accounts = [
            Account(f"load{n + 1:03d}", PASSWORD, secrets.token_hex(20), role, TEAMS[team][0])
            for n, (role, team) in enumerate(user_roles(users))
        ]
        created = User.objects.bulk_create(
            User(
                username=a.username,
                password=hashed,
                role=a.role,
                municipality=municipality,
                team=teams[team],
                display_name=f"負荷 {a.username}",
            )
            for a, (_role, team) in zip(accounts, user_roles(users), strict=True)
        )
        for user in created:
            sync_role_group(user)
        _totp_devices(created, accounts)
        _roster(municipality, created, today)
        per_team = items_per_team(users, minutes)
        for index, team in enumerate(teams):
            _campaign(municipality, team, index, per_team, today)
    _analyze()
    return accounts


def accounts_json(accounts: list[Account]) -> list[dict]:
    return [asdict(a) for a in accounts]


def _open_calendar(municipality) -> None:
    from civicdesk.core.models.calendar import (
        MUNICIPALITY_SERVICES,
        BusinessCalendar,
        WeeklyHours,
    )

    for service in MUNICIPALITY_SERVICES:
        calendar = BusinessCalendar.objects.create(
            municipality=municipality,
            service=service,
            closed_on_national_holidays=False,
            year_end_closure=False,
        )
        WeeklyHours.objects.bulk_create(
            WeeklyHours(
                calendar=calendar,
                weekday=day,
                start=dt.time(0, 0),
                end=dt.time(23, 59, 59),
                label="終日",
            )
            for day in range(7)
        )


def _totp_devices(users, accounts: list[Account]) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.bulk_create(
        TOTPDevice(user=u, name="負荷試験", confirmed=True, key=a.totp_key)
        for u, a in zip(users, accounts, strict=True)
    )


def _roster(municipality, users, today: dt.date) -> None:
    """Every load user on the submitted staff roster of this month and the next (the sign-in
    gate, issue 8 §3), so a run across midnight at the month's end keeps working."""
    from django.utils import timezone

    from civicdesk.accounts.models import Roster, RosterEntry, RosterStatus

    this_month = today.replace(day=1)
    next_month = (this_month + dt.timedelta(days=31)).replace(day=1)
    for month in (this_month, next_month):
        roster = Roster.objects.create(
            municipality=municipality,
            month=month,
            status=RosterStatus.SUBMITTED,
            submitted_at=timezone.now(),
        )
        RosterEntry.objects.bulk_create(RosterEntry(roster=roster, user=u) for u in users)


def _campaign(municipality, team, index: int, count: int, today: dt.date) -> None:
    from civicdesk.dunning.models import Campaign, WorkItem
    from civicdesk.receivables.models import Account as ReceivableAccount
    from civicdesk.receivables.models import Installment
    from civicdesk.registry.models import Obligor, Phone

    revenue_type = team.revenue_types[0]
    campaign = Campaign.objects.create(
        municipality=municipality,
        name=f"負荷試験 {team.name}",
        channel="call",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=60),
        conditions={"revenue_types": [revenue_type]},
        script="お支払いの状況を確認しています。",
    )
    campaign.teams.add(team)
    base = index * 10**6
    obligors = Obligor.objects.bulk_create(
        Obligor(
            municipality=municipality,
            resident_no=f"L{base + n:08d}",
            name=f"負荷 太郎{n}",
            name_kana=f"フカ タロウ{n}",
            address=f"東京都江東区東陽四丁目{n % 30 + 1}番{n % 50 + 1}号",
            birth_date=dt.date(1960 + n % 40, n % 12 + 1, n % 28 + 1),
        )
        for n in range(count)
    )
    Phone.objects.bulk_create(
        Phone(
            obligor=o, number=f"+8190{base + n:08d}", display=f"090-{base + n:08d}", kind="mobile"
        )
        for n, o in enumerate(obligors)
    )
    accounts = ReceivableAccount.objects.bulk_create(
        ReceivableAccount(
            municipality=municipality,
            obligor=o,
            revenue_type=revenue_type,
            case_no=f"LC{base + n:08d}",
        )
        for n, o in enumerate(obligors)
    )
    first_due = dt.date(today.year - 1, 6, 30)
    second_due = dt.date(today.year - 1, 7, 31)
    Installment.objects.bulk_create(
        Installment(account=a, fiscal_year=today.year - 1, period=str(p), due_date=due,
                    assessed=8_000 + (n % 50) * 100)
        for n, a in enumerate(accounts)
        for p, due in ((1, first_due), (2, second_due))
    )  # fmt: skip
    items = WorkItem.objects.bulk_create(
        WorkItem(
            campaign=campaign,
            obligor=o,
            revenue_types=[revenue_type],
            unpaid_total=2 * (8_000 + (n % 50) * 100),
            oldest_due_date=first_due,
            newest_due_date=second_due,
            overdue_periods=2,
            priority=n % 997,
        )
        for n, o in enumerate(obligors)
    )
    WorkItem.accounts.through.objects.bulk_create(
        WorkItem.accounts.through(workitem_id=i.pk, account_id=a.pk)
        for i, a in zip(items, accounts, strict=True)
    )


def _analyze() -> None:
    """Fresh statistics, as autovacuum keeps them in production (the claim's plan needs them)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
