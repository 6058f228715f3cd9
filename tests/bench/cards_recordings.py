"""``cards_recordings_erase`` (issue 18, Speed): erasing 50,000 call recordings ≤ 30 s.

Set-up (not timed): 50,000 small files (2 KiB each, read-only as registration leaves them)
under VAR_DIR/recordings/YYYY-MM and their rows, written in bulk with their real SHA-256 and
retention dates, one a minute from 1 March 2026; 1 in 500 is under a legal hold. Timed: one
``erase_due_recordings`` run as of 2026-06-10 (every recording's retention has ended) — lock
and mark the rows, the access-log entry, the certificate PDF in the export register, zeros
over every file, one flush of the disks, then the deletions. Then the check (timed too): no
erased file left, the held ones intact.

Run alone (a fresh database: SQLite by default, or DATABASE_URL when set); ``--out`` merges
the figures into a results file under the database's vendor, as tests/bench/run.py does:

    env -u DATABASE_URL .venv/bin/python -m tests.bench.cards_recordings --out bench/results.json
    .venv/bin/python scripts/with_postgres.py -- .venv/bin/python -m tests.bench.cards_recordings
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

RECORDINGS = int(os.environ.get("CIVICDESK_BENCH_RECORDINGS", "50000"))
FILE_BYTES = 2048
HOLD_EVERY = 500
TARGET_SECONDS = 30.0
AS_OF = date(2026, 6, 10)
TOKYO = ZoneInfo("Asia/Tokyo")


def bench_cards_recordings_erase() -> dict:
    from django.db import connection

    from civicdesk.cards.models import CallRecording
    from civicdesk.cards.selectors import recordings as selectors
    from civicdesk.cards.services import recordings as services

    municipality, supervisor = _world()
    start = time.perf_counter()
    held = _fill(municipality)
    fill_seconds = time.perf_counter() - start
    start = time.perf_counter()
    erasure = services.erase_due_recordings(
        acting_user=supervisor, municipality=municipality, as_of=AS_OF
    )
    erase_seconds = time.perf_counter() - start
    start = time.perf_counter()
    check = selectors.check_recordings(municipality, AS_OF)
    check_seconds = time.perf_counter() - start
    left = sum(1 for path in selectors.recordings_dir().rglob("*.wav"))
    assert erasure.erased_count == RECORDINGS - held, erasure.erased_count
    assert left == held, left
    assert check.ok and check.checked == held, check
    assert CallRecording.objects.filter(erased_at__isnull=True).count() == held
    return {
        "database": connection.vendor,
        "recordings": RECORDINGS,
        "file_bytes": FILE_BYTES,
        "erased": erasure.erased_count,
        "held": held,
        "fill_seconds": round(fill_seconds, 2),
        "erase_seconds": round(erase_seconds, 2),
        "check_seconds_after": round(check_seconds, 2),
        "target_seconds": TARGET_SECONDS,
        "within_target": erase_seconds <= TARGET_SECONDS,
    }


def _world():
    from civicdesk.accounts.models import User
    from civicdesk.accounts.roles import sync_role_group
    from civicdesk.core.models import Municipality

    municipality, _ = Municipality.objects.get_or_create(
        code="131083", defaults={"name": "江東区（ベンチ）"}
    )
    user = User.objects.create(username="rec-bench", role="supervisor", municipality=municipality)
    sync_role_group(user)
    return municipality, User.objects.get(pk=user.pk)


def _fill(municipality) -> int:
    """Files and rows as registration leaves them, in bulk (the set-up is not what is timed)."""
    from civicdesk.cards.models import CallRecording
    from civicdesk.cards.selectors import recordings as selectors

    root = selectors.recordings_dir()
    first = datetime(2026, 3, 1, 9, 0, tzinfo=TOKYO)
    rows, held = [], 0
    for n in range(RECORDINGS):
        at = first + timedelta(minutes=n)  # 50,000 calls from 1 March to 4 April
        content = n.to_bytes(4, "big") * (FILE_BYTES // 4)
        relative = f"{at:%Y-%m}/bench-{n:06d}.wav"
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        path.chmod(0o400)
        hold = n % HOLD_EVERY == 0
        held += hold
        rows.append(
            CallRecording(
                municipality=municipality,
                call_type="aiueo"[n % 5],
                recorded_at=at,
                file_name=relative,
                sha256=hashlib.sha256(content).hexdigest(),
                size_bytes=FILE_BYTES,
                keep_until=selectors.keep_until_for(at),
                legal_hold=hold,
                hold_reason="ベンチの保全" if hold else "",
            )
        )
    CallRecording.objects.bulk_create(rows, batch_size=2000)
    return held


def merge_into(out: Path, figures: dict) -> None:
    merged = json.loads(out.read_text()) if out.exists() else {}
    merged.setdefault("cards_recordings_erase", {})[figures["database"]] = figures
    merged["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n")


def main() -> int:
    from tests.bench.run import setup_django

    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, help="merge the figures into this results file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="civicdesk-bench-") as tmp:
        setup_django(Path(tmp))
        figures = bench_cards_recordings_erase()
    if args.out:
        merge_into(args.out.resolve(), figures)
    print(json.dumps({"cards_recordings_erase": figures}, ensure_ascii=False, indent=2))
    return 0 if figures["within_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
