"""Sending (issue 6 §3–4): exactly one message per person whatever fails, retries with
backoff, refusals recorded, the sms calendar's hours, the rate, pause and cancel, and every
message a contact in the history.

Time is frozen (time_machine) and the worker's ``sleep`` moves it forward, so waiting for a
retry or for the rate takes no real time and every instant is known.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.dunning.choices import ContactChannel, ContactOutcome, ContactParty, WorkItemStatus
from civicdesk.dunning.models import Contact, WorkItem
from civicdesk.sms.choices import SmsBatchStatus, SmsMessageStatus
from civicdesk.sms.models import SmsBatch, SmsMessage
from civicdesk.sms.providers import Accepted, PermanentError, TemporaryError, UncertainError
from civicdesk.sms.providers.console import ConsoleProvider
from civicdesk.sms.providers.file import FileProvider, read_outbox
from civicdesk.sms.providers.http import HttpProvider
from civicdesk.sms.services import batches, sending
from tests.conftest import sign_in
from tests.sms.fake_provider import TOKEN, FakeSmsService
from tests.sms.people import NOW, sms_people

pytestmark = pytest.mark.django_db


class Clock:
    """Frozen time that the worker's sleep moves forward; records every sleep."""

    def __init__(self, traveller):
        self.traveller = traveller
        self.slept: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.traveller.shift(dt.timedelta(seconds=seconds))

    def monotonic(self) -> float:
        return timezone.now().timestamp()


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield Clock(traveller)


@pytest.fixture
def fake():
    with FakeSmsService() as service:
        yield service


@pytest.fixture
def retry_fast(settings):
    settings.SMS_RETRY_SECONDS = 1.0
    settings.SMS_MAX_ATTEMPTS = 5


def http(fake, timeout: float = 0.3) -> HttpProvider:
    return HttpProvider(fake.url, TOKEN, timeout=timeout)


def make_batch(supervisor, campaign, template, count: int, **kwargs) -> tuple[SmsBatch, list]:
    _, numbers = sms_people(campaign.municipality, campaign, count)
    batch = batches.create_sms_batch(
        acting_user=supervisor, campaign=campaign, template=template, **kwargs
    )
    return batch, numbers


def run(batch, provider, clock) -> SmsBatch:
    return sending.run_sms_batch(
        batch.pk, provider=provider, sleep=clock, monotonic=clock.monotonic
    )


def statuses(batch) -> list[str]:
    return list(batch.messages.order_by("pk").values_list("status", flat=True))


class Killed(BaseException):
    """The worker process dies (SIGKILL): nothing after this line of the worker runs."""


class DiesAfterAccepting:
    """A provider that forwards to ``inner`` and kills the worker right after the
    ``nth`` message was accepted, before the worker could record it."""

    def __init__(self, inner, nth: int):
        self.inner, self.nth, self.calls = inner, nth, 0
        self.name, self.deduplicates = inner.name, inner.deduplicates

    def send(self, message):
        self.calls += 1
        accepted = self.inner.send(message)
        if self.calls == self.nth:
            raise Killed
        return accepted


# --- Exactly once ------------------------------------------------------------------------------


def test_timeouts_and_5xx_are_retried_and_everyone_gets_exactly_one_message(
    supervisor, sms_campaign, template, clock, fake, retry_fast
):
    batch, numbers = make_batch(supervisor, sms_campaign, template, 6)
    fake.fail_next(2, 500)
    fake.answer_late(2, 1.0)  # accepted, but the answer comes after the client gave up
    fake.fail_next(1, 503)
    batch = run(batch, http(fake), clock)
    assert batch.status == SmsBatchStatus.DONE
    assert fake.delivered_per_number() == {number: 1 for number in numbers}
    assert statuses(batch) == [SmsMessageStatus.SENT] * 6
    assert len(fake.requests) == 6 + 2 + 2 + 1  # every failure cost one more request
    assert Contact.objects.filter(channel=ContactChannel.SMS).count() == 6


def test_a_worker_killed_after_the_provider_accepted_sends_nothing_twice_on_resume(
    supervisor, sms_campaign, template, clock, fake
):
    batch, numbers = make_batch(supervisor, sms_campaign, template, 5)
    with pytest.raises(Killed):
        run(batch, DiesAfterAccepting(http(fake), 3), clock)
    third = batch.messages.order_by("pk")[2]
    assert third.status == SmsMessageStatus.SENDING and third.contact_id is None
    assert len(fake.accepted) == 3
    batch = batches.resume_sms_batch(acting_user=supervisor, batch=batch)
    batch = run(batch, http(fake), clock)
    assert batch.status == SmsBatchStatus.DONE
    assert fake.delivered_per_number() == {number: 1 for number in numbers}
    resent = [request for request in fake.requests if request["key"] == third.key]
    assert len(resent) == 2  # sent again with the same key: the service kept the first
    third.refresh_from_db()
    assert third.status == SmsMessageStatus.SENT
    assert third.provider_message_id == fake.accepted[third.key]["id"]
    assert Contact.objects.filter(channel=ContactChannel.SMS).count() == 5


def test_a_provider_that_cannot_deduplicate_never_resends_an_interrupted_message(
    supervisor, sms_campaign, template, clock
):
    batch, _ = make_batch(supervisor, sms_campaign, template, 3)
    first = batch.messages.order_by("pk").first()
    SmsMessage.objects.filter(pk=first.pk).update(status=SmsMessageStatus.SENDING, attempts=1)
    SmsBatch.objects.filter(pk=batch.pk).update(status=SmsBatchStatus.SENDING)
    printed = io.StringIO()
    run(batch, ConsoleProvider(printed), clock)
    first.refresh_from_db()
    assert first.status == SmsMessageStatus.UNKNOWN
    assert "中断" in first.error_reason and first.contact_id is None
    assert first.number not in printed.getvalue()
    assert statuses(batch)[1:] == [SmsMessageStatus.SENT] * 2


def test_the_file_outbox_holds_one_line_per_person_after_a_crash_and_resume(
    supervisor, sms_campaign, template, clock, tmp_path
):
    outbox = tmp_path / "outbox.jsonl"
    batch, numbers = make_batch(supervisor, sms_campaign, template, 4)
    with pytest.raises(Killed):
        run(batch, DiesAfterAccepting(FileProvider(outbox), 2), clock)
    run(batch, FileProvider(outbox), clock)
    lines = read_outbox(outbox)
    assert sorted(line["to"] for line in lines) == sorted(numbers)
    texts = dict(batch.messages.values_list("key", "text"))
    assert {line["key"]: line["text"] for line in lines} == texts


def test_only_one_worker_sends_a_batch_at_a_time(supervisor, sms_campaign, template, clock, fake):
    batch, _ = make_batch(supervisor, sms_campaign, template, 2)
    SmsBatch.objects.filter(pk=batch.pk).update(runner_until=NOW + dt.timedelta(seconds=30))
    run(batch, http(fake), clock)
    assert fake.requests == []
    clock(31)  # the other worker's lease ran out: it died
    batch = run(batch, http(fake), clock)
    assert batch.status == SmsBatchStatus.DONE and len(fake.accepted) == 2


# --- Errors ------------------------------------------------------------------------------------


class Scripted:
    """A provider whose answers the test writes: an exception to raise, or None to accept."""

    name, deduplicates = "scripted", True

    def __init__(self, *answers):
        self.answers = list(answers)
        self.sent = []
        self.called_at = []

    def send(self, message):
        self.called_at.append(timezone.now())
        answer = self.answers.pop(0) if self.answers else None
        if answer is not None:
            raise answer
        self.sent.append(message)

        return Accepted(f"id-{len(self.sent)}")


def test_a_refusal_is_recorded_with_the_providers_reason_and_not_retried(
    supervisor, sms_campaign, template, clock
):
    batch, _ = make_batch(supervisor, sms_campaign, template, 2)
    provider = Scripted(PermanentError("宛先の番号が正しくありません", "21211"))
    batch = run(batch, provider, clock)
    refused, sent = batch.messages.order_by("pk")
    assert (refused.status, refused.error_code) == (SmsMessageStatus.FAILED, "21211")
    assert refused.error_reason == "宛先の番号が正しくありません" and refused.attempts == 1
    assert refused.contact_id is None and sent.status == SmsMessageStatus.SENT
    assert WorkItem.objects.get(pk=refused.work_item_id).status == WorkItemStatus.OPEN
    assert batch.status == SmsBatchStatus.DONE


def test_retries_back_off_doubling_and_give_up_after_the_maximum(
    supervisor, sms_campaign, template, clock, settings
):
    settings.SMS_RETRY_SECONDS = 2.0
    settings.SMS_MAX_ATTEMPTS = 4
    batch, _ = make_batch(supervisor, sms_campaign, template, 1)
    provider = Scripted(*[TemporaryError("混雑しています", "http_503")] * 4)
    batch = run(batch, provider, clock)
    message = batch.messages.get()
    assert message.status == SmsMessageStatus.FAILED and message.attempts == 4
    assert message.error_reason == "再送の上限（4回）に達しました: 混雑しています"
    waits = [(b - a).total_seconds() for a, b in itertools.pairwise(provider.called_at)]
    assert waits == [2.0, 4.0, 8.0]  # 2 × 2^(n-1) before attempts 2, 3 and 4


def test_an_uncertain_answer_is_unknown_and_never_retried(
    supervisor, sms_campaign, template, clock
):
    batch, _ = make_batch(supervisor, sms_campaign, template, 1)
    provider = Scripted(UncertainError("応答がありません", "read_timeout"))
    batch = run(batch, provider, clock)
    message = batch.messages.get()
    assert (message.status, message.attempts) == (SmsMessageStatus.UNKNOWN, 1)
    assert provider.sent == [] and batch.status == SmsBatchStatus.DONE


def test_a_retry_far_ahead_hands_the_batch_back_until_then(
    supervisor, sms_campaign, template, clock, settings
):
    settings.SMS_RETRY_SECONDS = 300.0
    batch, _ = make_batch(supervisor, sms_campaign, template, 1)
    batch = run(batch, Scripted(TemporaryError("混雑", "http_429")), clock)
    assert batch.status == SmsBatchStatus.WAITING
    assert batch.next_run_at == NOW + dt.timedelta(seconds=300)
    task = DBTaskResult.objects.get(task_path="civicdesk.sms.tasks.send_sms_batch")
    assert task.run_after == batch.next_run_at


# --- Hours, rate, pause ------------------------------------------------------------------------


def test_a_batch_that_runs_past_the_sms_hours_waits_for_the_next_opening(
    supervisor, sms_campaign, template, clock
):
    batch, _ = make_batch(supervisor, sms_campaign, template, 3, rate_per_second=1)
    clock.traveller.move_to(NOW.replace(hour=19, minute=59, second=58))
    batch = run(batch, Scripted(), clock)
    # 19:59:58 and 19:59:59 go out; at 20:00:00 the sms calendar (9:00–20:00) is closed.
    assert statuses(batch) == [SmsMessageStatus.SENT] * 2 + [SmsMessageStatus.QUEUED]
    opening = NOW.replace(day=11, hour=9, minute=0)  # Wednesday 9:00
    assert (batch.status, batch.next_run_at) == (SmsBatchStatus.WAITING, opening)
    task = DBTaskResult.objects.get(task_path="civicdesk.sms.tasks.send_sms_batch")
    assert task.run_after == opening
    clock.traveller.move_to(opening)
    batch = run(batch, Scripted(), clock)
    assert batch.status == SmsBatchStatus.DONE
    last = batch.messages.order_by("pk").last()
    assert last.contact.at == opening


def test_nothing_is_sent_before_the_sms_hours(supervisor, sms_campaign, template, clock):
    batch, _ = make_batch(supervisor, sms_campaign, template, 1)
    clock.traveller.move_to(NOW.replace(hour=8, minute=59))
    provider = Scripted()
    batch = run(batch, provider, clock)
    assert provider.sent == [] and batch.status == SmsBatchStatus.WAITING
    assert batch.next_run_at == NOW.replace(hour=9, minute=0)


def test_the_rate_limit_spaces_the_messages(supervisor, sms_campaign, template, clock):
    batch, _ = make_batch(supervisor, sms_campaign, template, 11, rate_per_second=5)
    run(batch, Scripted(), clock)
    sent_at = sorted(batch.messages.values_list("sent_at", flat=True))
    gaps = {round((b - a).total_seconds(), 4) for a, b in itertools.pairwise(sent_at)}
    assert gaps == {0.2}  # 5 a second


def test_pausing_stops_before_the_next_message_and_resume_sends_the_rest(
    supervisor, sms_campaign, template, clock
):
    batch, numbers = make_batch(supervisor, sms_campaign, template, 4)

    class PausesAfterTwo(Scripted):
        def send(self, message):
            accepted = super().send(message)
            if len(self.sent) == 2:
                batches.pause_sms_batch(acting_user=supervisor, batch=batch)
            return accepted

    provider = PausesAfterTwo()
    batch = run(batch, provider, clock)
    assert batch.status == SmsBatchStatus.PAUSED and len(provider.sent) == 2
    batch = batches.resume_sms_batch(acting_user=supervisor, batch=batch)
    batch = run(batch, provider, clock)
    assert batch.status == SmsBatchStatus.DONE
    assert sorted(m.to for m in provider.sent) == sorted(numbers)


def test_cancelling_leaves_the_rest_unsent(supervisor, sms_campaign, template, clock):
    batch, _ = make_batch(supervisor, sms_campaign, template, 4)

    class CancelsAfterOne(Scripted):
        def send(self, message):
            accepted = super().send(message)
            batches.cancel_sms_batch(acting_user=supervisor, batch=batch)
            return accepted

    provider = CancelsAfterOne()
    batch = run(batch, provider, clock)
    assert batch.status == SmsBatchStatus.CANCELLED and len(provider.sent) == 1
    assert statuses(batch) == [SmsMessageStatus.SENT] + [SmsMessageStatus.CANCELLED] * 3


# --- In the history ----------------------------------------------------------------------------


def test_every_sent_message_is_an_sms_contact_that_paces_and_closes_its_item(
    supervisor, sms_campaign, template, clock
):
    batch, _ = make_batch(supervisor, sms_campaign, template, 2)
    run(batch, Scripted(), clock)
    for message in batch.messages.select_related("contact"):
        contact = message.contact
        assert (contact.channel, contact.party, contact.outcome) == (
            ContactChannel.SMS,
            ContactParty.NONE,
            ContactOutcome.SENT,
        )
        assert contact.obligor_id == message.obligor_id and contact.paces
        assert contact.campaign_id == sms_campaign.pk and contact.user == supervisor
        assert contact.phone_id == message.phone_id and not contact.night
        assert sorted(contact.covered.values_list("account_id", flat=True)) == sorted(
            message.account_ids
        )
        item = WorkItem.objects.get(pk=message.work_item_id)
        assert (item.status, item.last_outcome) == (WorkItemStatus.DONE, ContactOutcome.SENT)
    entry = AccessLogEntry.objects.get(action=AccessAction.EXPORT, object_type="sms.smsbatch")
    assert entry.actor_username == sending.SYSTEM_USERNAME and entry.fields == ["phone"]


def test_record_accepted_is_idempotent(supervisor, sms_campaign, template, clock):
    batch, _ = make_batch(supervisor, sms_campaign, template, 1)
    message = batch.messages.get()
    first = sending.record_accepted(message, provider_message_id="p-1", at=NOW)
    again = sending.record_accepted(message, provider_message_id="p-1", at=NOW)
    assert first.pk == again.pk
    assert Contact.objects.filter(channel=ContactChannel.SMS).count() == 1


def test_a_sent_message_shows_in_the_persons_history_for_the_team_of_its_revenue_type(
    client, supervisor, operator, outsider, sms_campaign, template, clock
):

    batch, _ = make_batch(supervisor, sms_campaign, template, 1)
    run(batch, Scripted(), clock)
    message = batch.messages.get()
    page = reverse("dunning:case", args=[message.obligor_id])
    sign_in(client, operator)
    history = client.get(page).context["case"].history
    assert [entry.contact.pk for entry in history] == [message.contact_id]
    assert "SMS" in client.get(page).content.decode()
    client.logout()
    sign_in(client, outsider)  # the tax team: not its revenue type
    assert client.get(page).status_code == 404
