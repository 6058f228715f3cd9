"""Sending a batch (issue 6 §3–4): one worker at a time, inside the sms calendar, at the
batch's rate, every message exactly once.

Exactly once (ADR 0010). A message is marked 送信中 and committed before the provider is
called, and marked 送信済み with its contact after the answer, in a second transaction. So a
message found 送信中 when a worker takes a batch was being sent when its worker died:
- with a provider that keeps idempotency keys (``deduplicates``: http, file) it is sent again
  with the same key, and the provider answers with the first message: the person gets one;
- with one that does not (twilio, console) it is marked 不明 and never sent again.
A timeout or a 5xx is a TemporaryError: retried with backoff (the same key again); a refusal is
recorded with the provider's reason; an UncertainError is 不明.

One worker per batch: ``runner_until`` is a lease taken with a conditional UPDATE and renewed
before every message; a killed worker's lease runs out and the next worker (the task queued on
resume, or ``civicdesk sms run``) takes over.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core import calendar
from civicdesk.core.calendar import TOKYO, CalendarError, Service
from civicdesk.dunning.choices import ContactChannel, ContactOutcome, ContactParty, WorkItemStatus
from civicdesk.dunning.coverage import coverage_of_ids
from civicdesk.dunning.models import Contact, ContactAccount, WorkItem
from civicdesk.dunning.services.contacts import is_night, night_starts
from civicdesk.sms import providers
from civicdesk.sms.choices import (
    PENDING_MESSAGE_STATUSES,
    RUNNABLE_BATCH_STATUSES,
    SmsBatchStatus,
    SmsMessageStatus,
)
from civicdesk.sms.models import SmsBatch, SmsMessage
from civicdesk.sms.rendering import PERSONAL_FIELDS, personal_variables_in

logger = logging.getLogger(__name__)

# The access log's name for the sending worker (it has no signed-in user).
SYSTEM_USERNAME = "SMS 送信処理"
RUNNER_SECONDS = 60
# The lease is renewed when less than this is left (not before every message: one write less).
RENEW_BELOW_SECONDS = 45
# Due messages read at once (each is still claimed on its own, by a conditional UPDATE).
DUE_CHUNK = 100
# Retries due within this long are waited for in the worker; later ones hand the batch back
# (WAITING until the first of them).
INLINE_WAIT_SECONDS = 60
MAX_BACKOFF_SECONDS = 3600


@dataclass
class _Run:
    batch: SmsBatch
    provider: providers.Provider
    lease: dt.datetime
    sleep: object
    monotonic: object
    open_until: dt.datetime | None = None
    # day → when night begins by the sms calendar (one calendar read a day, not a message)
    night_starts: dict = field(default_factory=dict)
    due: list = field(default_factory=list)


# --- The worker ------------------------------------------------------------------------------


def run_sms_batch(
    batch_id: int, *, provider=None, sleep=time.sleep, monotonic=time.monotonic
) -> SmsBatch:
    """Send what is left of a batch, until it is done, paused, cancelled or out of hours.

    Returns at once when another worker holds the batch. ``sleep`` and ``monotonic`` are the
    clock (tests pass one that moves frozen time)."""
    provider = provider or providers.get_provider()
    lease = _take(batch_id)
    batch = SmsBatch.objects.select_related("municipality", "template", "created_by").get(
        pk=batch_id
    )
    if lease is None:
        return batch
    run = _Run(batch=batch, provider=provider, lease=lease, sleep=sleep, monotonic=monotonic)
    try:
        _start(run)
        _loop(run)
    finally:
        SmsBatch.objects.filter(pk=batch_id, runner_until=run.lease).update(runner_until=None)
    batch.refresh_from_db()
    return batch


def _take(batch_id: int) -> dt.datetime | None:
    now = timezone.now()
    lease = now + dt.timedelta(seconds=RUNNER_SECONDS)
    with transaction.atomic():
        taken = (
            SmsBatch.objects.filter(pk=batch_id, status__in=RUNNABLE_BATCH_STATUSES)
            .filter(Q(runner_until__isnull=True) | Q(runner_until__lt=now))
            .update(runner_until=lease, status=SmsBatchStatus.SENDING, next_run_at=None)
        )
    return lease if taken else None


def _renew(run: _Run) -> bool:
    """Keep the lease; False when it was lost (this worker stalled and another took over)."""
    now = timezone.now()
    if run.lease - now > dt.timedelta(seconds=RENEW_BELOW_SECONDS):
        return True
    lease = now + dt.timedelta(seconds=RUNNER_SECONDS)
    renewed = SmsBatch.objects.filter(pk=run.batch.pk, runner_until=run.lease).update(
        runner_until=lease
    )
    if renewed:
        run.lease = lease
    return bool(renewed)


def _start(run: _Run) -> None:
    """Settle messages a dead worker left 送信中, and log that personal data goes out."""
    batch = run.batch
    with transaction.atomic():
        in_doubt = SmsMessage.objects.filter(batch=batch, status=SmsMessageStatus.SENDING)
        if run.provider.deduplicates:
            in_doubt.update(status=SmsMessageStatus.QUEUED, updated_at=timezone.now())
        else:
            in_doubt.update(
                status=SmsMessageStatus.UNKNOWN,
                error_code="interrupted",
                error_reason="送信処理が中断されました（送信されたかどうか不明。再送しません）",
                updated_at=timezone.now(),
            )
        if batch.started_at is None:
            SmsBatch.objects.filter(pk=batch.pk).update(started_at=timezone.now())
        record_access(
            acting_user=None,
            action=AccessAction.EXPORT,
            obj=batch,
            fields=batch_fields(batch),
            reason=f"SMS 送信（送信サービス: {run.provider.name}）",
            username=SYSTEM_USERNAME,
        )


def batch_fields(batch: SmsBatch) -> list[str]:
    """What a batch hands to the provider: the number, and the template's personal values."""
    return sorted({"phone", *(PERSONAL_FIELDS[name] for name in personal_variables_in(batch.body))})


def _loop(run: _Run) -> None:
    interval = 1.0 / run.batch.rate_per_second
    next_slot = run.monotonic()
    while True:
        # The rate first: the checks below then see the moment the message really goes out.
        delay = next_slot - run.monotonic()
        if delay > 0:
            run.sleep(delay)
        status = SmsBatch.objects.filter(pk=run.batch.pk).values_list("status", flat=True).get()
        if status != SmsBatchStatus.SENDING:
            return  # paused or cancelled by a person
        now = timezone.now()
        if not _within_hours(run, now):
            return
        message = _next_due(run, now)
        if message is None:
            if not _wait_for_retries(run, now):
                return
            continue
        next_slot = max(next_slot, run.monotonic()) + interval
        if not _renew(run):
            return
        send_message(
            message, provider=run.provider, night=lambda at: _is_night(run, at), batch=run.batch
        )


def _is_night(run: _Run, at: dt.datetime) -> bool:
    local = at.astimezone(TOKYO)
    day = local.date()
    if day not in run.night_starts:
        run.night_starts[day] = night_starts(
            ContactChannel.SMS, day, municipality=run.batch.municipality
        )
    starts = run.night_starts[day]
    return starts is not None and local.time() >= starts


def _within_hours(run: _Run, now: dt.datetime) -> bool:
    """Open now by the sms calendar; else the batch waits for the next opening."""
    if run.open_until is not None and now < run.open_until:
        return True
    municipality = run.batch.municipality
    try:
        run.open_until = _open_until(municipality, now)
        if run.open_until is not None:
            return True
        opening = calendar.next_open(Service.SMS, now, municipality=municipality)
    except CalendarError as error:
        _stop(run.batch, SmsBatchStatus.PAUSED, f"SMS の業務カレンダー: {error}")
        return False
    _wait_until(run.batch, opening)
    return False


def _open_until(municipality, now: dt.datetime) -> dt.datetime | None:
    """The end of the sms calendar's opening that contains ``now``; None when closed."""
    local = now.astimezone(TOKYO)
    for start, end in calendar.hours(Service.SMS, local.date(), municipality=municipality):
        if start <= local.time() < end:
            return dt.datetime.combine(local.date(), end, tzinfo=TOKYO)
    return None


def _next_due(run: _Run, now: dt.datetime) -> SmsMessage | None:
    if not run.due:
        run.due = list(
            SmsMessage.objects.filter(batch=run.batch, status__in=PENDING_MESSAGE_STATUSES)
            .exclude(next_attempt_at__gt=now)
            .order_by("pk")[:DUE_CHUNK]
        )
        run.due.reverse()
    return run.due.pop() if run.due else None


def _wait_for_retries(run: _Run, now: dt.datetime) -> bool:
    """Nothing due now: wait for a retry due soon (True), or end or hand the batch back."""
    first_retry = SmsMessage.objects.filter(
        batch=run.batch, status=SmsMessageStatus.RETRY
    ).aggregate(at=Min("next_attempt_at"))["at"]
    if first_retry is None:
        _stop(run.batch, SmsBatchStatus.DONE, "")
        return False
    wait = (first_retry - now).total_seconds()
    if wait > INLINE_WAIT_SECONDS:
        _wait_until(run.batch, first_retry)
        return False
    run.sleep(max(wait, 0.0))
    return _renew(run)


def _stop(batch: SmsBatch, status: str, error: str) -> None:
    SmsBatch.objects.filter(pk=batch.pk, status=SmsBatchStatus.SENDING).update(
        status=status,
        error=error,
        finished_at=timezone.now() if status == SmsBatchStatus.DONE else None,
    )


def _wait_until(batch: SmsBatch, at: dt.datetime) -> None:
    # sms.tasks runs this module's run_sms_batch, so it is imported here, not above.
    from civicdesk.sms import tasks  # noqa: PLC0415  (cycle: tasks imports this module)

    waiting = SmsBatch.objects.filter(pk=batch.pk, status=SmsBatchStatus.SENDING).update(
        status=SmsBatchStatus.WAITING, next_run_at=at
    )
    if waiting:
        tasks.send_sms_batch.using(run_after=at).enqueue(batch.pk)


# --- One message -----------------------------------------------------------------------------


def send_message(
    message: SmsMessage, *, provider: providers.Provider, night=None, batch=None
) -> str:
    """Hand one message to the provider and record what became of it; returns its status.

    ``night``: at → whether that is night (the worker's per-day cache); None asks the calendar.
    ``batch``: the message's batch when the caller has it (one query less)."""
    with transaction.atomic():
        claimed = SmsMessage.objects.filter(
            pk=message.pk, status__in=PENDING_MESSAGE_STATUSES
        ).update(
            status=SmsMessageStatus.SENDING,
            attempts=F("attempts") + 1,
            updated_at=timezone.now(),
        )
    if not claimed:  # cancelled, or another worker's
        return SmsMessage.objects.values_list("status", flat=True).get(pk=message.pk)
    message.status = SmsMessageStatus.SENDING
    message.attempts += 1
    outgoing = providers.OutgoingMessage(key=message.key, to=message.number, text=message.text)
    try:
        accepted = provider.send(outgoing)
    except providers.TemporaryError as error:
        return _retry_or_fail(message, error)
    except providers.PermanentError as error:
        return _settle(message, SmsMessageStatus.FAILED, error.code, error.reason)
    except providers.UncertainError as error:
        return _settle(message, SmsMessageStatus.UNKNOWN, error.code, error.reason)
    except Exception as error:  # a provider bug must not stop the batch
        logger.exception("SMS provider %s failed on message %s", provider.name, message.pk)
        reason = f"{type(error).__name__}: {error}"
        if provider.deduplicates:
            return _retry_or_fail(message, providers.TemporaryError(reason, "error"))
        return _settle(message, SmsMessageStatus.UNKNOWN, "error", reason)
    at = timezone.now()
    record_accepted(
        message,
        provider_message_id=accepted.provider_message_id,
        at=at,
        night=night(at) if night else None,
        batch=batch,
    )
    return SmsMessageStatus.SENT


def _retry_or_fail(message: SmsMessage, error: providers.ProviderError) -> str:
    attempts = message.attempts
    if attempts >= settings.SMS_MAX_ATTEMPTS:
        reason = f"再送の上限（{attempts}回）に達しました: {error.reason}"
        return _settle(message, SmsMessageStatus.FAILED, error.code, reason)
    backoff = min(settings.SMS_RETRY_SECONDS * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
    SmsMessage.objects.filter(pk=message.pk, status=SmsMessageStatus.SENDING).update(
        status=SmsMessageStatus.RETRY,
        next_attempt_at=timezone.now() + dt.timedelta(seconds=backoff),
        error_code=error.code[:50],
        error_reason=error.reason[:500],
        updated_at=timezone.now(),
    )
    return SmsMessageStatus.RETRY


def _settle(message: SmsMessage, status: str, code: str, reason: str) -> str:
    SmsMessage.objects.filter(pk=message.pk, status=SmsMessageStatus.SENDING).update(
        status=status,
        error_code=(code or "")[:50],
        error_reason=(reason or "")[:500],
        updated_at=timezone.now(),
    )
    return status


@transaction.atomic
def record_accepted(
    message: SmsMessage,
    *,
    provider_message_id: str,
    at: dt.datetime,
    night: bool | None = None,
    batch: SmsBatch | None = None,
) -> Contact:
    """The provider took the message: 送信済み, and its contact (channel sms) in the history.

    Idempotent: a message that has its contact keeps it (a receipt and the worker may both
    report the same message)."""
    message = SmsMessage.objects.select_for_update().get(pk=message.pk)
    if message.contact_id:
        return message.contact
    if batch is None or batch.pk != message.batch_id:
        batch = SmsBatch.objects.select_related("template", "municipality").get(pk=message.batch_id)
    contact = Contact.objects.create(
        obligor_id=message.obligor_id,
        work_item_id=message.work_item_id,
        campaign_id=batch.campaign_id,
        channel=ContactChannel.SMS,
        party=ContactParty.NONE,
        outcome=ContactOutcome.SENT,
        at=at,
        user_id=batch.created_by_id,
        phone_id=message.phone_id,
        note=f"SMS（{batch.template.name}）送信 #{batch.pk}",
        paces=True,
        night=night
        if night is not None
        else is_night(ContactChannel.SMS, at, municipality=batch.municipality),
        coverage=coverage_of_ids(message.account_ids),
    )
    ContactAccount.objects.bulk_create(
        ContactAccount(contact=contact, account_id=account_id, revenue_type=batch.revenue_type)
        for account_id in message.account_ids
    )
    if message.status in (SmsMessageStatus.SENDING, *PENDING_MESSAGE_STATUSES):
        message.status = SmsMessageStatus.SENT
        message.error_code = message.error_reason = ""
    message.sent_at = message.sent_at or at
    message.provider_message_id = provider_message_id or message.provider_message_id
    message.contact = contact
    message.save(
        update_fields=[
            "status", "error_code", "error_reason", "sent_at", "provider_message_id", "contact",
            "updated_at",
        ]
    )  # fmt: skip
    if message.work_item_id:
        WorkItem.objects.filter(pk=message.work_item_id, status=WorkItemStatus.OPEN).update(
            status=WorkItemStatus.DONE,
            last_outcome=ContactOutcome.SENT,
            last_contact_at=at,
            attempts=F("attempts") + 1,
            updated_at=timezone.now(),
        )
    return contact
