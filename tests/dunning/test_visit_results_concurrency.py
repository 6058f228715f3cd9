"""Exactly once under concurrency: the tablet's resend and the original arrive together.

Threads share nothing but the database; each uses its own connection (closed at the end).
SQLite serialises write transactions (BEGIN IMMEDIATE), so this runs in the PostgreSQL pass.
"""

import threading
import uuid

import pytest
from django.db import connections

from civicdesk.audit.models import AccessLogEntry
from civicdesk.dunning.choices import VisitResult
from civicdesk.dunning.models import Contact, LeftNoticeTemplate, VisitRecord, WorkItem
from civicdesk.dunning.services.visit_results import record_visit
from tests.dunning.factories import VisitListFactory, VisitStopFactory
from tests.registry.factories import AccountFactory, InstallmentFactory, ObligorFactory

SENDERS = 6
# Not a missing tool: `make test` runs this file again on PostgreSQL.
pytestmark = pytest.mark.postgres_only(
    reason="the stop's row lock between real concurrent transactions (SQLite runs one write "
    "transaction at a time)"
)


@pytest.mark.django_db(transaction=True)
def test_the_same_client_key_sent_concurrently_is_saved_once(municipality, visitor, calendars):
    obligor = ObligorFactory(municipality=municipality)
    account = AccountFactory(obligor=obligor, revenue_type="nhi")
    InstallmentFactory(account=account)
    notice = LeftNoticeTemplate.objects.create(municipality=municipality, name="不在票")
    visit_list = VisitListFactory(municipality=municipality, visitor=visitor)
    stop = VisitStopFactory(visit_list=visit_list, work_item__obligor=obligor)
    key = uuid.uuid4()
    log_before = AccessLogEntry.objects.count()
    barrier = threading.Barrier(SENDERS)
    got: list[int] = []
    errors: list[Exception] = []

    def send():
        try:
            barrier.wait()
            contact = record_visit(
                acting_user=visitor,
                stop=stop,
                result=VisitResult.ABSENT,
                client_key=key,
                accounts=[account],
                left_notices=[notice],
            )
            got.append(contact.pk)
        except Exception as error:  # reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(got) == SENDERS and len(set(got)) == 1
    assert Contact.objects.count() == 1
    assert VisitRecord.objects.get().client_key == key
    assert AccessLogEntry.objects.count() - log_before == 1
    assert WorkItem.objects.get(pk=stop.work_item_id).attempts == 1
