"""Counter benches (issue 17, Speed): issuing, calling and the call displays, on a fresh
database. PostgreSQL is what counts; on SQLite (one writer at a time) the figures are
informative only.

``counter_tickets``: ISSUERS processes (reception terminals, each its own connection) issue
TICKETS tickets through ``issue_ticket`` (counter hours checked) into four queues of one day;
every call is timed. Then: per queue the numbers are exactly 1…n (0 duplicates, 0 gaps).
Target p95 ≤ 30 ms.

``counter_call_next``: CALLERS counters, each a process, serve three shared queues in
different orders: 次の方 → 完了 until CALL_TICKETS tickets are done; every ``call_next`` is
timed. Then: every ticket was called exactly once. Target p95 ≤ 30 ms.

Both run twice: ``paced`` carries the target — a pause of THINK_MS between two actions of one
terminal (as the queue_claim bench does: people take seconds or minutes between taps; the pause
compresses that tenfold and more and still offers 40–50 actions a second) — and ``saturated``
(no pause: every process back to back, latency is queueing for the two cores) shows the
ceiling.

``counter_display``: DISPLAYS screens (threads, one HTTP connection per poll) poll the display
state once a second from gunicorn (tests/load/run.py's: 4 sync workers, production settings,
the header nginx adds), If-None-Match → 304, while DISPLAY_CALLS calls are made CALL_INTERVAL
apart (far busier than 15 counters serving people); every poll is timed at the client, and for
every call and every screen the time from the call's commit to the first poll that shows it.
Targets: poll p95 ≤ 20 ms, visible p95 ≤ 2.5 s.

    env -u DATABASE_URL .venv/bin/python -m tests.bench.counter --out bench/results.json
    .venv/bin/python scripts/with_postgres.py -- \
        .venv/bin/python -m tests.bench.counter --out bench/results.json

Figures merge into the results file under each bench's key and the database vendor (as
tests/bench/run.py does); the exit status is 1 when a target is missed (the timings on
PostgreSQL; duplicates, gaps, double calls and missed calls on either database).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")
TICKETS = 5000
ISSUERS = 20
CALLERS = 15
CALL_TICKETS = 3000
DISPLAYS = 30
DISPLAY_CALLS = 20
CALL_INTERVAL = 1.5
POLL_SECONDS = 1.0
THINK_MS = (200, 600)
# A Wednesday: the demo counter calendar is open 8:30–17:15.
DAY = date(2025, 6, 11)
MOMENT = datetime(2025, 6, 11, 10, 0, tzinfo=TOKYO)
TARGETS = {
    "counter_tickets": {"p95_ms": 30.0},
    "counter_call_next": {"p95_ms": 30.0},
    "counter_display": {"poll_p95_ms": 20.0, "visible_p95_seconds": 2.5},
}


# --- Shared -----------------------------------------------------------------------------------


def _percentile(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return round(ordered[index], 2)


def _processes(count: int, work) -> list:
    """``work(n)`` in ``count`` forked processes started together; their results in order of
    finishing. Each child closes its connections; the parent's are closed before the fork."""
    import multiprocessing

    from django.db import connections

    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(count)
    results = context.Queue()

    def child(n: int) -> None:
        value, error = None, ""
        try:
            barrier.wait()
            value = work(n)
        except BaseException as exc:
            error = repr(exc)
        finally:
            connections.close_all()
            results.put((value, error))

    connections.close_all()
    processes = [context.Process(target=child, args=(n,)) for n in range(count)]
    for process in processes:
        process.start()
    gathered = [results.get() for _ in processes]
    for process in processes:
        process.join()
    errors = [error for _, error in gathered if error]
    assert not errors, errors[:3]
    return [value for value, _ in gathered]


def _world():
    from civicdesk.accounts.models import User
    from civicdesk.core.models import Municipality
    from civicdesk.core.services import setup_demo_calendars

    municipality, _ = Municipality.objects.get_or_create(
        code="999017", defaults={"name": "ベンチ窓口市"}
    )
    setup_demo_calendars(acting_user=None, municipality=municipality)
    users = {
        role: User.objects.create_user(
            username=f"bench-counter-{role}",
            password=None,  # unusable: these accounts never sign in
            role=role,
            municipality=municipality,
        )
        for role in ("reception", "counter_clerk", "supervisor")
    }
    return municipality, users


def _queues(municipality, codes: str):
    from civicdesk.counter.models import Queue

    return [
        Queue.objects.create(
            municipality=municipality, code=code, name=f"ベンチ{code}", number_to=9999, position=n
        )
        for n, code in enumerate(codes)
    ]


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:  # statistics, as autovacuum keeps them in production
        cursor.execute("ANALYZE")


# --- counter_tickets ------------------------------------------------------------------------


def bench_counter_tickets(municipality, users) -> dict:
    from civicdesk.counter.models import Ticket

    runs = {}
    for name, think, codes in (("paced", True, "ABCD"), ("saturated", False, "JKLM")):
        queues = _queues(municipality, codes)
        _analyze()
        runs[name] = _issue_run(queues, users["reception"], think)
        numbers = {
            q.code: sorted(Ticket.objects.filter(queue=q).values_list("number", flat=True))
            for q in queues
        }
        issued = sum(len(n) for n in numbers.values())
        runs[name]["duplicates"] = sum(len(n) - len(set(n)) for n in numbers.values())
        runs[name]["gaps"] = sum((max(n) if n else 0) - len(set(n)) for n in numbers.values())
        runs[name]["tickets"] = issued
        assert issued == TICKETS, issued
    return _with_target({"issuers": ISSUERS, "tickets": TICKETS, "think_ms": list(THINK_MS)}, runs)


def _issue_run(queues, user, think: bool) -> dict:
    from civicdesk.counter.services.tickets import issue_ticket

    per_issuer = TICKETS // ISSUERS

    def issuer(n: int) -> list[float]:
        pause = random.Random(n)
        times = []
        for i in range(per_issuer):
            start = time.perf_counter()
            issue_ticket(acting_user=user, queue=queues[(n + i) % len(queues)], at=MOMENT)
            times.append((time.perf_counter() - start) * 1000)
            if think:
                time.sleep(pause.uniform(*THINK_MS) / 1000)
        return times

    start = time.perf_counter()
    times = [ms for result in _processes(ISSUERS, issuer) for ms in result]
    seconds = time.perf_counter() - start
    return {
        **_latencies(times),
        "seconds": round(seconds, 2),
        "per_second": round(len(times) / seconds, 1),
    }


def _latencies(times_ms: list[float]) -> dict:
    return {
        "p50_ms": _percentile(times_ms, 50),
        "p95_ms": _percentile(times_ms, 95),
        "p99_ms": _percentile(times_ms, 99),
        "max_ms": round(max(times_ms), 2) if times_ms else 0.0,
    }


def _with_target(head: dict, runs: dict) -> dict:
    """The paced run's latencies at the top (what the target reads), the correctness counts
    of both runs added up, and both runs in full below."""
    top = {k: runs["paced"][k] for k in ("p50_ms", "p95_ms", "p99_ms")}
    counts = {
        k: sum(run[k] for run in runs.values())
        for k in ("duplicates", "gaps", "called_twice")
        if k in runs["paced"]
    }
    return {**head, **top, **counts, **runs}


# --- counter_call_next ------------------------------------------------------------------------


def bench_counter_call_next(municipality, users) -> dict:
    runs = {}
    for name, think, codes in (("paced", True, "EFG"), ("saturated", False, "NPQ")):
        queues = _queues(municipality, codes)
        counters = _counters(municipality, queues, prefix=name[0])
        _fill_tickets(queues, CALL_TICKETS)
        _analyze()
        runs[name] = _call_run(counters, queues, users["counter_clerk"], think)
    return _with_target(
        {"counters": CALLERS, "tickets": CALL_TICKETS, "think_ms": list(THINK_MS)}, runs
    )


def _counters(municipality, queues, *, prefix: str):
    from civicdesk.counter.models import Counter as Window
    from civicdesk.counter.models import CounterQueue

    counters = []
    for n in range(CALLERS):
        window = Window.objects.create(
            municipality=municipality, code=f"{prefix}{n + 1}", name=f"{prefix}{n + 1}番窓口"
        )
        order = queues[n % len(queues) :] + queues[: n % len(queues)]
        CounterQueue.objects.bulk_create(
            CounterQueue(counter=window, queue=q, position=p) for p, q in enumerate(order, 1)
        )
        counters.append(window)
    return counters


def _fill_tickets(queues, count: int) -> None:
    """Waiting tickets as issue_ticket leaves them (ticket, ISSUED event, the day's sequence),
    written in bulk: the bench is about calling them."""
    from django.db import transaction

    from civicdesk.counter.models import Ticket, TicketEvent, TicketSequence

    per_queue = {q.pk: 0 for q in queues}
    rows = []
    for n in range(count):
        queue = queues[n % len(queues)]
        per_queue[queue.pk] += 1
        rows.append(
            Ticket(
                queue=queue,
                waiting_in=queue,
                day=DAY,
                number=per_queue[queue.pk],
                issued_at=MOMENT,
                status="waiting",
                changed_at=MOMENT,
            )
        )
    with transaction.atomic():
        made = Ticket.objects.bulk_create(rows, batch_size=1000)
        TicketEvent.objects.bulk_create(
            (TicketEvent(ticket=t, kind="issued", at=MOMENT) for t in made), batch_size=1000
        )
        TicketSequence.objects.bulk_create(
            TicketSequence(queue_id=pk, day=DAY, last_number=n) for pk, n in per_queue.items()
        )


def _call_run(counters, queues, user, think: bool) -> dict:
    from civicdesk.counter.models import TicketEvent
    from civicdesk.counter.services.tickets import call_next, finish

    def counter_desk(n: int) -> tuple[list[int], list[float]]:
        pause = random.Random(n)
        called, times = [], []
        while True:
            start = time.perf_counter()
            ticket = call_next(acting_user=user, counter=counters[n], at=MOMENT)
            elapsed = (time.perf_counter() - start) * 1000
            if ticket is None:
                return called, times
            times.append(elapsed)
            called.append(ticket.pk)
            if think:
                time.sleep(pause.uniform(*THINK_MS) / 1000)
            finish(acting_user=user, ticket=ticket, at=MOMENT)

    start = time.perf_counter()
    results = _processes(CALLERS, counter_desk)
    seconds = time.perf_counter() - start
    called = [pk for pks, _ in results for pk in pks]
    times = [ms for _, ms_list in results for ms in ms_list]
    events = Counter(
        TicketEvent.objects.filter(kind="called", ticket__queue__in=queues).values_list(
            "ticket_id", flat=True
        )
    )
    twice = sum(n - 1 for n in Counter(called).values() if n > 1)
    twice += sum(n - 1 for n in events.values() if n > 1)
    assert len(set(called)) == CALL_TICKETS, len(set(called))
    return {
        **_latencies(times),
        "called": len(called),
        "called_twice": twice,
        "seconds": round(seconds, 2),
        "per_second": round(len(called) / seconds, 1),
    }


# --- counter_display --------------------------------------------------------------------------


def bench_counter_display(municipality, users, tmp: Path) -> dict:
    import threading

    from django.urls import reverse

    from civicdesk.counter.models import Counter as Window
    from civicdesk.counter.models import CounterQueue, TicketEvent
    from civicdesk.counter.services.displays import register_display
    from civicdesk.counter.services.tickets import call_next, finish, issue_ticket
    from tests.load.run import GUNICORN_WORKERS, free_port, start_gunicorn, stop, wait_until_up

    (queue,) = _queues(municipality, "H")
    window = Window.objects.create(municipality=municipality, code="h1", name="ベンチ1番窓口")
    CounterQueue.objects.create(counter=window, queue=queue, position=1)
    clerk = users["counter_clerk"]
    for _ in range(DISPLAY_CALLS):
        issue_ticket(acting_user=None, queue=queue, check_hours=False)
    paths = [
        reverse(
            "counter:display_state",
            kwargs={
                "key": register_display(
                    acting_user=users["supervisor"],
                    municipality=municipality,
                    name=f"ベンチ画面{n}",
                    kind="waiting_room",
                )[1]
            },
        )
        for n in range(DISPLAYS)
    ]
    _analyze()
    port = free_port()
    load_before = round(os.getloadavg()[0], 2)
    stop_polling = threading.Event()
    screens: list[dict] = [{} for _ in paths]
    threads = [
        threading.Thread(
            target=_poll, args=(port, path, stop_polling, random.Random(n), screens[n])
        )
        for n, path in enumerate(paths)
    ]
    calls: dict[int, float] = {}
    with open(tmp / "gunicorn-display.log", "w") as log:
        server = start_gunicorn(tmp, port, log)
        try:
            wait_until_up(f"http://127.0.0.1:{port}/healthz", server)
            for thread in threads:
                thread.start()
            time.sleep(2 * POLL_SECONDS)  # every screen has its first state
            for _ in range(DISPLAY_CALLS):
                ticket = call_next(acting_user=clerk, counter=window)
                event = TicketEvent.objects.filter(ticket=ticket, kind="called").get()
                calls[event.pk] = time.time()
                time.sleep(CALL_INTERVAL)
                finish(acting_user=clerk, ticket=ticket)
            time.sleep(2 * POLL_SECONDS)
        finally:
            stop_polling.set()
            for thread in threads:
                thread.join()
            stop(server)
    polls = [ms for screen in screens for ms in screen["times"]]
    visible = [
        screen["seen"][event] - at
        for screen in screens
        for event, at in calls.items()
        if event in screen["seen"]
    ]
    return {
        "displays": DISPLAYS,
        "calls": DISPLAY_CALLS,
        "call_interval_seconds": CALL_INTERVAL,
        "poll_seconds": POLL_SECONDS,
        "server": f"gunicorn, {GUNICORN_WORKERS} sync workers, production settings",
        "load_average_before": load_before,
        "polls": len(polls),
        "not_modified": sum(screen["not_modified"] for screen in screens),
        "poll_p50_ms": _percentile(polls, 50),
        "poll_p95_ms": _percentile(polls, 95),
        "poll_p99_ms": _percentile(polls, 99),
        "visible_p50_seconds": _percentile(visible, 50),
        "visible_p95_seconds": _percentile(visible, 95),
        "visible_max_seconds": round(max(visible), 2) if visible else None,
        "missed": sum(1 for screen in screens for event in calls if event not in screen["seen"]),
        "errors": sum(screen["errors"] for screen in screens),
    }


def _poll(port: int, path: str, stop_polling, rng: random.Random, out: dict) -> None:
    """One screen, as counter-display.js polls: once a second (from a random start, as screens
    switched on at different moments), If-None-Match with the last ETag, and the header nginx
    adds in front of the production server. Timed from the request to the last byte read."""
    import http.client

    etag, times, seen = "", [], {}
    not_modified = errors = 0
    time.sleep(rng.uniform(0, POLL_SECONDS))
    while not stop_polling.is_set():
        began = time.time()
        headers = {"X-Forwarded-Proto": "https", **({"If-None-Match": etag} if etag else {})}
        start = time.perf_counter()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            connection.close()
        except OSError:
            errors += 1
            continue
        times.append((time.perf_counter() - start) * 1000)
        if response.status == 304:
            not_modified += 1
        elif response.status == 200:
            etag = response.getheader("ETag", "")
            for call in json.loads(body)["calls"]:
                seen.setdefault(call["event"], time.time())
        else:
            errors += 1
        time.sleep(max(0.0, POLL_SECONDS - (time.time() - began)))
    out.update(times=times, seen=seen, not_modified=not_modified, errors=errors)


# --- Running ----------------------------------------------------------------------------------


def missed_targets(results: dict, vendor: str) -> list[str]:
    """The timing targets hold on PostgreSQL (the production database); correctness (no
    duplicate, gap, double call or missed call) holds on both."""
    missed = []
    for name, limits in TARGETS.items():
        figures = results.get(name)
        if figures is None:
            continue
        for key, limit in limits.items():
            if vendor == "postgresql" and figures[key] > limit:
                missed.append(f"{name}.{key} = {figures[key]} > {limit}")
        for key in ("duplicates", "gaps", "called_twice", "missed", "errors"):
            if figures.get(key):
                missed.append(f"{name}.{key} = {figures[key]}")
    return missed


def merge_into(out: Path, results: dict, vendor: str) -> None:
    """{"counter_tickets": {"postgresql": {...}, "sqlite": {...}}, …}: each database's run
    kept by the other's."""
    merged = json.loads(out.read_text()) if out.exists() else {}
    for key, figures in results.items():
        merged.setdefault(key, {})[vendor] = figures
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n")


def main() -> int:
    from tests.bench.run import setup_django

    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, help="merge the figures into this results file")
    parser.add_argument("--only", choices=sorted(TARGETS), help="run this bench only")
    args = parser.parse_args()
    # Measured as served in production: no query log kept per request.
    os.environ.setdefault("CIVICDESK_DEBUG", "false")
    with tempfile.TemporaryDirectory(prefix="civicdesk-bench-") as tmp:
        setup_django(Path(tmp))
        from django.db import connection

        vendor = connection.vendor
        municipality, users = _world()
        benches = {
            "counter_tickets": bench_counter_tickets,
            "counter_call_next": bench_counter_call_next,
            "counter_display": lambda m, u: bench_counter_display(m, u, Path(tmp)),
        }
        results = {}
        for name, bench in benches.items():
            if args.only in (None, name):
                results[name] = {**bench(municipality, users), "targets": TARGETS[name]}
                print(f"{name}: done", file=sys.stderr)
    if args.out:
        merge_into(args.out.resolve(), results, vendor)
    print(
        json.dumps(
            {key: {vendor: value} for key, value in results.items()}, ensure_ascii=False, indent=2
        )
    )
    missed = missed_targets(results, vendor)
    for line in missed:
        print(f"target missed: {line}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
