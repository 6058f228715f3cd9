"""``cards_documents`` (issue 18, Speed): a 40,000-row print file ≤ 30 s and a 1,000-line
delivery ledger PDF ≤ 15 s.

Set-up (not timed): Koto City's venues and 町丁目 through the real set-up service, 40,000
card targets written in bulk over every area (each with its area's venue), one import.
Timed: ``make_letter_run`` for all of them (select, mark the run on each row, the CP932 file
with its barcode values, its hash, the export register and the access log), the file then
read back here (row count, first and last number). Then 1,000 of 本庁舎's cards are received
and sent in one transfer in 町丁目順 (not timed) and ``ledger_pdf`` prints the ledger, both
copies (timed twice, the faster counting; the first, which also loads WeasyPrint and the font,
reported too).

Run alone (a fresh database: SQLite by default, or DATABASE_URL when set); ``--out`` merges
the figures into a results file under the database's vendor, as tests/bench/run.py does:

    env -u DATABASE_URL .venv/bin/python -m tests.bench.cards_documents --out bench/results.json
    .venv/bin/python scripts/with_postgres.py -- .venv/bin/python -m tests.bench.cards_documents
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROWS = int(os.environ.get("CIVICDESK_BENCH_PRINT_ROWS", "40000"))
LEDGER_LINES = int(os.environ.get("CIVICDESK_BENCH_LEDGER_LINES", "1000"))
PRINT_TARGET_SECONDS = 30.0
LEDGER_TARGET_SECONDS = 15.0
LEDGER_REPEATS = 2
SURNAMES = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
GIVEN = ["太郎", "花子", "一郎", "美咲", "健太", "陽子", "翔", "さくら", "大輔", "真由美"]


def bench_cards_documents() -> dict:
    from django.db import connection

    from civicdesk.cards.services import mailings, stock

    municipality, supervisor, honcho = _world()
    start = time.perf_counter()
    run, content = mailings.make_letter_run(
        acting_user=supervisor, municipality=municipality, reason="ベンチ 第1回印刷"
    )
    print_seconds = time.perf_counter() - start
    rows = list(csv.DictReader(io.StringIO(content.decode("cp932"))))
    assert len(rows) == ROWS == run.row_count, (len(rows), run.row_count)
    assert rows[0]["予約管理番号"] == "B00000001", rows[0]
    assert rows[-1]["予約管理番号"] == f"B{ROWS:08d}", rows[-1]

    numbers = list(
        honcho.targets.order_by("reservation_no").values_list("reservation_no", flat=True)[
            :LEDGER_LINES
        ]
    )
    stock.record_card_receipt(
        acting_user=supervisor,
        municipality=municipality,
        received_on=date.today(),
        declared_count=len(numbers),
        reservation_nos=numbers,
    )
    transfer = stock.transfer_to_venue(
        acting_user=supervisor, venue=honcho, order=stock.LedgerOrder.AREA
    )
    assert transfer.card_count == LEDGER_LINES, transfer.card_count
    runs = []
    for _ in range(LEDGER_REPEATS):
        start = time.perf_counter()
        pdf = stock.ledger_pdf(acting_user=supervisor, transfer=transfer, reason="ベンチ")
        runs.append(time.perf_counter() - start)
    ledger_seconds = min(runs)
    return {
        "database": connection.vendor,
        "print_rows": ROWS,
        "print_file_seconds": round(print_seconds, 3),
        "print_file_bytes": len(content),
        "print_file_target_seconds": PRINT_TARGET_SECONDS,
        "ledger_lines": LEDGER_LINES,
        "ledger_pdf_seconds": round(ledger_seconds, 3),
        "ledger_pdf_first_seconds": round(runs[0], 3),
        "ledger_pdf_pages": _pages(pdf),
        "ledger_pdf_target_seconds": LEDGER_TARGET_SECONDS,
        "within_targets": print_seconds <= PRINT_TARGET_SECONDS
        and ledger_seconds <= LEDGER_TARGET_SECONDS,
    }


def _pages(pdf: bytes) -> int:
    from civicdesk.core.pdf import page_count

    return page_count(pdf)


def _world():
    from datetime import date as date_type

    from civicdesk.accounts.models import User
    from civicdesk.accounts.roles import sync_role_group
    from civicdesk.cards.models import Area, CardTarget, TargetImport
    from civicdesk.cards.services.venues import setup_venues
    from civicdesk.core.models import Municipality
    from civicdesk.core.services import setup_demo_calendars

    municipality, _ = Municipality.objects.get_or_create(
        code="131083", defaults={"name": "江東区（ベンチ）"}
    )
    setup_demo_calendars(acting_user=None, municipality=municipality)
    venues = {
        venue.code: venue for venue in setup_venues(acting_user=None, municipality=municipality)
    }
    supervisor = User.objects.create(
        username="cards-bench", role="supervisor", municipality=municipality
    )
    sync_role_group(supervisor)
    batch = TargetImport.objects.create(
        municipality=municipality,
        file_name="bench.csv",
        sha256="0" * 64,
        row_count=ROWS,
        notices_received=ROWS,
    )
    areas = list(Area.objects.filter(municipality=municipality).order_by("sort_order"))
    targets = []
    for n in range(1, ROWS + 1):
        area = areas[n % len(areas)]
        chome = f"{area.chome}丁目" if area.chome else ""
        targets.append(
            CardTarget(
                municipality=municipality,
                reservation_no=f"B{n:08d}",
                name=f"{SURNAMES[n % 10]} {GIVEN[(n // 10) % 10]}",
                kana="コウトウ",
                birth_date=date_type(1950 + n % 60, 1 + n % 12, 1 + n % 28),
                address=f"東京都江東区{area.town}{chome}{1 + n % 30}番{1 + n % 20}号",
                area=area,
                venue_id=area.venue_id,
                reason="new",
                imported_in=batch,
            )
        )
    CardTarget.objects.bulk_create(targets, batch_size=2_000)
    return municipality, supervisor, venues["honchosha"]


def merge_into(out: Path, figures: dict) -> None:
    """{"cards_documents": {"sqlite": {...}, "postgresql": {...}}}: each database's run kept
    by the other's."""
    merged = json.loads(out.read_text()) if out.exists() else {}
    merged.setdefault("cards_documents", {})[figures["database"]] = figures
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
        figures = bench_cards_documents()
    if args.out:
        merge_into(args.out.resolve(), figures)
    print(json.dumps({"cards_documents": figures}, ensure_ascii=False, indent=2))
    return 0 if figures["within_targets"] else 1


if __name__ == "__main__":
    sys.exit(main())
