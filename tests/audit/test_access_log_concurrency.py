"""Concurrent writers never fork the chain (PostgreSQL: row lock on the chain head)."""

import threading

import pytest
from django.db import connections

from civicdesk.audit.chain import verify_chain
from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.audit.services import record_access


@pytest.mark.postgres_only(reason="SQLite has one writer")
@pytest.mark.django_db(transaction=True)
def test_parallel_writers_keep_one_unbroken_chain(operator):
    errors = []

    def write(n):
        try:
            for _ in range(n):
                record_access(acting_user=operator, action=AccessAction.VIEW, obj=operator)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(25,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert AccessLogEntry.objects.count() == 200
    report = verify_chain()
    assert report.ok and report.count == 200
