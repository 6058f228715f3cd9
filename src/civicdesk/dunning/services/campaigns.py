"""Campaigns (架電計画・訪問計画): preview, create, rebuild, pause / close, and the
municipality's follow-up campaign. The work items themselves: services.campaign_items.

A build is all or nothing (DESIGN rule 3): the campaign, its items and their account links are
written in one transaction, with bulk inserts and updates so that 40,000 obligors take seconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from civicdesk.accounts.models import Team, User
from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.choices import RevenueType
from civicdesk.core.models import Municipality
from civicdesk.dunning.choices import (
    CampaignChannel,
    CampaignKind,
    CampaignStatus,
    ContactOutcome,
    PriorityRule,
)
from civicdesk.dunning.conditions import ConditionError, Conditions, ObligorGroup, obligor_groups
from civicdesk.dunning.models import Campaign
from civicdesk.dunning.selectors.campaigns import ASSIGNABLE_ROLES, municipality_revenue_types
from civicdesk.dunning.services import campaign_items
from civicdesk.dunning.services.campaign_items import BuildResult

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


# --- helpers ---------------------------------------------------------------------------------


def _require(user, permission: str, message: str) -> None:
    if not getattr(user, "is_authenticated", False) or not user.has_perm(permission):
        raise PermissionDenied(message)


def _require_own(user, campaign: Campaign) -> None:
    municipality = Municipality.objects.for_user(user)
    if municipality is None or campaign.municipality_id != municipality.pk:
        raise PermissionDenied("この自治体の催告計画ではありません。")


# --- preview -----------------------------------------------------------------------------------


def preview_campaign(
    *,
    acting_user,
    conditions: Conditions | dict,
    channel: str,
    municipality: Municipality | None = None,
    starts_on: dt.date | None = None,
    today: dt.date | None = None,
) -> CampaignPreview:
    """Counts for the 「件数を確認」 button; writes nothing but the access-log search entry."""
    _require(acting_user, "dunning.add_campaign", "催告計画を作成する権限がありません。")
    municipality = municipality or Municipality.objects.for_user(acting_user)
    conditions = _checked_conditions(conditions, municipality)
    today = campaign_items.today_or(today)
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
) -> Campaign:
    """Validate, save and build the items in one transaction (nothing is left on failure).

    Raises ValidationError (field → Japanese message) for invalid input and PermissionDenied
    without ``dunning.add_campaign``. The build's counts are on ``campaign.build_result``.
    """
    _require(acting_user, "dunning.add_campaign", "催告計画を作成する権限がありません。")
    municipality = municipality or Municipality.objects.for_user(acting_user)
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
        result = campaign_items.build_items(campaign, today=today)
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=campaign,
            reason=f"催告計画の作成と対象抽出: {result.summary()}",
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
    *, acting_user, campaign: Campaign, today: dt.date | None = None
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
        result = campaign_items.build_items(campaign, today=today)
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=campaign,
            reason=f"催告計画の再抽出: {result.summary()}",
        )
    return result


# --- status ------------------------------------------------------------------------------------


def set_campaign_status(*, acting_user, campaign: Campaign, status: str) -> Campaign:
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
        )
    return campaign


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
