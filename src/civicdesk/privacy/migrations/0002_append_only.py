"""The access log refuses changes in the database itself, and gets its chain head.

PostgreSQL (production) refuses UPDATE and DELETE of single rows. SQLite refuses UPDATE only:
Django's test flush empties tables with DELETE there (PostgreSQL uses TRUNCATE), and a
deleted entry is caught by verify-log anyway.
"""

from django.db import migrations

TABLE = "privacy_accesslogentry"

SQLITE_FORWARD = [
    f"""CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'access log is append-only'); END;""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update;",
]
POSTGRES_FORWARD = [
    """CREATE FUNCTION privacy_access_log_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'access log is append-only'; END;
        $$ LANGUAGE plpgsql;""",
    f"""CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION privacy_access_log_append_only();""",
]
POSTGRES_REVERSE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};",
    "DROP FUNCTION IF EXISTS privacy_access_log_append_only();",
]


def add_triggers(apps, schema_editor):
    statements = POSTGRES_FORWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    for statement in statements:
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for statement in statements:
        schema_editor.execute(statement)


def create_head(apps, schema_editor):
    apps.get_model("privacy", "ChainHead").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [
        migrations.RunPython(add_triggers, drop_triggers),
        migrations.RunPython(create_head, migrations.RunPython.noop),
    ]
