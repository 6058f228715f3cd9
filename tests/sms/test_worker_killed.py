"""A real worker process killed in the middle of a batch (issue 6 §4, the tests section).

`civicdesk sms run` sends through the generic HTTP provider to the fake service on loopback.
The service accepts the fourth message and holds its answer; the test kills the process
(SIGKILL: no clean-up runs), then a supervisor resumes and another worker finishes. Every
recipient has exactly one message at the service.

The worker process must reach the test's database, which only PostgreSQL allows (the SQLite
test database lives in the test process's memory): this runs in the PostgreSQL pass.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from urllib.parse import quote

import pytest
import time_machine
from django.db import connection

from civicdesk.dunning.choices import ContactChannel
from civicdesk.dunning.models import Contact
from civicdesk.sms.choices import SmsBatchStatus, SmsMessageStatus
from civicdesk.sms.providers.http import HttpProvider
from civicdesk.sms.services import batches, sending
from tests.sms.fake_provider import TOKEN, FakeSmsService
from tests.sms.people import NOW, sms_people

WORKER = """
import datetime as dt, sys
import django, time_machine
django.setup()
from django.core.management import call_command
with time_machine.travel(dt.datetime.fromisoformat(sys.argv[1]), tick=True):
    call_command("sms", "run", "--batch", sys.argv[2])
"""


def database_url() -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgresql://{user}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.postgres_only(
    reason="the worker process needs the test database, which SQLite keeps in the test "
    "process's memory"
)
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_process_and_a_resume_give_everyone_exactly_one_message(
    supervisor, sms_campaign, template, tmp_path
):
    with time_machine.travel(NOW, tick=True):
        _, numbers = sms_people(sms_campaign.municipality, sms_campaign, 8)
        batch = batches.create_sms_batch(
            acting_user=supervisor, campaign=sms_campaign, template=template
        )
    with FakeSmsService() as fake:
        fake.hold_after(3)
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "civicdesk.settings",
            "DATABASE_URL": database_url(),
            "CIVICDESK_VAR_DIR": str(tmp_path),
            "CIVICDESK_SMS_PROVIDER": "http",
            "CIVICDESK_SMS_HTTP_URL": fake.url,
            "CIVICDESK_SMS_HTTP_TOKEN": TOKEN,
            "CIVICDESK_SMS_HTTP_TIMEOUT_SECONDS": "30",
        }
        worker = subprocess.Popen(
            [sys.executable, "-c", WORKER, NOW.isoformat(), str(batch.pk)],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            assert fake.held.wait(60), worker.communicate(timeout=5)
        finally:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(10)
        fake.release.set()
        assert worker.returncode == -signal.SIGKILL
        held = batch.messages.order_by("pk")[3]
        assert held.status == SmsMessageStatus.SENDING  # the dead worker never heard back
        assert len(fake.accepted) == 4
        # The dead worker's lease (60 s) runs out; a supervisor resumes the batch.
        with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=True):
            batch = batches.resume_sms_batch(acting_user=supervisor, batch=batch)
            batch = sending.run_sms_batch(batch.pk, provider=HttpProvider(fake.url, TOKEN))
        assert batch.status == SmsBatchStatus.DONE
        assert fake.delivered_per_number() == {number: 1 for number in numbers}
        assert [r["key"] for r in fake.requests].count(held.key) == 2
    assert set(batch.messages.values_list("status", flat=True)) == {SmsMessageStatus.SENT}
    assert Contact.objects.filter(channel=ContactChannel.SMS).count() == 8
