"""The monthly report over a month of 1,000,000 contacts (issue 7: <= 2 s on PostgreSQL,
<= 5 s on SQLite).

``bench_report_monthly()`` fills a fresh database the way a busy center's month looks —
100,000 obligors with one or two accounts (of different revenue types), 1,000,000 contacts in
May 2025 (calls, visits, SMS, letters, inbound calls; about a third of the calls reached;
night contacts after 17:15), ~1.2 covered accounts per contact, a promise for ~6 % of reached
contacts, a payment on a fifth of the accounts, a thousand hand-overs and the demo targets —
through the driver's bulk path (COPY on PostgreSQL, executemany on SQLite) in one
transaction, runs VACUUM ANALYZE (what autovacuum would have done by the end of the month), then
times ``reports.selectors.monthly_report`` twice and keeps the faster run.

Run alone (``tests/bench/run.py`` is shared; make bench can call this function):

    env -u DATABASE_URL .venv/bin/python -m tests.bench.report_monthly
    .venv/bin/python scripts/with_postgres.py -- .venv/bin/python -m tests.bench.report_monthly
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import tempfile
import time
from pathlib import Path

CONTACTS = 1_000_000
OBLIGORS = 100_000
HAND_OVERS = 1_000
YEAR, MONTH = 2025, 5
REPEATS = 2
SEED = 7
TYPES = ["resident_tax", "nhi", "late_elderly", "ltc", "light_vehicle_tax"]
# (channel, share of contacts, share reached, reached outcome, not-reached outcome)
CHANNELS = [
    ("outbound_call", 0.70, 0.33, "will_pay", "no_answer"),
    ("visit", 0.10, 0.30, "will_pay", "absent"),
    ("sms", 0.10, 0.0, "", "sent"),
    ("letter", 0.05, 0.0, "", "sent"),
    ("inbound_call", 0.05, 1.0, "inquiry", ""),
]


def bench_report_monthly() -> dict:
    from django.db import connection

    from civicdesk.core.models import Municipality
    from civicdesk.reports.selectors import reports as selectors

    municipality = _fill(connection)
    seconds = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        report = selectors.monthly_report(municipality, YEAR, MONTH)
        seconds.append(time.perf_counter() - start)
    assert report["total"]["contacts"] == CONTACTS, report["total"]["contacts"]
    assert Municipality.objects.count() == 1
    return {
        "contacts": CONTACTS,
        "seconds": round(min(seconds), 3),
        "runs": [round(s, 3) for s in seconds],
        "database": connection.vendor,
    }


# --- Filling ---------------------------------------------------------------------------------


def _fill(connection):
    from django.db import transaction
    from django.utils import timezone

    from civicdesk.accounts.models import User
    from civicdesk.core.models import Municipality
    from civicdesk.dunning.models import HandOver
    from civicdesk.reports.services.reports import create_demo_targets

    municipality = Municipality.objects.create(code="131083", name="江東区（ベンチ）")
    user = User.objects.create_user(
        username="bench-supervisor", password="x" * 16, role="supervisor", municipality=municipality
    )
    rng = random.Random(SEED)
    started = time.perf_counter()
    with transaction.atomic():
        tables = _rows(rng, municipality.pk)
        with connection.cursor() as wrapper:
            for table, columns, rows in tables:
                _load(connection, wrapper.cursor, table, columns, rows)
        HandOver.objects.bulk_create(
            HandOver(
                municipality=municipality,
                obligor_id=rng.randint(1, OBLIGORS),
                reason="hardship",
                note="ベンチ",
                created_by=user,
            )
            for _ in range(HAND_OVERS)
        )
        # auto_now_add wrote today: move them into the month.
        HandOver.objects.update(created_at=dt.datetime(YEAR, MONTH, 15, 3, tzinfo=dt.UTC))
        create_demo_targets(municipality=municipality, fiscal_year=YEAR)
    with connection.cursor() as cursor:
        # PostgreSQL: VACUUM too, as autovacuum does after a month of inserts; it sets the
        # visibility map, without which an index-only scan still reads every row's page.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(
        f"filled in {time.perf_counter() - started:.1f} s ({timezone.now():%H:%M:%S})",
        file=sys.stderr,
    )
    return municipality


def _load(connection, cursor, table: str, columns: str, rows) -> None:
    if connection.vendor == "postgresql":
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # COPY wrote explicit ids: move the sequence past them for later inserts.
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )
    else:
        marks = ", ".join("?" * len(columns.split(",")))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def _stamp(moment: dt.datetime, postgres: bool) -> str:
    # The text each database keeps for an aware datetime (UTC): SQLite has no time zone type.
    return moment.strftime("%Y-%m-%d %H:%M:%S") + ("+00" if postgres else "")


def _rows(rng: random.Random, municipality_id: int):
    from django.db import connection

    postgres = connection.vendor == "postgresql"
    now = _stamp(dt.datetime.now(dt.UTC), postgres)
    accounts = []  # per obligor: [(account id, revenue type)]
    obligor_rows, account_rows = [], []
    for obligor_id in range(1, OBLIGORS + 1):
        obligor_rows.append(
            (
                obligor_id,
                municipality_id,
                f"{obligor_id:09d}",
                "江東 太郎",
                "コウトウ タロウ",
                "",
                "",
                None,
                "135-0016",
                "東京都江東区東陽四丁目11番28号",
                "",
                "",
                None,
                "",
                None,
                "",
                "江東太郎",
                "コウトウタロウ",
                now,
                now,
            )
        )
        mine = []
        for revenue_type in rng.sample(TYPES, 2 if rng.random() < 0.4 else 1):
            account_id = len(account_rows) + 1
            kind = rng.choice(["ordinary", "special"]) if revenue_type == "resident_tax" else ""
            account_rows.append(
                (
                    account_id,
                    municipality_id,
                    revenue_type,
                    f"C{account_id:09d}",
                    obligor_id,
                    kind,
                    "",
                    False,
                    None,
                    None,
                )
            )
            mine.append((account_id, revenue_type, kind))
        accounts.append(mine)
    installment_rows = [(a[0], a[0], 2024, "1", "2024-07-31", 10_000, 0) for a in account_rows]
    payment_rows = [
        (
            len_ + 1,
            account[0],
            5_000,
            str(dt.date(YEAR, MONTH, 1) + dt.timedelta(rng.randint(0, 60))),
        )
        for len_, account in enumerate(rng.sample(account_rows, len(account_rows) // 5))
    ]
    contacts, covered, promises, promise_accounts = _contact_rows(rng, accounts, postgres, now)
    return [
        ("registry_obligor", OBLIGOR_COLUMNS, obligor_rows),
        ("receivables_account", ACCOUNT_COLUMNS, account_rows),
        (
            "receivables_installment",
            "id, account_id, fiscal_year, period, due_date, assessed, paid",
            installment_rows,
        ),
        ("receivables_payment", "id, installment_id, amount, paid_on", payment_rows),
        ("dunning_contact", CONTACT_COLUMNS, contacts),
        ("dunning_contactaccount", "id, contact_id, account_id, revenue_type, reached_on", covered),
        ("dunning_promise", PROMISE_COLUMNS, promises),
        ("dunning_promise_accounts", "id, promise_id, account_id", promise_accounts),
    ]


def _contact_rows(rng, accounts, postgres: bool, now: str):
    from civicdesk.dunning.coverage import coverage_of

    contacts, covered, promises, promise_accounts = [], [], [], []
    weights = [c[1] for c in CHANNELS]
    first = dt.datetime(YEAR, MONTH, 1, tzinfo=dt.UTC) - dt.timedelta(hours=9)  # 00:00 JST
    for contact_id in range(1, CONTACTS + 1):
        channel, _, reach, yes, no = rng.choices(CHANNELS, weights)[0]
        obligor_id = rng.randint(1, OBLIGORS)
        reached = rng.random() < reach
        # 08:30–20:30 JST on one of the 31 days: night from 17:15.
        minute = rng.randint(8 * 60 + 30, 20 * 60 + 30)
        at = first + dt.timedelta(days=rng.randint(0, 30), minutes=minute)
        night = minute >= 17 * 60 + 15 and channel in ("outbound_call", "visit")
        promised = reached and channel in ("outbound_call", "visit") and rng.random() < 0.06
        party = rng.choice(["self", "self", "self", "family", "other"]) if reached else "none"
        mine = accounts[obligor_id - 1]
        chosen = mine if len(mine) == 1 or rng.random() < 0.5 else [rng.choice(mine)]
        outcome = ("promise" if promised else yes) if reached else no
        contacts.append(
            (
                contact_id,
                obligor_id,
                channel,
                party,
                outcome,
                _stamp(at, postgres),
                "",
                False,
                reached,
                night,
                now,
                coverage_of((revenue_type, kind) for _, revenue_type, kind in chosen),
                promised,
            )
        )
        reached_on = str((at + dt.timedelta(hours=9)).date()) if reached else None
        for account_id, revenue_type, _ in chosen:
            covered.append((len(covered) + 1, contact_id, account_id, revenue_type, reached_on))
        if promised:
            promise_id = len(promises) + 1
            promised_on = (at + dt.timedelta(days=rng.randint(3, 20))).date()
            status = rng.choice(["kept", "broken", "pending"])
            promises.append(
                (promise_id, contact_id, obligor_id, 10_000, str(promised_on), status, 0, now)
            )
            for account_id, _, _ in chosen:
                promise_accounts.append((len(promise_accounts) + 1, promise_id, account_id))
    return contacts, covered, promises, promise_accounts


OBLIGOR_COLUMNS = (
    "id, municipality_id, resident_no, name, name_kana, alias_name, sex, birth_date, "
    "postal_code, address, address_extra, town, chome, block, household_id, relationship, "
    "name_key, kana_key, created_at, updated_at"
)
ACCOUNT_COLUMNS = (
    "id, municipality_id, revenue_type, case_no, obligor_id, collection_kind, insured_no, "
    "account_transfer, demand_notice_on, reminder_on"
)
CONTACT_COLUMNS = (
    "id, obligor_id, channel, party, outcome, at, note, hot_voice, paces, night, created_at, "
    "coverage, promised"
)
PROMISE_COLUMNS = "id, contact_id, obligor_id, amount, promised_on, status, paid_amount, created_at"


def main() -> int:
    import argparse

    from tests.bench.run import setup_django

    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, help="merge the figures into this results file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="civicdesk-bench-") as tmp:
        setup_django(Path(tmp))
        figures = bench_report_monthly()
    if args.out:
        merge_into(args.out.resolve(), figures)
    print(json.dumps({"report_monthly": figures}, indent=2))
    return 0


def merge_into(out: Path, figures: dict) -> None:
    """{"report_monthly": {"contacts": N, "postgresql_seconds": X, "sqlite_seconds": Y,
    "by_database": {...}}}: the issue's keys, each database's run kept by the other's."""
    merged = json.loads(out.read_text()) if out.exists() else {}
    entry = merged.setdefault("report_monthly", {})
    entry["contacts"] = figures["contacts"]
    entry[f"{figures['database']}_seconds"] = figures["seconds"]
    entry.setdefault("by_database", {})[figures["database"]] = figures
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
