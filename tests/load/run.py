"""``make load``: simulated operators against PostgreSQL and gunicorn (issue 8 §9).

    python scripts/with_postgres.py -- python -m tests.load.run --out bench/results.json \
        [--users 60 --minutes 5]

1. migrate the database DATABASE_URL names (a throwaway cluster under with_postgres.py) and seed
   it in bulk (tests/load/seed.py): a municipality whose calls calendar is always open, four
   teams, the operators with TOTP devices whose keys this script keeps, a call campaign per team
   with more open work items than the operators can take in the run;
2. start gunicorn on a free loopback port with production settings (CIVICDESK_ENV=production:
   DEBUG off, every middleware, secure cookies, SSL redirect; the load client sends what nginx
   adds). Static files are not requested: nginx serves them in production;
3. run locust headless (tests/load/locustfile.py), spawning the users over SPAWN_SECONDS; the
   run lasts ``--minutes`` in all, spawning included; each operator talks ``--think`` seconds
   per case (default 20–40, the locustfile says why);
4. stop gunicorn, read locust's CSV statistics and merge ``load_operators`` into the results
   file (other keys are kept). Exit 1 if any request failed, printing the failures.

Besides locust's figures the key holds the server's CPU time (gunicorn's master and workers,
reaped by this process: ``server_cpu_ms_per_request``, worker start-up and the sign-ins'
Argon2 included, so short runs overstate it) and the
machine's load average when the run started: other work on the machine only adds latency, and
these two tell a slow server from a busy machine.

gunicorn: GUNICORN_WORKERS sync workers. On 2 cores, processes rather than threads (Django
rendering holds the GIL); two per core so that one computes while the other waits on
PostgreSQL. Sync workers are what gunicorn recommends behind a buffering proxy (nginx).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

DEFAULT_USERS = 60
DEFAULT_MINUTES = 5.0
SPAWN_SECONDS = 30
GUNICORN_WORKERS = 4
START_TIMEOUT_SECONDS = 60
KEY = "load_operators"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def setup_django(var_dir: Path) -> None:
    os.environ["CIVICDESK_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "civicdesk.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def server_env(var_dir: Path) -> dict[str, str]:
    """Production settings, as docs/operations.md deploys them (behind nginx)."""
    return dict(
        os.environ,
        CIVICDESK_ENV="production",
        CIVICDESK_DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        CIVICDESK_VAR_DIR=str(var_dir),
        CIVICDESK_LOG_LEVEL="WARNING",
    )


def start_gunicorn(var_dir: Path, port: int, log) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "civicdesk.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(GUNICORN_WORKERS),
        "--worker-class",
        "sync",
        "--timeout",
        "60",
    ]
    return subprocess.Popen(command, env=server_env(var_dir), stdout=log, stderr=subprocess.STDOUT)


def wait_until_up(url: str, server: subprocess.Popen) -> None:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn が終了しました（終了コード {server.returncode}）")
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn が {START_TIMEOUT_SECONDS} 秒以内に応答しませんでした")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def run_locust(
    host: str, users: int, minutes: float, think: str, accounts: Path, prefix: Path
) -> int:
    locustfile = Path(__file__).with_name("locustfile.py")
    command = [
        str(Path(sys.executable).with_name("locust")),
        "-f",
        str(locustfile),
        "--headless",
        "--host",
        host,
        "--users",
        str(users),
        "--spawn-rate",
        str(max(users / SPAWN_SECONDS, 0.1)),
        "--run-time",
        f"{round(minutes * 60)}s",
        "--stop-timeout",
        "10",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = dict(os.environ, CIVICDESK_LOAD_ACCOUNTS=str(accounts), CIVICDESK_LOAD_THINK=think)
    return subprocess.run(command, env=env).returncode


# --- Reading locust's CSV files (tests/load/test_locustfile.py) --------------------------------


def _number(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None  # locust writes "N/A" for a percentile of no requests


def read_stats(stats_csv: Path) -> dict:
    """Overall figures (locust's Aggregated row) and the 95th percentile per endpoint."""
    with open(stats_csv, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    endpoints = {}
    overall = None
    for row in rows:
        if row["Name"] == "Aggregated":
            overall = row
            continue
        endpoints[f"{row['Type']} {row['Name']}"] = {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "p50_ms": _number(row["50%"]),
            "p95_ms": _number(row["95%"]),
        }
    if overall is None:
        raise ValueError(f"{stats_csv}: Aggregated の行がありません")
    return {
        "requests": int(overall["Request Count"]),
        "failures": int(overall["Failure Count"]),
        "p50_ms": _number(overall["50%"]),
        "p95_ms": _number(overall["95%"]),
        "p99_ms": _number(overall["99%"]),
        "max_ms": _number(overall["Max Response Time"]),
        "requests_per_second": round(_number(overall["Requests/s"]) or 0.0, 1),
        "endpoints": endpoints,
    }


def read_failures(failures_csv: Path) -> list[dict]:
    if not failures_csv.exists():
        return []
    with open(failures_csv, encoding="utf-8", newline="") as handle:
        return [
            {
                "request": f"{row['Method']} {row['Name']}",
                "reason": row["Error"],
                "count": int(row["Occurrences"]),
            }
            for row in csv.DictReader(handle)
        ]


def merge_results(out: Path, figures: dict) -> dict:
    """Write ``figures`` under KEY, keeping every other key of the file."""
    merged = json.loads(out.read_text()) if out.exists() else {}
    merged[KEY] = figures
    merged["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n")
    return merged


# --- main -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("bench/results.json"))
    parser.add_argument("--users", type=int, default=DEFAULT_USERS)
    parser.add_argument("--minutes", type=float, default=DEFAULT_MINUTES)
    parser.add_argument(
        "--think", default="", help="seconds an operator talks per case, MIN-MAX (default 20-40)"
    )
    args = parser.parse_args()
    out = args.out.resolve()
    from tests.load.locustfile import think_range

    think_range(args.think)  # a bad value stops here, before the seed
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("DATABASE_URL が PostgreSQL ではありません（scripts/with_postgres.py -- で実行）")
        return 2
    with tempfile.TemporaryDirectory(prefix="civicdesk-load-") as tmp_name:
        tmp = Path(tmp_name)
        figures, failures = _run(tmp, args.users, args.minutes, args.think)
    figures = {"users": args.users, "minutes": args.minutes, **figures}
    merge_results(out, figures)
    print(json.dumps({KEY: figures}, ensure_ascii=False, indent=2))
    if figures["failures"]:
        print(f"==> 失敗 {figures['failures']} 件:", file=sys.stderr)
        for failure in failures:
            print(
                f"  {failure['count']:>5} × {failure['request']}: {failure['reason']}",
                file=sys.stderr,
            )
        return 1
    return 0


def _run(tmp: Path, users: int, minutes: float, think: str) -> tuple[dict, list[dict]]:
    from tests.load.locustfile import think_range
    from tests.load.seed import TEAMS, accounts_json, items_per_team, seed

    started = time.perf_counter()
    setup_django(tmp)
    accounts = seed(users=users, minutes=minutes)
    accounts_file = tmp / "accounts.json"
    accounts_file.write_text(json.dumps(accounts_json(accounts)))
    seed_seconds = round(time.perf_counter() - started, 1)
    items = items_per_team(users, minutes) * len(TEAMS)
    print(f"==> シード: {users} 人・{items} 件（{seed_seconds} 秒）")
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    # Other work on the machine shows as load before the run starts (figures are then noisy).
    load_before = round(os.getloadavg()[0], 2)
    before = _children_cpu()
    with open(tmp / "gunicorn.log", "w") as log:
        server = start_gunicorn(tmp, port, log)
        try:
            wait_until_up(f"{host}/healthz", server)
            print(f"==> gunicorn {host}（{GUNICORN_WORKERS} ワーカー）: {users} 人・{minutes} 分")
            run_locust(host, users, minutes, think, accounts_file, tmp / "locust")
            locust_cpu = _children_cpu() - before
        finally:
            stop(server)
    # gunicorn's workers are reaped by its master, the master by us: their CPU time is ours now.
    server_cpu = _children_cpu() - before - locust_cpu
    errors = (tmp / "gunicorn.log").read_text(errors="replace")
    if "Traceback" in errors:
        print(errors[-4000:], file=sys.stderr)
    figures = read_stats(tmp / "locust_stats.csv")
    figures.update(
        {
            "seed_seconds": seed_seconds,
            "gunicorn_workers": GUNICORN_WORKERS,
            "think_seconds": list(think_range(think)),
            "server_cpu_seconds": round(server_cpu, 1),
            "server_cpu_ms_per_request": round(1000 * server_cpu / max(figures["requests"], 1), 1),
            "locust_cpu_seconds": round(locust_cpu, 1),
            "load_average_before": load_before,
            "work_items_left": _items_left(),
        }
    )
    return figures, read_failures(tmp / "locust_failures.csv")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _items_left() -> int:
    from civicdesk.dunning.models import WorkItem

    return WorkItem.objects.filter(status="open", attempts=0).count()


if __name__ == "__main__":
    sys.exit(main())
