"""Deciding promises (約束履行): kept, partly kept or broken, from the payments received.

A promise counts the payments (receivables Payment.paid_on) on its accounts from the local
date of the contact that made it through ``promised_on`` + ``DUNNING_PROMISE_GRACE_DAYS``
(payments take days to reach the import). One person's payments are shared out among their
promises in ``promised_on`` order, earliest payment first, so that one payment never counts
for two promises; a decided promise keeps what it was given (its ``paid_amount``).

- paid >= amount             → kept, as soon as it is paid (even before the date);
- deadline passed, 0 < paid  → partly kept;
- deadline passed, paid == 0 → broken.

A broken or partly kept promise puts the person back in the queue: the item of the contact's
campaign if that campaign is still active, else of the municipality's follow-up campaign
(services.campaigns.ensure_follow_up_campaign), reopened or created.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.calendar import TOKYO
from civicdesk.dunning.choices import CampaignStatus, PromiseStatus, WorkItemStatus
from civicdesk.dunning.models import Promise, WorkItem
from civicdesk.dunning.services import campaign_items, campaigns
from civicdesk.receivables.models import Payment

SYSTEM_USERNAME = "system:check_promises"
CHUNK = 500
FOLLOW_UP_STATUSES = frozenset({PromiseStatus.BROKEN, PromiseStatus.PARTLY_KEPT})


def decide_promises(*, acting_user, installment_ids=None, today: dt.date | None = None) -> dict:
    """Decide the pending promises of everyone concerned; returns counts.

    Concerned: the people with a pending promise on the accounts of ``installment_ids`` (a
    payments import) and everyone with a pending promise whose deadline is before ``today``.
    Runs inside the caller's transaction when there is one (the import's hook).
    """
    today = today or timezone.localdate()
    grace = dt.timedelta(days=settings.DUNNING_PROMISE_GRACE_DAYS)
    counts = {"checked": 0, **{status: 0 for status in PromiseStatus.values}, "follow_ups": 0}
    with transaction.atomic():
        pending = Promise.objects.filter(status=PromiseStatus.PENDING).order_by()
        obligor_ids = set(
            pending.filter(promised_on__lt=today - grace)
            .values_list("obligor_id", flat=True)
            .distinct()
        )
        for chunk in _chunks(sorted(installment_ids or ())):
            obligor_ids.update(
                pending.filter(accounts__installments__in=chunk)
                .values_list("obligor_id", flat=True)
                .distinct()
            )
        for chunk in _chunks(sorted(obligor_ids)):
            _decide_chunk(acting_user, chunk, today, grace, counts)
    return counts


def _chunks(ids: list[int]):
    # Bounded IN lists (SQLite's variable limit) and bounded memory for a large municipality.
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _decide_chunk(acting_user, obligor_ids, today, grace, counts: dict) -> None:
    promises = list(
        Promise.objects.filter(obligor_id__in=obligor_ids)
        .select_related("contact__campaign", "obligor")
        .prefetch_related("accounts")
        .order_by("obligor_id", "promised_on", "pk")
    )
    paid = _allocate(promises, grace)
    now = timezone.now()
    changed = []
    for promise in promises:
        if promise.status != PromiseStatus.PENDING:
            continue
        counts["checked"] += 1
        status = _decision(promise, paid[promise.pk], today, grace)
        counts[status] += 1
        promise.paid_amount = paid[promise.pk]
        if status != PromiseStatus.PENDING:
            promise.status = status
            promise.decided_at = now
            changed.append(promise)
    pending = [p for p in promises if p.status == PromiseStatus.PENDING]
    Promise.objects.bulk_update(pending, ["paid_amount"], batch_size=500)
    Promise.objects.bulk_update(changed, ["status", "paid_amount", "decided_at"], batch_size=500)
    for promise in changed:
        _log(acting_user, promise, ["status", "paid_amount"], promise.get_status_display())
        if promise.status in FOLLOW_UP_STATUSES:
            _follow_up(acting_user, promise, today)
            counts["follow_ups"] += 1


def _decision(promise: Promise, paid: int, today: dt.date, grace: dt.timedelta) -> str:
    if paid >= promise.amount:
        return PromiseStatus.KEPT
    if promise.promised_on + grace >= today:
        return PromiseStatus.PENDING
    return PromiseStatus.PARTLY_KEPT if paid > 0 else PromiseStatus.BROKEN


def _allocate(promises: list[Promise], grace: dt.timedelta) -> dict[int, int]:
    """Promise id → the yen of payments it is given (see the module docstring)."""
    account_ids = {account.pk for p in promises for account in p.accounts.all()}
    since = min(_contact_date(p) for p in promises)
    by_account: dict[int, list[list]] = defaultdict(list)  # [payment id, yen left, paid_on]
    rows = (
        Payment.objects.filter(installment__account_id__in=account_ids, paid_on__gte=since)
        .order_by("paid_on", "pk")
        .values_list("pk", "installment__account_id", "amount", "paid_on")
    )
    for pk, account_id, amount, paid_on in rows:
        by_account[account_id].append([pk, amount, paid_on])
    given: dict[int, int] = defaultdict(int)
    for promise in promises:  # ordered by obligor, promised_on, pk
        wanted = promise.amount if promise.status == PromiseStatus.PENDING else promise.paid_amount
        start, end = _contact_date(promise), promise.promised_on + grace
        # Earliest payment first across the promise's accounts (a payment is one list entry,
        # shared by reference, so what one promise takes is gone for the next).
        candidates = sorted(
            (
                payment
                for account in promise.accounts.all()
                for payment in by_account.get(account.pk, ())
                if start <= payment[2] <= end
            ),
            key=lambda payment: (payment[2], payment[0]),
        )
        for payment in candidates:
            if given[promise.pk] >= wanted:
                break
            take = min(payment[1], wanted - given[promise.pk])
            payment[1] -= take
            given[promise.pk] += take
    return given


def _contact_date(promise: Promise) -> dt.date:
    return promise.contact.at.astimezone(TOKYO).date()


def _follow_up(acting_user, promise: Promise, today: dt.date) -> WorkItem:
    campaign = promise.contact.campaign
    if campaign is None or campaign.status != CampaignStatus.ACTIVE:
        campaign = campaigns.ensure_follow_up_campaign(promise.obligor.municipality)
    accounts = list(promise.accounts.all())
    figures = campaign_items.item_figures(campaign, accounts, today)
    item, created = WorkItem.objects.get_or_create(
        campaign=campaign, obligor_id=promise.obligor_id, defaults=figures
    )
    item.follow_up_of = promise
    item.status = WorkItemStatus.OPEN
    item.no_effect_reason = ""
    item.next_attempt_at = None
    item.attempts = 0
    for name, value in figures.items():
        setattr(item, name, value)
    item.save()
    item.accounts.set(accounts)
    _log(acting_user, item, ["status", "follow_up_of"], "約束不履行のフォロー", created=created)
    return item


def _log(acting_user, obj, fields, reason, *, created=False) -> None:
    signed_in = getattr(acting_user, "is_authenticated", False)
    record_access(
        acting_user=acting_user,
        action=AccessAction.CREATE if created else AccessAction.CHANGE,
        obj=obj,
        fields=fields,
        reason=f"約束履行判定: {reason}",
        username="" if signed_in else SYSTEM_USERNAME,
    )
