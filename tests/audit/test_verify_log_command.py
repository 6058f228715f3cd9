"""`civicdesk verify-log` as an operator runs it: real process, real exit codes."""

import shutil
import sqlite3

import pytest
from django.db import connection

from tests.test_env import run

RECORD = (
    "from civicdesk.accounts.models import User;"
    "from civicdesk.audit.services import record_access;"
    "u = User.objects.create_user(username='u', password='x' * 16, role='operator');"
    "[record_access(acting_user=u, action='view', obj=u, fields=['name']) for _ in range(3)]"
)


@pytest.fixture(scope="session")
def migrated_sqlite_file(django_db_setup, django_db_blocker, tmp_path_factory):
    """A migrated, empty SQLite file. The SQLite pass copies its own test database, migrated at
    the start of the run, before any test's transaction (a `civicdesk migrate` process takes
    ten seconds more); the PostgreSQL pass runs `civicdesk migrate` on a file."""
    folder = tmp_path_factory.mktemp("migrated")
    path = folder / "civicdesk.sqlite3"
    with django_db_blocker.unblock():
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(path)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        else:
            migrate = run(folder, "migrate", "-v", "0", DATABASE_URL=f"sqlite:///{path}")
            assert migrate.returncode == 0, migrate.stderr
    return path


@pytest.mark.django_db  # the test database is set up (and copied) even if this runs alone
def test_verify_log_exits_0_when_intact_and_1_naming_the_changed_entry(
    tmp_path, migrated_sqlite_file
):
    database = tmp_path / "log.sqlite3"
    shutil.copyfile(migrated_sqlite_file, database)
    url = f"sqlite:///{database}"
    assert run(tmp_path, "shell", "-c", RECORD, DATABASE_URL=url).returncode == 0

    intact = run(tmp_path, "verify-log", DATABASE_URL=url)
    assert (intact.returncode, intact.stdout.strip()) == (0, "OK 3 entries")

    with sqlite3.connect(database) as raw:
        raw.execute("DROP TRIGGER privacy_accesslogentry_no_update")
        raw.execute("UPDATE privacy_accesslogentry SET fields = '[]' WHERE seq = 2")
    broken = run(tmp_path, "verify-log", DATABASE_URL=url)
    assert broken.returncode == 1
    assert "entry 2" in broken.stderr and "Traceback" not in broken.stderr
