"""`civicdesk verify-log` as an operator runs it: real process, real exit codes."""

import sqlite3

from tests.test_env import run

RECORD = (
    "from civicdesk.accounts.models import User;"
    "from civicdesk.audit.services import record_access;"
    "u = User.objects.create_user(username='u', password='x' * 16, role='operator');"
    "[record_access(acting_user=u, action='view', obj=u, fields=['name']) for _ in range(3)]"
)


def test_verify_log_exits_0_when_intact_and_1_naming_the_changed_entry(tmp_path):
    database = tmp_path / "log.sqlite3"
    url = f"sqlite:///{database}"
    assert run(tmp_path, "migrate", "-v", "0", DATABASE_URL=url).returncode == 0
    assert run(tmp_path, "shell", "-c", RECORD, DATABASE_URL=url).returncode == 0

    intact = run(tmp_path, "verify-log", DATABASE_URL=url)
    assert (intact.returncode, intact.stdout.strip()) == (0, "OK 3 entries")

    with sqlite3.connect(database) as connection:
        connection.execute("DROP TRIGGER privacy_accesslogentry_no_update")
        connection.execute("UPDATE privacy_accesslogentry SET fields = '[]' WHERE seq = 2")
    broken = run(tmp_path, "verify-log", DATABASE_URL=url)
    assert broken.returncode == 1
    assert "entry 2" in broken.stderr and "Traceback" not in broken.stderr
