"""The access log is append-only and hash-chained; verify-log names the first broken entry."""

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from civicdesk.audit.chain import GENESIS_HASH, verify_chain
from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.audit.services import record_access
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(operator, staff):
    made = []
    for i in range(5):
        made.append(
            record_access(
                acting_user=operator if i % 2 else staff,
                action=AccessAction.VIEW,
                obj=operator,
                fields=["name", "address"],
                reason=f"確認 {i}",
            )
        )
    return made


def raw(sql, params=()):
    """Tamper as a database superuser would: switch the append-only trigger off first."""
    table = AccessLogEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(sql, params)
            cursor.execute("SET session_replication_role = origin")
        else:
            cursor.execute(f"DROP TRIGGER {table}_no_update")
            cursor.execute(sql, params)


def test_entries_link_each_to_the_previous_one(entries):
    assert entries[0].seq == 1 and entries[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(entries):
        assert after.seq == before.seq + 1
        assert after.prev_hash == before.chain_hash


def test_an_entry_records_who_what_which_fields_and_why(entries, operator):
    entry = AccessLogEntry.objects.get(seq=2)
    assert entry.actor == operator
    assert entry.object_type == "accounts.user" and entry.object_id == str(operator.pk)
    assert entry.fields == ["address", "name"]
    assert entry.reason == "確認 1"


def test_an_intact_chain_verifies(entries, capsys):
    assert verify_chain().ok
    call_command("verify-log")
    assert capsys.readouterr().out.strip() == "OK 5 entries"


def test_the_orm_refuses_to_change_or_delete_entries(entries):
    entry = entries[0]
    entry.reason = "書き換え"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AccessLogEntry.objects.filter(seq=1).update(reason="x")
    with pytest.raises(PermissionError):
        AccessLogEntry.objects.all().delete()


def test_the_database_refuses_to_change_entries(entries):

    table = AccessLogEntry._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET reason = 'x' WHERE seq = 1")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE seq = 1")


def test_a_changed_entry_is_named_by_verify_log(entries):
    raw(f"UPDATE {AccessLogEntry._meta.db_table} SET reason = %s WHERE seq = 3", ["改ざん"])
    with pytest.raises(CommandError) as failure:
        call_command("verify-log")
    assert failure.value.returncode == 1
    assert "entry 3" in str(failure.value)


def test_a_deleted_entry_is_named_by_verify_log(entries):
    raw(f"DELETE FROM {AccessLogEntry._meta.db_table} WHERE seq = 2")
    report = verify_chain()
    assert not report.ok and report.broken_seq == 2


def test_entries_removed_from_the_end_are_noticed(entries):
    raw(f"DELETE FROM {AccessLogEntry._meta.db_table} WHERE seq >= 4")
    report = verify_chain()
    assert not report.ok and report.broken_seq == 4


def test_a_rewritten_chain_link_is_noticed(entries):
    raw(f"UPDATE {AccessLogEntry._meta.db_table} SET prev_hash = %s WHERE seq = 4", ["f" * 64])
    assert verify_chain().broken_seq == 4


def test_an_entry_rolled_back_with_its_change_leaves_the_chain_intact(entries, operator):

    with pytest.raises(RuntimeError), transaction.atomic():
        record_access(acting_user=operator, action=AccessAction.CHANGE, obj=operator)
        raise RuntimeError("the change failed")
    assert verify_chain().ok and verify_chain().count == 5
    assert record_access(acting_user=operator, action=AccessAction.VIEW).seq == 6
    assert verify_chain().ok


def test_an_unknown_action_is_refused(operator):
    with pytest.raises(ValueError):
        record_access(acting_user=operator, action="peek")


def test_inspectors_can_run_the_check_from_the_access_log_page(entries, client, inspector):
    sign_in(client, inspector)
    page = client.get("/privacy/access-log/?verify=1").content.decode()
    assert "検証結果: 正常" in page
