"""Settings of the test run: CivicDesk's own, plus a test-only app with personal data
(tests/personal_app) that purge and verification must reach through its declaration alone."""

import os
import tempfile
from pathlib import Path

from civicdesk.settings import *  # noqa: F403
from civicdesk.settings import DATABASES, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.personal_app"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not Django's shared in-memory database: the browser tests' live server then gives
    # each of its threads its own connection, and SQLite's lock (IMMEDIATE, with a timeout)
    # orders a page's polling against its session save instead of failing one of them with
    # "database table is locked". Durability is not wanted from a throwaway database.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"civicdesk-test-{os.getpid()}.sqlite3")
    }
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"]["OPTIONS"],
        "init_command": "PRAGMA synchronous = OFF; PRAGMA journal_mode = MEMORY;",
    }
