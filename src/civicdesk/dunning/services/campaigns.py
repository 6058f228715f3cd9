"""Campaigns (架電計画・訪問計画): preview, create, (re)build the work items, pause / close,
drop items paid in full after a payments import, and the municipality's follow-up campaign.

A build is all or nothing (DESIGN rule 3): the campaign, its items and their account links are
written in one transaction, with bulk inserts and updates so that 40,000 obligors take seconds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import islice

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from civicdesk.accounts.models import Team, User
from civicdesk.core.choices import RevenueType
from civicdesk.core.models import Municipality
from civicdesk.dunning.choices import (
    CampaignChannel,
    CampaignKind,
    CampaignStatus,
    ContactOutcome,
    NoEffectReason,
    PriorityRule,
    WorkItemStatus,
)
from civicdesk.dunning.conditions import ConditionError, Conditions, ObligorGroup, obligor_groups
from civicdesk.dunning.models import Campaign, WorkItem
from civicdesk.dunning.selectors.campaigns import ASSIGNABLE_ROLES, municipality_revenue_types
from civicdesk.privacy.models import AccessAction
from civicdesk.privacy.services import record_access
from civicdesk.receivables.models import Installment

# Priority ties (newest / oldest due date) go to the larger unpaid total: date * TIE + amount.
TIE = 10**12
# Ids per query for IN (...) lists: well below SQLite's variable limit.
CHUNK = 500
FOLLOW_UP_ENDS_ON = dt.date(2099, 12, 31)
RETRY_OUTCOMES = (ContactOutcome.BUSY, ContactOutcome.NO_ANSWER, ContactOutcome.VOICEMAIL)
MAX_RETRY_MINUTES = 60 * 24 * 14
# Status changes a supervisor may make: pause / resume / close.
STATUS_CHANGES = {
    CampaignStatus.ACTIVE: {CampaignStatus.PAUSED, CampaignStatus.CLOSED},
    CampaignStatus.PAUSED: {CampaignStatus.ACTIVE, CampaignStatus.CLOSED},
    CampaignStatus.CLOSED: set(),
}


@dataclass
class RevenueTypeCount:
    revenue_type: str
    label: str
    obligors: int = 0
    accounts: int = 0


@dataclass
class CampaignPreview:
    """What a campaign with these conditions would hold, before it is saved."""

    obligors: int
    accounts: int
    unpaid_total: int
    by_revenue_type: list[RevenueTypeCount]
    no_phone: int | None  # channel call only: obligors with no usable phone (効果なし)


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


# --- helpers ---------------------------------------------------------------------------------


def municipality_of(user) -> Municipality | None:
    if getattr(user, "municipality_id", None):
        return user.municipality
    return Municipality.objects.default()


def _require(user, permission: str, message: str) -> None:
    if not getattr(user, "is_authenticated", False) or not user.has_perm(permission):
        raise PermissionDenied(message)


def _require_own(user, campaign: Campaign) -> None:
    municipality = municipality_of(user)
    if municipality is None or campaign.municipality_id != municipality.pk:
        raise PermissionDenied("この自治体の催告計画ではありません。")


def _chunks(ids: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def _today(today: dt.date | None) -> dt.date:
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


# --- preview -----------------------------------------------------------------------------------


def preview_campaign(
    *,
    acting_user,
    conditions: Conditions | dict,
    channel: str,
    municipality: Municipality | None = None,
    starts_on: dt.date | None = None,
    today: dt.date | None = None,
    ip_address: str | None = None,
) -> CampaignPreview:
    """Counts for the 「件数を確認」 button; writes nothing but the access-log search entry."""
    _require(acting_user, "dunning.add_campaign", "催告計画を作成する権限がありません。")
    municipality = municipality or municipality_of(acting_user)
    conditions = _checked_conditions(conditions, municipality)
    today = _today(today)
    groups = obligor_groups(
        conditions,
        municipality,
        today=today,
        age_on=starts_on or today,
        with_phone_flag=channel == CampaignChannel.CALL,
    )
    preview = _preview_of(groups.values(), channel=channel)
    record_access(
        acting_user=acting_user,
        action=AccessAction.SEARCH,
        reason=(
            f"催告計画の件数確認: {preview.obligors} 人・{preview.accounts} 口座・"
            f"未納額 {preview.unpaid_total} 円"
        ),
        ip_address=ip_address,
    )
    return preview


def _preview_of(groups: Iterable[ObligorGroup], *, channel: str) -> CampaignPreview:
    by_type = {code: RevenueTypeCount(code, label) for code, label in RevenueType.choices}
    obligors = accounts = unpaid = no_phone = 0
    for group in groups:
        obligors += 1
        accounts += len(group.account_ids)
        unpaid += group.unpaid_total
        no_phone += not group.has_usable_phone
        for code, count in group.accounts_by_type.items():
            by_type[code].obligors += 1
            by_type[code].accounts += count
    return CampaignPreview(
        obligors=obligors,
        accounts=accounts,
        unpaid_total=unpaid,
        by_revenue_type=[count for count in by_type.values() if count.obligors],
        no_phone=no_phone if channel == CampaignChannel.CALL else None,
    )


# --- create ------------------------------------------------------------------------------------


def create_campaign(
    *,
    acting_user,
    name: str,
    channel: str,
    starts_on: dt.date,
    ends_on: dt.date,
    conditions: Conditions | dict,
    priority_rule: str = PriorityRule.NEWEST_ARREARS,
    max_attempts: int = 5,
    min_days_between_contacts: int = 3,
    retry_rules: dict | None = None,
    script: str = "",
    teams: Sequence[Team | int] = (),
    operators: Sequence[User | int] = (),
    municipality: Municipality | None = None,
    today: dt.date | None = None,
    ip_address: str | None = None,
) -> Campaign:
    """Validate, save and build the items in one transaction (nothing is left on failure).

    Raises ValidationError (field → Japanese message) for invalid input and PermissionDenied
    without ``dunning.add_campaign``. The build's counts are on ``campaign.build_result``.
    """
    _require(acting_user, "dunning.add_campaign", "催告計画を作成する権限がありません。")
    municipality = municipality or municipality_of(acting_user)
    if municipality is None:
        raise ValidationError("自治体が登録されていません。")
    conditions = _checked_conditions(conditions, municipality)
    team_objs, operator_objs = _check_settings(
        municipality,
        name=name,
        channel=channel,
        starts_on=starts_on,
        ends_on=ends_on,
        priority_rule=priority_rule,
        max_attempts=max_attempts,
        min_days_between_contacts=min_days_between_contacts,
        retry_rules=retry_rules,
        teams=teams,
        operators=operators,
    )
    with transaction.atomic():
        campaign = Campaign.objects.create(
            municipality=municipality,
            name=name.strip(),
            kind=CampaignKind.PLANNED,
            channel=channel,
            starts_on=starts_on,
            ends_on=ends_on,
            priority_rule=priority_rule,
            conditions=conditions.to_json(),
            max_attempts=max_attempts,
            min_days_between_contacts=min_days_between_contacts,
            retry_rules=retry_rules or {},
            script=script,
            created_by=acting_user,
        )
        campaign.teams.set(team_objs)
        campaign.operators.set(operator_objs)
        result = build_items(campaign, today=today)
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=campaign,
            reason=f"催告計画の作成と対象抽出: {result.summary()}",
            ip_address=ip_address,
        )
    campaign.build_result = result
    return campaign


def _checked_conditions(conditions: Conditions | dict, municipality) -> Conditions:
    try:
        if not isinstance(conditions, Conditions):
            conditions = Conditions.from_json(conditions)
    except ConditionError as problem:
        raise ValidationError({problem.field: problem.message}) from None
    handled = municipality_revenue_types(municipality.pk)
    missing = [code for code in conditions.revenue_types if code not in handled]
    if missing:
        labels = "、".join(RevenueType(code).label for code in missing)
        raise ValidationError(
            {"revenue_types": f"この自治体で扱っていない税目・保険料です: {labels}"}
        )
    return conditions


def _check_settings(municipality, **values) -> tuple[list[Team], list[User]]:
    errors: dict[str, str] = {}
    if not (values["name"] or "").strip():
        errors["name"] = "計画名を入力してください。"
    elif len(values["name"].strip()) > 100:
        errors["name"] = "計画名は 100 文字以内で入力してください。"
    if values["channel"] not in CampaignChannel.values:
        errors["channel"] = "手段を選んでください。"
    if values["priority_rule"] not in PriorityRule.values:
        errors["priority_rule"] = "優先順位を選んでください。"
    starts_on, ends_on = values["starts_on"], values["ends_on"]
    if not isinstance(starts_on, dt.date):
        errors["starts_on"] = "開始日を入力してください。"
    if not isinstance(ends_on, dt.date):
        errors["ends_on"] = "終了日を入力してください。"
    elif isinstance(starts_on, dt.date) and ends_on < starts_on:
        errors["ends_on"] = "終了日は開始日以降の日付にしてください。"
    if not _int_between(values["max_attempts"], 1, 99):
        errors["max_attempts"] = "最大架電回数は 1〜99 で入力してください。"
    if not _int_between(values["min_days_between_contacts"], 0, 365):
        errors["min_days_between_contacts"] = "催告間隔は 0〜365 日で入力してください。"
    retry_error = _retry_rules_error(values["retry_rules"])
    if retry_error:
        errors["retry_rules"] = retry_error
    teams = _teams(municipality, values["teams"], errors)
    operators = _operators(municipality, values["operators"], errors)
    if errors:
        raise ValidationError(errors)
    return teams, operators


def _int_between(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _retry_rules_error(rules) -> str:
    if rules in (None, {}):
        return ""
    if not isinstance(rules, dict):
        return "再架電ルールの形式が正しくありません。"
    labels = dict(ContactOutcome.choices)
    for outcome, rule in rules.items():
        if outcome not in RETRY_OUTCOMES:
            return f"再架電ルールにできない結果です: {labels.get(outcome, outcome)}"
        label = labels[outcome]
        if not isinstance(rule, dict) or set(rule) - {"minutes", "other_time_of_day"}:
            return f"再架電ルール（{label}）の形式が正しくありません。"
        if not _int_between(rule.get("minutes"), 1, MAX_RETRY_MINUTES):
            return f"再架電ルール（{label}）の分数は 1〜{MAX_RETRY_MINUTES} で入力してください。"
        if not isinstance(rule.get("other_time_of_day", False), bool):
            return f"再架電ルール（{label}）の「別の時間帯」が正しくありません。"
    return ""


def _pks(values: Sequence) -> list[int]:
    return sorted({getattr(value, "pk", value) for value in values})


def _teams(municipality, teams, errors) -> list[Team]:
    ids = _pks(teams)
    found = list(Team.objects.filter(pk__in=ids, municipality=municipality))
    if len(found) != len(ids):
        errors["teams"] = "この自治体のチームではないものが含まれています。"
    return found


def _operators(municipality, operators, errors) -> list[User]:
    ids = _pks(operators)
    found = list(
        User.objects.filter(
            pk__in=ids, municipality=municipality, role__in=ASSIGNABLE_ROLES, is_active=True
        )
    )
    if len(found) != len(ids):
        errors["operators"] = "この自治体のオペレータ・訪問員ではない人が含まれています。"
    return found


# --- build / rebuild ---------------------------------------------------------------------------


def rebuild_campaign(
    *, acting_user, campaign: Campaign, today: dt.date | None = None, ip_address=None
) -> BuildResult:
    """Re-run the conditions: add new matches, update and drop open items (worked ones stay)."""
    _require(acting_user, "dunning.change_campaign", "催告計画を変更する権限がありません。")
    _require_own(acting_user, campaign)
    if campaign.kind == CampaignKind.FOLLOW_UP:
        raise ValidationError("約束不履行フォローの計画には抽出条件がないため、再抽出できません。")
    if campaign.status == CampaignStatus.CLOSED:
        raise ValidationError("終了した計画は再抽出できません。")
    with transaction.atomic():
        # Lock the campaign row: two rebuilds of one campaign would add the same obligors.
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        result = build_items(campaign, today=today)
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=campaign,
            reason=f"催告計画の再抽出: {result.summary()}",
            ip_address=ip_address,
        )
    return result


def build_items(campaign: Campaign, *, today: dt.date | None = None) -> BuildResult:
    """(Re)build the campaign's items from its conditions; run inside the caller's transaction.

    One item per obligor (unique campaign + obligor). New matches are added (a dropped item
    of the same obligor is reopened); open items are updated, or dropped when they no longer
    match; done and no_effect items keep their state and history. For a call campaign an
    obligor without a usable phone gets a 効果なし item (seed 000 §8(1)⑩).
    """
    today = _today(today)
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


# --- status ------------------------------------------------------------------------------------


def set_campaign_status(
    *, acting_user, campaign: Campaign, status: str, ip_address: str | None = None
) -> Campaign:
    """Pause, resume or close a campaign (a closed campaign stays closed)."""
    _require(acting_user, "dunning.change_campaign", "催告計画を変更する権限がありません。")
    _require_own(acting_user, campaign)
    if status not in CampaignStatus.values:
        raise ValidationError({"status": "状態が正しくありません。"})
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if status not in STATUS_CHANGES[campaign.status]:
            current = CampaignStatus(campaign.status).label
            target = CampaignStatus(status).label
            raise ValidationError({"status": f"「{current}」の計画を「{target}」にはできません。"})
        old = campaign.get_status_display()
        campaign.status = status
        campaign.save(update_fields=["status"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=campaign,
            fields=["status"],
            reason=f"催告計画の状態: {old} → {campaign.get_status_display()}",
            ip_address=ip_address,
        )
    return campaign


# --- after a payments import -------------------------------------------------------------------


def drop_paid_items(
    *, acting_user, installment_ids: Iterable[int], today: dt.date | None = None
) -> int:
    """Open items whose accounts have nothing unpaid left become 対象外; the other open items
    touched get their amounts, due dates and priority refreshed. Returns how many dropped.

    Runs inside the payments import's transaction (receivables.hooks): a failure rolls the
    import back. Every list of ids is chunked for SQLite's variable limit.
    """
    today = _today(today)
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


# --- the follow-up campaign --------------------------------------------------------------------


def ensure_follow_up_campaign(municipality: Municipality) -> Campaign:
    """The municipality's one follow-up campaign (broken promises), made on first need.

    Open-ended, calls, no teams or operators (everyone may work it), no conditions: its
    items are added one by one by the promises part and it is never rebuilt.
    """
    campaign, _ = Campaign.objects.get_or_create(
        municipality=municipality,
        kind=CampaignKind.FOLLOW_UP,
        defaults={
            "name": "約束不履行フォロー",
            "channel": CampaignChannel.CALL,
            "starts_on": timezone.localdate(),
            "ends_on": FOLLOW_UP_ENDS_ON,
            "priority_rule": PriorityRule.NEWEST_ARREARS,
            "conditions": {},
        },
    )
    return campaign
