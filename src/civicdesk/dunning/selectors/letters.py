"""Read queries of reminder letters (催告書): who may see batches, which campaigns can be
printed, and whom a batch is for.

Targets (issue 5 §3, seed 001 委託の内容 5 電話番号不明者に対する催告書の出力):
- a campaign with channel ``letter``: its open items;
- a call (or SMS) campaign: its 効果なし items (no usable phone, or the attempt limit reached)
  that have had no letter from this campaign yet;
- resident numbers and one revenue type (one-off letters, explicit requests: never paced).
People whose item another user holds right now are left out and counted, and so are, for
campaigns, people paced by the campaign's ``min_days_between_contacts`` (a reached contact,
a letter or an SMS since then; an inbound call after it lifts it, as in the work queue).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet

from civicdesk.core.models import Municipality
from civicdesk.dunning.choices import (
    CampaignChannel,
    CampaignKind,
    ContactChannel,
    WorkItemStatus,
)
from civicdesk.dunning.models import Campaign, Contact, LetterBatch, ReminderLetter, WorkItem
from civicdesk.receivables.models import Account, Installment
from civicdesk.registry.models import Obligor

VIEW_BATCH = "dunning.view_letterbatch"
ADD_BATCH = "dunning.add_letterbatch"
# Batches listed on the page (newest first).
BATCH_LIST_LIMIT = 100


# --- Who may do what -------------------------------------------------------------------------


def may_view_batches(user) -> bool:
    """Supervisors, staff and inspectors see batches (counts only, no personal data)."""
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(VIEW_BATCH))


def may_create_batches(user) -> bool:
    """Only the center's supervisors make and print letters (and download the files)."""
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(ADD_BATCH))


def batches_for(user) -> QuerySet[LetterBatch]:
    """The batches of the user's municipality, for roles that may see batches at all."""
    if not may_view_batches(user):
        return LetterBatch.objects.none()
    municipality_id = Municipality.objects.id_for_user(user)
    return LetterBatch.objects.filter(municipality_id=municipality_id).select_related(
        "campaign", "created_by"
    )


def recent_batches(user) -> list[LetterBatch]:
    return list(batches_for(user)[:BATCH_LIST_LIMIT])


# --- Campaigns that can be printed ---------------------------------------------------------


def printable_campaigns(municipality_id: int | None) -> QuerySet[Campaign]:
    """Letter campaigns with open items, and other campaigns with 効果なし items (not the
    automatic follow-up campaign, whose items go back to the queue)."""
    open_letters = Q(channel=CampaignChannel.LETTER) & Exists(
        WorkItem.objects.filter(campaign=OuterRef("pk"), status=WorkItemStatus.OPEN)
    )
    no_effect = (
        ~Q(channel=CampaignChannel.LETTER)
        & Q(kind=CampaignKind.PLANNED)
        & Exists(WorkItem.objects.filter(campaign=OuterRef("pk"), status=WorkItemStatus.NO_EFFECT))
    )
    return (
        Campaign.objects.filter(municipality_id=municipality_id)
        .filter(open_letters | no_effect)
        .order_by("-starts_on", "-pk")
    )


def campaign_for_letters(user, campaign_id) -> Campaign | None:
    """The campaign if it belongs to the user's municipality (None for a user: the system)."""
    campaigns = Campaign.objects.all()
    if user is not None:
        campaigns = campaigns.filter(municipality_id=Municipality.objects.id_for_user(user))
    return campaigns.filter(pk=campaign_id).first()


# --- Targets ---------------------------------------------------------------------------------


@dataclass
class Targets:
    """Whom a batch is for: per obligor the accounts (of the allowed revenue types) and the
    work item a letter settles (campaigns only); and how many people were left out, why."""

    # obligor id → (work item id or None, account ids)
    people: dict[int, tuple[int | None, list[int]]] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str, count: int = 1) -> None:
        if count:
            self.skipped[reason] = self.skipped.get(reason, 0) + count


def leased_by_another(user, now: dt.datetime) -> Exists:
    """Some item of the person (any campaign) is held by another user right now."""
    leases = WorkItem.objects.filter(obligor_id=OuterRef("obligor_id"), lease_expires_at__gt=now)
    if user is not None:
        leases = leases.exclude(lease_owner_id=user.pk)
    return Exists(leases)


def paced_since(since: dt.datetime) -> Exists:
    """A contact that paces after ``since``, not followed by an inbound call (as the queue)."""
    later_inbound = Contact.objects.filter(
        obligor_id=OuterRef("obligor_id"),
        channel=ContactChannel.INBOUND_CALL,
        at__gt=OuterRef("at"),
    )
    return Exists(
        Contact.objects.filter(obligor_id=OuterRef("obligor_id"), paces=True, at__gt=since)
        .exclude(channel=ContactChannel.INBOUND_CALL)
        .filter(~Exists(later_inbound))
    )


def campaign_items(campaign: Campaign) -> QuerySet[WorkItem]:
    """The campaign's items a batch would print (before leases and pacing)."""
    if campaign.channel == CampaignChannel.LETTER:
        return WorkItem.objects.filter(campaign=campaign, status=WorkItemStatus.OPEN)
    already = ReminderLetter.objects.filter(
        batch__campaign=campaign, obligor_id=OuterRef("obligor_id")
    )
    return WorkItem.objects.filter(campaign=campaign, status=WorkItemStatus.NO_EFFECT).exclude(
        Exists(already)
    )


def campaign_targets(campaign: Campaign, *, user, revenue_types, now: dt.datetime) -> Targets:
    targets = Targets()
    items = campaign_items(campaign).annotate(leased=leased_by_another(user, now))
    if campaign.min_days_between_contacts:
        since = now - dt.timedelta(days=campaign.min_days_between_contacts)
        items = items.annotate(paced=paced_since(since))
    rows = list(items.order_by("pk").values())
    free = []
    for row in rows:
        if row["leased"]:
            targets.skip("leased")
        elif row.get("paced"):
            targets.skip("paced")
        else:
            free.append(row)
    accounts = _item_accounts([row["id"] for row in free], revenue_types)
    for row in free:
        targets.people[row["obligor_id"]] = (row["id"], accounts.get(row["id"], []))
    return targets


def _item_accounts(item_ids: list[int], revenue_types) -> dict[int, list[int]]:
    through = WorkItem.accounts.through
    pairs = through.objects.filter(
        workitem_id__in=item_ids, account__revenue_type__in=list(revenue_types)
    ).values_list("workitem_id", "account_id")
    result: dict[int, list[int]] = {}
    for item_id, account_id in pairs.order_by("workitem_id", "account_id"):
        result.setdefault(item_id, []).append(account_id)
    return result


@dataclass
class ResidentTargets:
    targets: Targets
    unknown: list[str]
    nothing_unpaid: list[str]


def resident_targets(
    municipality_id: int, resident_nos: list[str], revenue_type: str, *, user, now: dt.datetime
) -> ResidentTargets:
    """One-off letters: the people's accounts of ``revenue_type`` with something unpaid."""
    obligors = {
        row["resident_no"]: row
        for row in Obligor.objects.filter(
            municipality_id=municipality_id, resident_no__in=resident_nos
        )
        .annotate(
            leased=Exists(
                _lease_query(user, now).filter(obligor_id=OuterRef("pk")),
            )
        )
        .values("pk", "resident_no", "leased")
    }
    unpaid_accounts: dict[int, list[int]] = {}
    for account_id, obligor_id in (
        Account.objects.filter(
            obligor_id__in=[row["pk"] for row in obligors.values()],
            revenue_type=revenue_type,
        )
        .filter(Exists(Installment.objects.filter(account_id=OuterRef("pk"), unpaid__gt=0)))
        .order_by("pk")
        .values_list("pk", "obligor_id")
    ):
        unpaid_accounts.setdefault(obligor_id, []).append(account_id)
    result = ResidentTargets(Targets(), unknown=[], nothing_unpaid=[])
    for resident_no in resident_nos:
        row = obligors.get(resident_no)
        if row is None:
            result.unknown.append(resident_no)
        elif row["pk"] not in unpaid_accounts:
            result.nothing_unpaid.append(resident_no)
        elif row["leased"]:
            result.targets.skip("leased")
        else:
            result.targets.people[row["pk"]] = (None, unpaid_accounts[row["pk"]])
    return result


def _lease_query(user, now: dt.datetime) -> QuerySet[WorkItem]:
    leases = WorkItem.objects.filter(lease_expires_at__gt=now)
    if user is not None:
        leases = leases.exclude(lease_owner_id=user.pk)
    return leases


def people_leased_now(obligor_ids, *, user, now: dt.datetime) -> list[int]:
    """Of ``obligor_ids``, those another user holds an item of now (re-checked at writing)."""
    return list(
        _lease_query(user, now)
        .filter(obligor_id__in=list(obligor_ids))
        .values_list("obligor_id", flat=True)
        .distinct()
    )


# --- What goes on the letters ----------------------------------------------------------------


def letter_rows(people: dict[int, tuple[int | None, list[int]]]):
    """Obligors, accounts and unpaid installments of the targets, read in three queries."""
    account_ids = [account_id for _item, ids in people.values() for account_id in ids]
    obligors = {
        row["pk"]: row
        for row in Obligor.objects.filter(pk__in=list(people)).values(
            "pk", "resident_no", "name", "postal_code", "address", "address_extra"
        )
    }
    accounts = {
        row["pk"]: row
        for row in Account.objects.filter(pk__in=account_ids).values(
            "pk", "obligor_id", "revenue_type", "case_no", "insured_no"
        )
    }
    installments: dict[int, list[dict]] = {}
    for row in (
        Installment.objects.filter(account_id__in=account_ids, unpaid__gt=0)
        .order_by("fiscal_year", "due_date", "period", "pk")
        .values("account_id", "fiscal_year", "period", "due_date", "unpaid")
    ):
        installments.setdefault(row["account_id"], []).append(row)
    return obligors, accounts, installments
