"""Read queries of SMS batches: who may do what, which campaigns can be texted, whom a batch
is for, and a batch's progress.

Targets of a batch (issue 6 §3): the open items of an ``sms`` campaign whose person
- is not held by another user right now (any campaign),
- is not paced by the campaign's interval (a reached contact, a letter or an SMS since then;
  a later inbound call lifts it, as in the queue and for letters),
- has something unpaid of the template's revenue type on the item's accounts,
- has a usable mobile number (070/080/090: only mobiles receive SMS) not opted out (受信拒否),
- and has no message waiting in another batch that is not over.
Everyone else is counted by reason and shown on the batch page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Sum

from civicdesk.core.models import Municipality
from civicdesk.dunning.choices import CampaignChannel, CampaignStatus, WorkItemStatus
from civicdesk.dunning.models import Campaign, WorkItem
from civicdesk.dunning.selectors.letters import leased_by_another, paced_since
from civicdesk.receivables.models import Installment
from civicdesk.registry.models import UNUSABLE_PHONE_STATUSES, Phone, PhoneKind, PhoneStatus
from civicdesk.sms.choices import (
    ENDED_BATCH_STATUSES,
    PENDING_MESSAGE_STATUSES,
    SmsBatchStatus,
    SmsMessageStatus,
)
from civicdesk.sms.models import OptOut, SmsBatch, SmsMessage

VIEW_BATCH = "sms.view_smsbatch"
ADD_BATCH = "sms.add_smsbatch"
CHANGE_BATCH = "sms.change_smsbatch"
BATCH_LIST_LIMIT = 100

SKIP_LABELS = {
    "leased": "ほかの担当者が対応中",
    "paced": "催告間隔内（最近の接触・送付あり）",
    "nothing_unpaid": "この税目の未納なし",
    "no_mobile": "携帯電話番号なし",
    "opted_out": "受信拒否",
    "in_other_batch": "ほかの SMS 送信で送信待ち",
    "too_long": "本文が長すぎる（上限超過）",
}


# --- Who may do what -------------------------------------------------------------------------


def _has(user, permission: str) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(permission))


def may_view_batches(user) -> bool:
    return _has(user, VIEW_BATCH)


def may_create_batches(user) -> bool:
    """The center's supervisors send (and pause, resume, cancel)."""
    return _has(user, ADD_BATCH)


def may_control_batches(user) -> bool:
    return _has(user, CHANGE_BATCH)


def batches_for(user) -> QuerySet[SmsBatch]:
    if not may_view_batches(user):
        return SmsBatch.objects.none()
    municipality_id = Municipality.objects.id_for_user(user)
    return SmsBatch.objects.filter(municipality_id=municipality_id).select_related(
        "campaign", "template", "created_by"
    )


def recent_batches(user) -> list[SmsBatch]:
    return list(batches_for(user)[:BATCH_LIST_LIMIT])


def sendable_campaigns(municipality_id: int | None) -> QuerySet[Campaign]:
    """Active ``sms`` campaigns with open items."""
    return (
        Campaign.objects.filter(
            municipality_id=municipality_id,
            channel=CampaignChannel.SMS,
            status=CampaignStatus.ACTIVE,
        )
        .filter(
            Exists(WorkItem.objects.filter(campaign=OuterRef("pk"), status=WorkItemStatus.OPEN))
        )
        .order_by("-starts_on", "-pk")
    )


# --- Targets ---------------------------------------------------------------------------------


@dataclass
class Target:
    obligor_id: int
    work_item_id: int
    name: str
    phone_id: int
    number: str
    account_ids: list[int]
    unpaid: int
    oldest_due_date: dt.date


@dataclass
class Targets:
    people: list[Target] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str, count: int = 1) -> None:
        if count:
            self.skipped[reason] = self.skipped.get(reason, 0) + count


def campaign_targets(campaign: Campaign, revenue_type: str, *, user, now: dt.datetime) -> Targets:
    targets = Targets()
    items = WorkItem.objects.filter(campaign=campaign, status=WorkItemStatus.OPEN).annotate(
        leased=leased_by_another(user, now),
        in_other_batch=Exists(
            SmsMessage.objects.filter(
                obligor_id=OuterRef("obligor_id"),
                status__in=[*PENDING_MESSAGE_STATUSES, SmsMessageStatus.SENDING],
            ).exclude(batch__status__in=ENDED_BATCH_STATUSES)
        ),
    )
    if campaign.min_days_between_contacts:
        since = now - dt.timedelta(days=campaign.min_days_between_contacts)
        items = items.annotate(paced=paced_since(since))
    free = []
    for row in items.order_by("pk").values(
        "pk", "obligor_id", "obligor__name", "leased", "in_other_batch", *(
            ["paced"] if campaign.min_days_between_contacts else []
        )
    ):  # fmt: skip
        if row["leased"]:
            targets.skip("leased")
        elif row.get("paced"):
            targets.skip("paced")
        elif row["in_other_batch"]:
            targets.skip("in_other_batch")
        else:
            free.append(row)
    owing = _owing_accounts([row["pk"] for row in free], revenue_type)
    phones = _mobiles(campaign.municipality_id, [row["obligor_id"] for row in free])
    for row in free:
        accounts = owing.get(row["pk"])
        if not accounts:
            targets.skip("nothing_unpaid")
            continue
        choice = phones.get(row["obligor_id"])
        if choice is None:
            targets.skip("no_mobile")
            continue
        if choice == "opted_out":
            targets.skip("opted_out")
            continue
        phone_id, number = choice
        targets.people.append(
            Target(
                obligor_id=row["obligor_id"],
                work_item_id=row["pk"],
                name=row["obligor__name"],
                phone_id=phone_id,
                number=number,
                account_ids=[a["account_id"] for a in accounts],
                unpaid=sum(a["unpaid"] for a in accounts),
                oldest_due_date=min(a["oldest"] for a in accounts),
            )
        )
    return targets


def _owing_accounts(item_ids: list[int], revenue_type: str) -> dict[int, list[dict]]:
    """item id → its accounts of the revenue type with something unpaid (sum, oldest due)."""
    through = WorkItem.accounts.through
    account_items: dict[int, list[int]] = {}
    for item_id, account_id in through.objects.filter(
        workitem_id__in=item_ids, account__revenue_type=revenue_type
    ).values_list("workitem_id", "account_id"):
        account_items.setdefault(account_id, []).append(item_id)
    result: dict[int, list[dict]] = {}
    rows = (
        Installment.objects.filter(account_id__in=list(account_items), unpaid__gt=0)
        .values("account_id")
        .annotate(unpaid=Sum("unpaid"), oldest=Min("due_date"))
        .order_by("account_id")
    )
    for row in rows:
        for item_id in account_items[row["account_id"]]:
            result.setdefault(item_id, []).append(row)
    return result


def _mobiles(municipality_id: int, obligor_ids: list[int]) -> dict[int, tuple[int, str] | str]:
    """obligor id → (phone id, E.164) of the best usable mobile not opted out; "opted_out" when
    every usable mobile is; absent when there is none.

    Best: confirmed 有効 first, then the one that last reached the person, then the oldest."""
    opted_out = set(
        OptOut.objects.filter(municipality_id=municipality_id).values_list("number", flat=True)
    )
    result: dict[int, tuple[int, str] | str] = {}
    rows = (
        Phone.objects.filter(obligor_id__in=obligor_ids, kind=PhoneKind.MOBILE)
        .exclude(status__in=UNUSABLE_PHONE_STATUSES)
        .order_by("obligor_id", "pk")
        .values("pk", "obligor_id", "number", "status", "last_outcome_at")
    )
    candidates: dict[int, list[dict]] = {}
    for row in rows:
        candidates.setdefault(row["obligor_id"], []).append(row)
    for obligor_id, phones in candidates.items():
        usable = [phone for phone in phones if phone["number"] not in opted_out]
        if not usable:
            result[obligor_id] = "opted_out"
            continue
        usable.sort(
            key=lambda p: (
                p["status"] != PhoneStatus.VALID,
                -(p["last_outcome_at"].timestamp() if p["last_outcome_at"] else 0),
                p["pk"],
            )
        )
        result[obligor_id] = (usable[0]["pk"], usable[0]["number"])
    return result


# --- Progress --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    total: int
    by_status: dict[str, int]

    @property
    def done(self) -> int:
        """Messages that need no more sending (whatever became of them)."""
        return self.total - sum(
            self.by_status.get(status, 0)
            for status in (*PENDING_MESSAGE_STATUSES, SmsMessageStatus.SENDING)
        )

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(self.done * 100 / self.total)

    @property
    def sent(self) -> int:
        return self.by_status.get(SmsMessageStatus.SENT, 0) + self.by_status.get(
            SmsMessageStatus.DELIVERED, 0
        )


def progress(batch: SmsBatch) -> Progress:
    return progress_for([batch])[batch.pk]


def progress_for(batches) -> dict[int, Progress]:
    """Progress of many batches in one query (the list must not ask per row)."""
    counts: dict[int, dict[str, int]] = {batch.pk: {} for batch in batches}
    grouped = (
        SmsMessage.objects.filter(batch__in=list(counts))
        .values_list("batch_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for batch_id, status, n in grouped:
        counts[batch_id][status] = n
    return {
        pk: Progress(total=sum(by_status.values()), by_status=by_status)
        for pk, by_status in counts.items()
    }


def batch_messages(batch: SmsBatch) -> QuerySet[SmsMessage]:
    """The batch's messages for its page: no text, no person, only what the list shows."""
    return (
        SmsMessage.objects.filter(batch=batch)
        .only(
            "pk", "batch_id", "number", "status", "attempts", "error_code", "error_reason",
            "sent_at", "delivered_at",
        )
        .order_by("pk")
    )  # fmt: skip


def is_over(batch: SmsBatch) -> bool:
    return batch.status in ENDED_BATCH_STATUSES


def due_batches(now: dt.datetime) -> QuerySet[SmsBatch]:
    """Batches a worker should go on with now: queued, waiting whose time came, or sending
    whose worker stopped renewing its lease (killed)."""
    free = Q(runner_until__isnull=True) | Q(runner_until__lt=now)
    return SmsBatch.objects.filter(free).filter(
        Q(status=SmsBatchStatus.QUEUED)
        | Q(status=SmsBatchStatus.SENDING)
        | Q(status=SmsBatchStatus.WAITING, next_run_at__lte=now)
    )
