"""Running work in real concurrent threads, each with its own database connection (the
PostgreSQL-only tests of row locks, SKIP LOCKED and conditional updates)."""

from __future__ import annotations

import threading

from django.db import connections


def run_threads(count: int, work) -> tuple[list, list[Exception]]:
    """``work(n)`` for n in range(count), all released at once by a barrier; the results and
    the exceptions raised, in the order they came."""
    results, errors = [], []
    barrier = threading.Barrier(count)
    lock = threading.Lock()

    def run(n):
        try:
            barrier.wait()
            value = work(n)
            with lock:
                results.append(value)
        except Exception as exc:  # reported by the test
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
