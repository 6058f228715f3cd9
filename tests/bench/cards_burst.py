"""Card reservation burst (issue 18, Speed): RESIDENTS residents try to book within
ARRIVAL_SECONDS through the public site over HTTP — gunicorn with civicdesk.public_wsgi on
loopback (tests/load/run.py's workers and production settings, the headers nginx adds) —
for SEATS web seats at three venues, half of the demand aimed at the first morning's slots.

Each resident (a thread; its own client address in X-Real-IP, as nginx passes it) opens the
sign-in page, solves the page's ALTCHA challenge in Python (complexity ALTCHA_MAX_NUMBER),
signs in with its 予約管理番号 and birth date, lists the slots of its venue, books its
preferred slot, and when that is full (満席, or gone from the list) falls back to another free
slot of the refused page, until it has a seat or no free slot is left. Every booking POST is
timed at the client, from the request to the last byte.

Then, counted from the database: ``overbooked`` (slots whose active web reservations or seat
counter exceed the web capacity), ``double_booked`` (targets with more than one active
reservation), ``booked`` (active reservations), ``seats``; with ``p95_ms`` of the booking
POSTs and ``errors_5xx``. Targets: 0 / 0 / booked = min(demand, seats) / p95 ≤ 250 ms / 0.

    .venv/bin/python scripts/with_postgres.py -- \
        .venv/bin/python -m tests.bench.cards_burst --out bench/results.json

PostgreSQL is what counts (the timing target is checked there); on SQLite (one writer at a
time, the figures informative only) the counts must still hold.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import resource
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from pathlib import Path
from urllib.parse import urlencode

RESIDENTS = int(os.environ.get("CIVICDESK_BENCH_CARDS_RESIDENTS", "1000"))
SEATS = 400
SEATS_PER_SLOT = 5
ARRIVAL_SECONDS = 50  # every resident has started by then; all done well within 60 s
CLIENT_THREADS = 48
ALTCHA_MAX_NUMBER = 1000
MAX_TRIES = 12
DAYS_AHEAD = 5  # inside the default web window (3–45 days), before no cut-off
MORNING = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
AFTERNOON = ["13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30"]
TARGET = {"p95_ms": 250.0}

_CHALLENGE = re.compile(r'data-altcha-(\w+)="([^"]*)"')
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_EXCEPTION = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception))\b", re.MULTILINE)
_SLOT = re.compile(r'<input type="radio" name="slot" value="(\d+)" id="slot-\d+"( disabled)?')


# --- The world ------------------------------------------------------------------------------------


def build_world(seed: int = 18) -> dict:
    """Three venues with every 町丁目, RESIDENTS targets spread over the areas, SEATS web seats
    (SEATS_PER_SLOT a slot) on two days: the first day's morning and afternoon, then the next."""
    from civicdesk.cards.models import Area, CardTarget, Slot, TargetImport
    from civicdesk.cards.services.venues import setup_venues
    from civicdesk.core.calendar import TOKYO
    from civicdesk.core.models import Municipality
    from civicdesk.core.services import setup_demo_calendars

    rng = random.Random(seed)
    municipality = Municipality.objects.create(code="131083", name="江東区", is_default=True)
    setup_demo_calendars(acting_user=None, municipality=municipality)
    venues = setup_venues(acting_user=None, municipality=municipality)
    first_day = dt.datetime.now(TOKYO).date() + dt.timedelta(days=DAYS_AHEAD)
    times = [(first_day, hhmm) for hhmm in MORNING + AFTERNOON]
    times += [(first_day + dt.timedelta(days=1), hhmm) for hhmm in MORNING + AFTERNOON]
    slot_count = SEATS // SEATS_PER_SLOT
    slots = []
    for n in range(slot_count):  # round robin: each venue gets its share of the times
        venue = venues[n % len(venues)]
        day, hhmm = times[n // len(venues)]
        start = dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=TOKYO)
        slots.append(
            Slot(
                venue=venue,
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=30),
                capacity_web=SEATS_PER_SLOT,
                capacity_phone=2,
                capacity_internal=1,
            )
        )
    Slot.objects.bulk_create(slots)
    imported = TargetImport.objects.create(
        municipality=municipality,
        file_name="bench.csv",
        sha256="0" * 64,
        row_count=RESIDENTS,
        notices_received=RESIDENTS,
    )
    areas = list(Area.objects.filter(municipality=municipality).select_related("venue"))
    people = []
    for n in range(RESIDENTS):
        area = areas[n % len(areas)]
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 60))
        people.append(
            CardTarget(
                municipality=municipality,
                reservation_no=f"B{n + 1:09d}",
                name=f"ベンチ 区民{n + 1}",
                birth_date=birth,
                address=f"東京都江東区{area.label}1番1号",
                area=area,
                venue=area.venue,
                reason="new",
                imported_in=imported,
            )
        )
    CardTarget.objects.bulk_create(people)
    morning = {}
    every = {}
    for slot in Slot.objects.filter(venue__municipality=municipality):
        local = slot.starts_at.astimezone(TOKYO)
        every.setdefault(slot.venue_id, []).append(slot.pk)
        if local.date() == first_day and local.hour < 12:
            morning.setdefault(slot.venue_id, []).append(slot.pk)
    residents = [
        {
            "number": person.reservation_no,
            "birth": person.birth_date,
            "preferred": rng.choice(morning[person.venue_id])
            if n % 2 == 0
            else rng.choice(every[person.venue_id]),
            "address": f"10.{n // 62500}.{n // 250 % 250}.{n % 250 + 1}",
        }
        for n, person in enumerate(people)
    ]
    rng.shuffle(residents)
    demand = Counter(person.venue_id for person in people)
    seats = Counter(slot.venue_id for slot in slots)
    # Seats are per venue: a resident books only at its own, so min(demand, seats) per venue.
    expected = sum(min(demand[v], seats[v] * SEATS_PER_SLOT) for v in seats)
    return {"municipality": municipality, "residents": residents, "expected_booked": expected}


# --- A resident ------------------------------------------------------------------------------


class Browser:
    """One resident's HTTP client: cookies kept by hand, the headers nginx adds in front."""

    def __init__(self, port: int, address: str, stats: Stats):
        self.port, self.address, self.stats = port, address, stats
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {
            "X-Forwarded-Proto": "https",
            "X-Real-IP": self.address,
            "Origin": f"https://127.0.0.1:{self.port}",
            "Referer": f"https://127.0.0.1:{self.port}{path}",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for header in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        self.stats.count(response.status)
        return response.status, response.getheader("Location", ""), text


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.book_ms: list[float] = []
        self.errors_5xx = 0
        self.statuses: dict[int, int] = {}
        self.outcomes: dict[str, int] = {}

    def count(self, status: int) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status >= 500:
                self.errors_5xx += 1

    def timed(self, ms: float) -> None:
        with self.lock:
            self.book_ms.append(ms)

    def outcome(self, name: str) -> None:
        with self.lock:
            self.outcomes[name] = self.outcomes.get(name, 0) + 1


def solve(html: str) -> str:
    from civicdesk.cards.public import altcha

    challenge = {key: unescape(value) for key, value in _CHALLENGE.findall(html)}
    challenge["maxnumber"] = int(challenge["maxnumber"])
    return altcha.payload(challenge, altcha.solve(challenge))


def free_slots(html: str) -> list[int]:
    return [int(pk) for pk, disabled in _SLOT.findall(html) if not disabled]


def resident(port: int, person: dict, start_at: float, stats: Stats) -> None:
    time.sleep(max(0.0, start_at - time.monotonic()))
    browser = Browser(port, person["address"], stats)
    try:
        _, _, page = browser.request("GET", "/yoyaku/")
        birth = person["birth"]
        status, location, _ = browser.request(
            "POST",
            "/yoyaku/",
            {
                "csrfmiddlewaretoken": _CSRF.search(page)[1],
                "reservation_no": person["number"],
                "birth_year": birth.year,
                "birth_month": birth.month,
                "birth_day": birth.day,
                "altcha": solve(page),
            },
        )
        if status != 302 or not location.endswith("/yoyaku/menu/"):
            stats.outcome(f"sign_in_{status}")
            return
        _, _, page = browser.request("GET", "/yoyaku/slots/")
        rng = random.Random(person["number"])
        offered = free_slots(page)
        choice = person["preferred"] if person["preferred"] in offered else None
        for _ in range(MAX_TRIES):
            if choice is None:
                if not offered:
                    stats.outcome("no_free_slot")
                    return
                choice = rng.choice(offered)
            token = _CSRF.search(page)[1]
            began = time.perf_counter()
            status, location, page = browser.request(
                "POST", "/yoyaku/book/", {"csrfmiddlewaretoken": token, "slot": choice}
            )
            stats.timed((time.perf_counter() - began) * 1000)
            if status == 302:
                stats.outcome("booked")
                return
            if status != 400:
                stats.outcome(f"book_{status}")
                return
            offered = [pk for pk in free_slots(page) if pk != choice]  # the refused page's list
            choice = None
        stats.outcome("gave_up")
    except Exception as error:  # a dropped connection counts; the run goes on
        stats.outcome(f"client_error:{type(error).__name__}")


# --- Running ------------------------------------------------------------------------------------


def start_public_gunicorn(var_dir: Path, port: int, log):
    import subprocess

    from tests.load.run import GUNICORN_WORKERS, server_env

    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "civicdesk.public_wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(GUNICORN_WORKERS),
        "--worker-class",
        "sync",
        "--timeout",
        "60",
    ]
    env = dict(server_env(var_dir), CIVICDESK_PUBLIC_ALTCHA_MAX_NUMBER=str(ALTCHA_MAX_NUMBER))
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def counted(municipality) -> dict:
    from django.db.models import Count, F, Q, Sum

    from civicdesk.cards.models import Reservation, Slot

    slots = Slot.objects.filter(venue__municipality=municipality).annotate(
        active=Count(
            "reservations", filter=Q(reservations__status="booked", reservations__channel="web")
        )
    )
    overbooked = slots.filter(Q(active__gt=F("capacity_web")) | Q(booked_web__gt=F("capacity_web")))
    mismatched = slots.exclude(active=F("booked_web"))
    active = Reservation.objects.filter(status="booked", target__municipality=municipality)
    double = active.values("target").annotate(n=Count("pk")).filter(n__gt=1)
    return {
        "overbooked": overbooked.count(),
        "double_booked": double.count(),
        "booked": active.count(),
        "seats": slots.aggregate(total=Sum("capacity_web"))["total"] or 0,
        "seat_counter_mismatches": mismatched.count(),
    }


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _percentile(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return round(ordered[index], 2)


def bench_cards_reservation_burst(tmp: Path) -> dict:
    from tests.bench.counter import _analyze
    from tests.load.run import GUNICORN_WORKERS, free_port, stop, wait_until_up

    world = build_world()
    _analyze()
    port = free_port()
    stats = Stats()
    load_before = round(os.getloadavg()[0], 2)
    server_cpu_before = _cpu(resource.RUSAGE_CHILDREN)
    client_cpu_before = _cpu(resource.RUSAGE_SELF)
    with open(tmp / "gunicorn-cards.log", "w") as log:
        server = start_public_gunicorn(tmp, port, log)
        try:
            wait_until_up(f"http://127.0.0.1:{port}/yoyaku/", server)
            began = time.monotonic()
            rng = random.Random(60)
            starts = sorted(began + rng.uniform(0, ARRIVAL_SECONDS) for _ in world["residents"])
            with ThreadPoolExecutor(max_workers=CLIENT_THREADS) as pool:
                for person, start_at in zip(world["residents"], starts, strict=True):
                    pool.submit(resident, port, person, start_at, stats)
            seconds = time.monotonic() - began
        finally:
            stop(server)
    # gunicorn's workers are reaped by its master, the master by us: their CPU time is ours now.
    server_cpu = _cpu(resource.RUSAGE_CHILDREN) - server_cpu_before
    client_cpu = _cpu(resource.RUSAGE_SELF) - client_cpu_before
    figures = counted(world["municipality"])
    log_text = (tmp / "gunicorn-cards.log").read_text(errors="replace")
    return {
        **figures,
        "demand": RESIDENTS,
        "expected_booked": world["expected_booked"],
        "p50_ms": _percentile(stats.book_ms, 50),
        "p95_ms": _percentile(stats.book_ms, 95),
        "p99_ms": _percentile(stats.book_ms, 99),
        "booking_posts": len(stats.book_ms),
        "errors_5xx": stats.errors_5xx,
        "seconds": round(seconds, 1),
        "outcomes": dict(sorted(stats.outcomes.items())),
        "statuses": {str(k): v for k, v in sorted(stats.statuses.items())},
        "server": f"gunicorn civicdesk.public_wsgi, {GUNICORN_WORKERS} sync workers, production",
        "altcha_max_number": ALTCHA_MAX_NUMBER,
        "load_average_before": load_before,
        "server_cpu_seconds": round(server_cpu, 1),
        "client_cpu_seconds": round(client_cpu, 1),
        "server_tracebacks": log_text.count("Traceback"),
        "server_errors": sorted(set(_EXCEPTION.findall(log_text))),
    }


def missed(figures: dict, vendor: str) -> list[str]:
    out = [
        f"{key} = {figures[key]}"
        for key in ("overbooked", "double_booked", "errors_5xx", "seat_counter_mismatches")
        if figures[key]
    ]
    if figures["booked"] != figures["expected_booked"]:
        out.append(f"booked = {figures['booked']} != {figures['expected_booked']}")
    if vendor == "postgresql" and figures["p95_ms"] > TARGET["p95_ms"]:
        out.append(f"p95_ms = {figures['p95_ms']} > {TARGET['p95_ms']}")
    return out


def merge_flat(out: Path, results: dict) -> None:
    merged = json.loads(out.read_text()) if out.exists() else {}
    merged.update(results)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n")


def main() -> int:
    from tests.bench.run import setup_django

    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, help="merge the figures into this results file")
    args = parser.parse_args()
    os.environ.setdefault("CIVICDESK_DEBUG", "false")
    with tempfile.TemporaryDirectory(prefix="civicdesk-bench-") as tmp:
        setup_django(Path(tmp))
        from django.db import connection

        vendor = connection.vendor
        figures = {**bench_cards_reservation_burst(Path(tmp)), "targets": TARGET}
    # The figures sit directly under cards_reservation_burst (make bench runs it on
    # PostgreSQL, the production database), with the database named beside them.
    results = {"cards_reservation_burst": {"database": vendor, **figures}}
    if args.out:
        merge_flat(args.out.resolve(), results)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    problems = missed(figures, vendor)
    for line in problems:
        print(f"target missed: {line}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
