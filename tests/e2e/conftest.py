"""Browser tests: Playwright for Python drives Debian's Chromium (never a downloaded build)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

from civicdesk.core.models.calendar import BusinessCalendar, WeeklyHours
from civicdesk.core.services import setup_demo_calendars
from tests.conftest import skip_or_fail

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("CIVICDESK_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(autouse=True)
def _orm_beside_playwright(monkeypatch):
    """Playwright's sync API keeps an event loop in the test thread; the tests' own ORM calls
    are plain synchronous ones, so Django's async guard is relaxed, for browser tests only."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    """One Chromium per test: Playwright's event loop must not outlive the browser tests."""
    path = chromium_path()
    if path is None:
        skip_or_fail("Chromium not found (apt-get install chromium); browser tests not run")

    args = [*CHROMIUM_ARGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=args)
        yield browser
        browser.close()
        # While Playwright's loop runs, Django keeps the test's own database connection in
        # a separate (async-context) slot that its teardown never sees; close it here, or
        # PostgreSQL refuses to drop the test database at the end of the run.
        connections.close_all()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1024, "height": 768}, locale="ja-JP"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def open_around_the_clock(municipality, service: str) -> None:
    """The live server runs on the real clock: open the service's demo calendar all day, every
    day (holidays and year end included), so a test does not depend on when it runs."""

    setup_demo_calendars(acting_user=None, municipality=municipality)
    calendar = BusinessCalendar.objects.get(municipality=municipality, service=service)
    calendar.closed_on_national_holidays = False
    calendar.year_end_closure = False
    calendar.save()
    calendar.weekly_hours.all().delete()
    calendar.nth_weekday_openings.all().delete()
    for weekday in range(7):
        WeeklyHours.objects.create(
            calendar=calendar, weekday=weekday, start=dt.time(0, 0), end=dt.time.max
        )
