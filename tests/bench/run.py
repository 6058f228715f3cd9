"""``make bench``: measure what later work leans on and write bench/results.json.

Runs against a fresh database: a temporary SQLite file by default, or DATABASE_URL when set
(``make bench`` runs it once on each). Results for each database are merged into the file
under their vendor's name, so one run never erases the other's figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ACCESS_LOG_ENTRIES = 5000


def setup_django(tmp: Path) -> None:
    os.environ.setdefault("CIVICDESK_VAR_DIR", str(tmp))
    os.environ["DJANGO_SETTINGS_MODULE"] = "civicdesk.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def bench_access_log() -> dict:
    from civicdesk.accounts.models import User
    from civicdesk.privacy.chain import verify_chain
    from civicdesk.privacy.models import AccessAction
    from civicdesk.privacy.services import record_access

    user = User.objects.create_user(username="bench", password="x" * 16, role="operator")
    start = time.perf_counter()
    for _ in range(ACCESS_LOG_ENTRIES):
        record_access(acting_user=user, action=AccessAction.VIEW, obj=user, fields=["name"])
    append_seconds = time.perf_counter() - start
    start = time.perf_counter()
    report = verify_chain()
    verify_seconds = time.perf_counter() - start
    assert report.ok and report.count == ACCESS_LOG_ENTRIES, report
    return {
        "entries": ACCESS_LOG_ENTRIES,
        "append_per_second": round(ACCESS_LOG_ENTRIES / append_seconds, 1),
        "verify_seconds": round(verify_seconds, 3),
        "verify_entries_per_second": round(ACCESS_LOG_ENTRIES / verify_seconds, 1),
    }


def bench_calendar() -> dict:
    from zoneinfo import ZoneInfo

    from civicdesk.core import calendar
    from civicdesk.core.demo import build_demo

    build_demo()
    start = time.perf_counter()
    days = calendar.open_days("calls", date(2025, 4, 1), date(2026, 3, 31))
    year_seconds = time.perf_counter() - start
    tokyo = ZoneInfo("Asia/Tokyo")
    moment = datetime(2025, 4, 1, 6, 0, tzinfo=tokyo)
    checks = 2000
    start = time.perf_counter()
    for i in range(checks):
        calendar.is_open("calls", moment + timedelta(minutes=37 * i))
    is_open_seconds = time.perf_counter() - start
    return {
        "open_days_fiscal_year_seconds": round(year_seconds, 4),
        "open_days_fiscal_year": len(days),
        "is_open_per_second": round(checks / is_open_seconds, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("bench/results.json"))
    args = parser.parse_args()
    out = args.out.resolve()
    with tempfile.TemporaryDirectory(prefix="civicdesk-bench-") as tmp:
        setup_django(Path(tmp))
        from django.db import connection

        vendor = connection.vendor
        results = {
            "access_log": {vendor: bench_access_log()},
            "calendar": {vendor: bench_calendar()},
        }
    merged = json.loads(out.read_text()) if out.exists() else {}
    for key, by_vendor in results.items():
        merged.setdefault(key, {}).update(by_vendor)
    merged["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
