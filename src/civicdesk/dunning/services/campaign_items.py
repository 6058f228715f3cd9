"""A campaign's work items: built from its conditions, rebuilt, and refreshed or dropped after a
payments import. Writes go in bulk (plain executemany on tuples: Django's per-instance
preparation took most of a 40,000-item build), inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import islice

from django.db import connection
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.dunning.choices import CampaignChannel, NoEffectReason, PriorityRule, WorkItemStatus
from civicdesk.dunning.conditions import Conditions, ObligorGroup, obligor_groups
from civicdesk.dunning.models import Campaign, WorkItem
from civicdesk.receivables.models import Installment

# Priority ties (newest / oldest due date) go to the larger unpaid total: date * TIE + amount.
TIE = 10**12
# Ids per query for IN (...) lists: well below SQLite's variable limit.
CHUNK = 500


@dataclass
class BuildResult:
    added: int = 0
    updated: int = 0
    dropped: int = 0
    unchanged: int = 0
    no_phone: int = 0  # added or updated items set to 効果なし for want of a phone
    kept: int = 0  # done / no_effect items left as they were

    def summary(self) -> str:
        return (
            f"追加 {self.added} 件・更新 {self.updated} 件・対象外 {self.dropped} 件"
            f"（うち電話番号なしで効果なし {self.no_phone} 件）"
        )


@dataclass
class _ItemValues:
    """The columns a build writes, compared with what an item holds to skip unchanged rows."""

    revenue_types: list[str]
    unpaid_total: int
    oldest_due_date: dt.date | None
    newest_due_date: dt.date | None
    overdue_periods: int
    priority: int
    status: str
    no_effect_reason: str
    account_ids: list[int] = field(default_factory=list)


VALUE_FIELDS = [
    "revenue_types",
    "unpaid_total",
    "oldest_due_date",
    "newest_due_date",
    "overdue_periods",
    "priority",
    "status",
    "no_effect_reason",
]


def _chunks(ids: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def today_or(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def priority_for(
    rule: str, *, unpaid_total: int, oldest_due_date: dt.date, newest_due_date: dt.date
) -> int:
    """The campaign's priority rule as one integer, higher first."""
    tie = min(max(unpaid_total, 0), TIE - 1)
    if rule == PriorityRule.LARGEST_UNPAID:
        return unpaid_total
    if rule == PriorityRule.OLDEST_DUE:
        return -oldest_due_date.toordinal() * TIE + tie
    # newest_arrears: early contact after the due date (seed 001 委託理由).
    return newest_due_date.toordinal() * TIE + tie


def item_figures(campaign: Campaign, accounts, today: dt.date) -> dict:
    """An item's figures from its accounts (unpaid, due dates, overdue periods, revenue types)
    and its priority by the campaign's rule: for items made one at a time (follow-ups)."""
    owing = Installment.objects.filter(account__in=accounts, unpaid__gt=0)
    result = owing.aggregate(
        unpaid_total=Sum("unpaid", default=0),
        oldest=Min("due_date"),
        newest=Max("due_date"),
        overdue=Count("pk", filter=Q(due_date__lt=today)),
    )
    figures = {
        "unpaid_total": result["unpaid_total"],
        "oldest_due_date": result["oldest"],
        "newest_due_date": result["newest"],
        "overdue_periods": result["overdue"],
        "revenue_types": sorted({account.revenue_type for account in accounts}),
    }
    if result["oldest"] is not None:
        figures["priority"] = priority_for(
            campaign.priority_rule,
            unpaid_total=result["unpaid_total"],
            oldest_due_date=result["oldest"],
            newest_due_date=result["newest"],
        )
    return figures


# --- build / rebuild ---------------------------------------------------------------------------


def build_items(campaign: Campaign, *, today: dt.date | None = None) -> BuildResult:
    """(Re)build the campaign's items from its conditions; run inside the caller's transaction.

    One item per obligor (unique campaign + obligor). New matches are added (a dropped item
    of the same obligor is reopened); open items are updated, or dropped when they no longer
    match; done and no_effect items keep their state and history. For a call campaign an
    obligor without a usable phone gets a 効果なし item (seed 000 §8(1)⑩).
    """
    today = today_or(today)
    conditions = Conditions.from_json(campaign.conditions)
    groups = obligor_groups(
        conditions,
        campaign.municipality,
        today=today,
        age_on=campaign.starts_on,
        with_phone_flag=campaign.channel == CampaignChannel.CALL,
    )
    existing = {
        row["obligor_id"]: row
        for row in WorkItem.objects.filter(campaign=campaign).values(
            "pk", *VALUE_FIELDS, "obligor_id"
        )
    }
    links = _links(campaign)
    result = BuildResult()
    new_items: list[tuple[int, _ItemValues]] = []
    changed: list[tuple[int, _ItemValues, list[int] | None]] = []
    for obligor_id, group in groups.items():
        values = _values_for(campaign, group)
        old = existing.get(obligor_id)
        if old is None:
            new_items.append((obligor_id, values))
            result.added += 1
        elif old["status"] in (WorkItemStatus.OPEN, WorkItemStatus.DROPPED):
            if old["status"] == WorkItemStatus.DROPPED:
                result.added += 1
            old_links = links.get(old["pk"], set())
            same_links = old_links == set(values.account_ids)
            if all(old[name] == value for name, value in _columns(values).items()) and same_links:
                result.unchanged += 1
                continue
            if old["status"] == WorkItemStatus.OPEN:
                result.updated += 1
            changed.append((old["pk"], values, None if same_links else values.account_ids))
        else:
            result.kept += 1
            continue
        result.no_phone += values.status == WorkItemStatus.NO_EFFECT
    gone = [
        row["pk"]
        for obligor_id, row in existing.items()
        if row["status"] == WorkItemStatus.OPEN and obligor_id not in groups
    ]
    _write(campaign, new_items, changed, gone, groups)
    result.dropped = len(gone)
    campaign.built_at = timezone.now()
    Campaign.objects.filter(pk=campaign.pk).update(built_at=campaign.built_at)
    return result


def _values_for(campaign: Campaign, group: ObligorGroup) -> _ItemValues:
    no_phone = campaign.channel == CampaignChannel.CALL and not group.has_usable_phone
    return _ItemValues(
        revenue_types=group.revenue_types,
        unpaid_total=group.unpaid_total,
        oldest_due_date=group.oldest_due_date,
        newest_due_date=group.newest_due_date,
        overdue_periods=group.overdue_periods,
        priority=priority_for(
            campaign.priority_rule,
            unpaid_total=group.unpaid_total,
            oldest_due_date=group.oldest_due_date,
            newest_due_date=group.newest_due_date,
        ),
        status=WorkItemStatus.NO_EFFECT if no_phone else WorkItemStatus.OPEN,
        no_effect_reason=NoEffectReason.NO_PHONE if no_phone else "",
        account_ids=group.account_ids,
    )


def _columns(values: _ItemValues) -> dict:
    return {name: getattr(values, name) for name in VALUE_FIELDS}


def _links(campaign: Campaign) -> dict[int, set[int]]:
    through = WorkItem.accounts.through
    links: dict[int, set[int]] = defaultdict(set)
    rows = through.objects.filter(workitem__campaign=campaign).values_list(
        "workitem_id", "account_id"
    )
    for item_id, account_id in rows:
        links[item_id].add(account_id)
    return links


def _write(campaign, new_items, changed, gone, groups) -> None:
    now = timezone.now()
    if new_items:
        _insert_rows(
            WorkItem,
            [
                "campaign",
                "obligor",
                *VALUE_FIELDS,
                "attempts",
                "last_outcome",
                "created_at",
                "updated_at",
            ],
            (
                (campaign.pk, obligor_id, *_columns(values).values(), 0, "", now, now)
                for obligor_id, values in new_items
            ),
        )
        created = {obligor_id for obligor_id, _ in new_items}
        ids = WorkItem.objects.filter(campaign=campaign).order_by().values_list("obligor_id", "pk")
        _link(
            (item_id, account_id)
            for obligor_id, item_id in ids
            if obligor_id in created
            for account_id in groups[obligor_id].account_ids
        )
    if changed:
        _update_rows(
            WorkItem,
            [*VALUE_FIELDS, "updated_at"],
            ((pk, *_columns(values).values(), now) for pk, values, _ in changed),
        )
        relinked = {pk: account_ids for pk, values, account_ids in changed if account_ids}
        through = WorkItem.accounts.through
        for chunk in _chunks(relinked):
            through.objects.filter(workitem_id__in=chunk).delete()
        _link(
            (item_id, account_id)
            for item_id, account_ids in relinked.items()
            for account_id in account_ids
        )
    for chunk in _chunks(gone):
        WorkItem.objects.filter(pk__in=chunk, status=WorkItemStatus.OPEN).update(
            status=WorkItemStatus.DROPPED, updated_at=now
        )


def _link(pairs: Iterable[tuple[int, int]]) -> None:
    """Bulk M2M through-row insert (WorkItem.accounts.through)."""
    _insert_rows(WorkItem.accounts.through, ["workitem", "account"], pairs)


# Django's bulk_create and bulk_update build a model instance and prepare every value of
# every field per row: for 40,000 items that is most of a build's time. These write plain
# tuples with executemany, preparing only the values whose type needs it (dates, JSON).
BATCH = 2000


def _preparers(model, names: list[str]) -> tuple[list[str], list]:
    columns, preparers = [], []
    for name in names:
        model_field = model._meta.get_field(name)
        columns.append(connection.ops.quote_name(model_field.column))
        needs_prep = model_field.get_internal_type() in {"DateField", "DateTimeField", "JSONField"}
        preparers.append(
            partial(model_field.get_db_prep_save, connection=connection) if needs_prep else None
        )
    return columns, preparers


def _prepared(row: tuple, preparers: list) -> tuple:
    return tuple(
        value if prep is None else prep(value) for value, prep in zip(row, preparers, strict=True)
    )


def _insert_rows(model, names: list[str], rows: Iterable[tuple]) -> None:
    columns, preparers = _preparers(model, names)
    table = connection.ops.quote_name(model._meta.db_table)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
    _execute_many(sql, (_prepared(row, preparers) for row in rows))


def _update_rows(model, names: list[str], rows: Iterable[tuple]) -> None:
    """Rows are (pk, *values in the order of ``names``)."""
    columns, preparers = _preparers(model, names)
    table = connection.ops.quote_name(model._meta.db_table)
    assignments = ", ".join(f"{column} = %s" for column in columns)
    pk = connection.ops.quote_name(model._meta.pk.column)
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"
    _execute_many(sql, ((*_prepared(row[1:], preparers), row[0]) for row in rows))


def _execute_many(sql: str, params: Iterable[tuple]) -> None:
    params = iter(params)
    with connection.cursor() as cursor:
        while batch := list(islice(params, BATCH)):
            cursor.executemany(sql, batch)


# --- after a payments import -------------------------------------------------------------------


def drop_paid_items(
    *, acting_user, installment_ids: Iterable[int], today: dt.date | None = None
) -> int:
    """Open items whose accounts have nothing unpaid left become 対象外; the other open items
    touched get their amounts, due dates and priority refreshed. Returns how many dropped.

    Runs inside the payments import's transaction (receivables.hooks): a failure rolls the
    import back. Every list of ids is chunked for SQLite's variable limit.
    """
    today = today_or(today)
    through = WorkItem.accounts.through
    account_ids: set[int] = set()
    for chunk in _chunks(installment_ids):
        account_ids.update(
            Installment.objects.filter(pk__in=chunk).order_by().values_list("account_id", flat=True)
        )
    # Two plain index lookups, not one join: with a join on the item's status SQLite walks
    # every open item of every campaign for each chunk.
    candidates: set[int] = set()
    for chunk in _chunks(account_ids):
        candidates.update(
            through.objects.filter(account_id__in=chunk).values_list("workitem_id", flat=True)
        )
    item_ids: set[int] = set()
    for chunk in _chunks(candidates):
        item_ids.update(
            WorkItem.objects.filter(pk__in=chunk, status=WorkItemStatus.OPEN)
            .order_by()
            .values_list("pk", flat=True)
        )
    dropped: list[int] = []
    refreshed: list[tuple] = []  # (pk, *REFRESHED_FIELDS values)
    for chunk in _chunks(item_ids):
        _refresh_chunk(chunk, today, dropped, refreshed)
    now = timezone.now()
    for chunk in _chunks(dropped):
        WorkItem.objects.filter(pk__in=chunk, status=WorkItemStatus.OPEN).update(
            status=WorkItemStatus.DROPPED, updated_at=now
        )
    if refreshed:
        _update_rows(
            WorkItem, [*REFRESHED_FIELDS, "updated_at"], ((*row, now) for row in refreshed)
        )
    if dropped or refreshed:
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            reason=(
                f"納付の取込みによる案件の更新: 完納で対象外 {len(dropped)} 件・"
                f"未納額の更新 {len(refreshed)} 件"
            ),
        )
    return len(dropped)


REFRESHED_FIELDS = [
    "unpaid_total",
    "oldest_due_date",
    "newest_due_date",
    "overdue_periods",
    "priority",
]


def _refresh_chunk(item_ids, today, dropped: list[int], refreshed: list[tuple]) -> None:
    unpaid = Q(account__installments__unpaid__gt=0)
    rows = (
        WorkItem.accounts.through.objects.filter(workitem_id__in=item_ids)
        .values("workitem_id")
        .annotate(
            total=Sum("account__installments__unpaid", filter=unpaid),
            oldest=Min("account__installments__due_date", filter=unpaid),
            newest=Max("account__installments__due_date", filter=unpaid),
            overdue=Count(
                "account__installments",
                filter=unpaid & Q(account__installments__due_date__lt=today),
            ),
        )
        .order_by()
    )
    totals = {row["workitem_id"]: row for row in rows}
    items = (
        WorkItem.objects.filter(pk__in=item_ids)
        .order_by()
        .values(
            "pk",
            "unpaid_total",
            "oldest_due_date",
            "newest_due_date",
            "overdue_periods",
            "campaign__priority_rule",
        )
    )
    for item in items:
        row = totals.get(item["pk"])
        if row is None or not row["total"]:
            dropped.append(item["pk"])
            continue
        fresh = (row["total"], row["oldest"], row["newest"], row["overdue"])
        held = tuple(
            item[name]
            for name in ("unpaid_total", "oldest_due_date", "newest_due_date", "overdue_periods")
        )
        if fresh == held:
            continue
        priority = priority_for(
            item["campaign__priority_rule"],
            unpaid_total=row["total"],
            oldest_due_date=row["oldest"],
            newest_due_date=row["newest"],
        )
        refreshed.append((item["pk"], *fresh, priority))
