"""Read queries of campaigns: who sees which campaign, and a campaign's counts.

- supervisors, staff and inspectors see every campaign of their municipality (supervisors
  plan them, staff and inspectors read them);
- operators and visitors see the campaigns they are assigned to (as an operator or through
  their team) and those assigned to nobody, which everyone works;
- administrators see none (they run the system, not the work).
Campaign pages show settings and counts, never personal data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from civicdesk.accounts.models import Role, Team, User
from civicdesk.core.choices import RevenueType
from civicdesk.core.models import Municipality
from civicdesk.dunning.choices import (
    DEFAULT_RETRY_RULES,
    ContactOutcome,
    NoEffectReason,
    WorkItemStatus,
)
from civicdesk.dunning.conditions import DEMAND_NOTICE_CHOICES, FIELD_LABELS, Conditions
from civicdesk.dunning.models import Campaign, WorkItem
from civicdesk.receivables.models import Account, CollectionKind
from civicdesk.registry.models import Obligor

READER_ROLES = {Role.SUPERVISOR, Role.STAFF, Role.INSPECTOR}
ASSIGNED_ROLES = {Role.OPERATOR, Role.VISITOR}
# Who may be named as a campaign's operator: the roles that work cases.
ASSIGNABLE_ROLES = (Role.OPERATOR, Role.VISITOR, Role.SUPERVISOR)


def may_list_campaigns(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.role in READER_ROLES | ASSIGNED_ROLES


def may_read_campaigns(user) -> bool:
    """Whole campaigns with their settings and counts (the detail page)."""
    return getattr(user, "is_authenticated", False) and user.role in READER_ROLES


def may_manage_campaigns(user) -> bool:
    """Create, rebuild, pause and close: the supervisor's work."""
    return getattr(user, "is_authenticated", False) and user.has_perm("dunning.add_campaign")


def campaigns_for(user) -> QuerySet[Campaign]:
    """Campaigns the user may see (restrict: filter further, never widen)."""
    if not may_list_campaigns(user):
        return Campaign.objects.none()
    campaigns = Campaign.objects.filter(municipality_id=Municipality.objects.id_for_user(user))
    if user.role in READER_ROLES:
        return campaigns
    operators = Campaign.operators.through.objects.filter(campaign_id=OuterRef("pk"))
    teams = Campaign.teams.through.objects.filter(campaign_id=OuterRef("pk"))
    mine = Exists(operators.filter(user_id=user.pk))
    if user.team_id:
        mine |= Exists(teams.filter(team_id=user.team_id))
    nobody = ~Exists(operators) & ~Exists(teams)
    return campaigns.filter(mine | nobody)


def campaign_list(user) -> list[Campaign]:
    """The list page: each campaign with its open and total item counts (one query)."""
    return list(
        campaigns_for(user)
        .annotate(
            item_count=Count("items"),
            open_count=Count("items", filter=Q(items__status=WorkItemStatus.OPEN)),
        )
        .order_by("status", "-starts_on", "-pk")
    )


@dataclass
class StatusCount:
    status: str
    label: str
    items: int
    unpaid_total: int


@dataclass
class TypeCount:
    revenue_type: str
    label: str
    items: int
    open: int


@dataclass
class CampaignSummary:
    total: int
    by_status: list[StatusCount]
    by_revenue_type: list[TypeCount]
    done_today: int
    no_effect: dict[str, int]  # reason label → count

    def count(self, status: str) -> int:
        return next((row.items for row in self.by_status if row.status == status), 0)


def campaign_summary(campaign: Campaign, *, today: dt.date | None = None) -> CampaignSummary:
    """Counts per status, per revenue type, done today and 効果なし by reason (four queries)."""
    today = today or timezone.localdate()
    items = WorkItem.objects.filter(campaign=campaign)
    per_status = {
        row["status"]: row
        for row in items.values("status").annotate(n=Count("pk"), unpaid=Sum("unpaid_total"))
    }
    by_status = [
        StatusCount(
            status,
            label,
            per_status.get(status, {}).get("n", 0),
            per_status.get(status, {}).get("unpaid") or 0,
        )
        for status, label in WorkItemStatus.choices
    ]
    per_type = (
        WorkItem.accounts.through.objects.filter(workitem__campaign=campaign)
        .values("account__revenue_type")
        .annotate(
            n=Count("workitem_id", distinct=True),
            open=Count(
                "workitem_id",
                distinct=True,
                filter=Q(workitem__status=WorkItemStatus.OPEN),
            ),
        )
        .order_by()
    )
    found = {row["account__revenue_type"]: row for row in per_type}
    by_type = [
        TypeCount(code, label, found[code]["n"], found[code]["open"])
        for code, label in RevenueType.choices
        if code in found
    ]
    start = dt.datetime.combine(today, dt.time.min, tzinfo=timezone.get_current_timezone())
    done_today = items.filter(
        status=WorkItemStatus.DONE,
        last_contact_at__gte=start,
        last_contact_at__lt=start + dt.timedelta(days=1),
    ).count()
    reasons = dict(
        items.filter(status=WorkItemStatus.NO_EFFECT)
        .values_list("no_effect_reason")
        .annotate(n=Count("pk"))
        .order_by()
    )
    no_effect = {label: reasons[code] for code, label in NoEffectReason.choices if code in reasons}
    return CampaignSummary(
        total=sum(row.items for row in by_status),
        by_status=by_status,
        by_revenue_type=by_type,
        done_today=done_today,
        no_effect=no_effect,
    )


def conditions_text(campaign: Campaign) -> list[tuple[str, str]]:
    """The campaign's conditions as (label, value) rows in Japanese, for the detail page."""
    if not campaign.conditions:
        return []
    try:
        conditions = Conditions.from_json(campaign.conditions)
    except ValueError:
        return [("抽出条件", "（読み取れません）")]
    rows = [
        ("税目・保険料", "、".join(RevenueType(code).label for code in conditions.revenue_types))
    ]
    if conditions.fiscal_years:
        rows.append(
            (FIELD_LABELS["fiscal_years"], "、".join(f"{y}年度" for y in conditions.fiscal_years))
        )
    rows += _range_row("未納額", conditions.unpaid_min, conditions.unpaid_max, "円")
    rows += _range_row(
        "未納期数", conditions.overdue_periods_min, conditions.overdue_periods_max, "期"
    )
    rows += _range_row("年齢", conditions.age_min, conditions.age_max, "歳")
    if conditions.demand_notice:
        rows.append(
            (FIELD_LABELS["demand_notice"], DEMAND_NOTICE_CHOICES[conditions.demand_notice])
        )
    if conditions.has_phone is not None:
        rows.append((FIELD_LABELS["has_phone"], "あり" if conditions.has_phone else "なし"))
    if conditions.towns:
        town = "、".join(conditions.towns)
        if conditions.chome:
            town += f" {conditions.chome}丁目"
        rows.append((FIELD_LABELS["towns"], town))
    if conditions.no_contact_days:
        rows.append(("接触なし", f"直近 {conditions.no_contact_days} 日"))
    if conditions.account_transfer is not None:
        rows.append(
            (FIELD_LABELS["account_transfer"], "あり" if conditions.account_transfer else "なし")
        )
    if conditions.collection_kind:
        rows.append(
            (FIELD_LABELS["collection_kind"], CollectionKind(conditions.collection_kind).label)
        )
    return rows


def _range_row(label: str, low, high, unit: str) -> list[tuple[str, str]]:
    if low is None and high is None:
        return []
    left = f"{low:,}{unit}" if low is not None else ""
    right = f"{high:,}{unit}" if high is not None else ""
    return [(label, f"{left}〜{right}")]


def municipality_revenue_types(municipality_id: int | None) -> list[str]:
    """The revenue types the municipality entrusts: those with data, or a team working on them.

    One indexed existence check per revenue type (five at most), not a scan of the accounts.
    """
    if municipality_id is None:
        return []
    team_types = {
        code
        for types in Team.objects.filter(municipality_id=municipality_id).values_list(
            "revenue_types", flat=True
        )
        for code in types or []
    }
    accounts = Account.objects.filter(municipality_id=municipality_id)
    return [
        code
        for code in RevenueType.values
        if code in team_types or accounts.filter(revenue_type=code).exists()
    ]


def revenue_type_choices(user) -> list[tuple[str, str]]:
    labels = dict(RevenueType.choices)
    return [
        (code, labels[code])
        for code in municipality_revenue_types(Municipality.objects.id_for_user(user))
    ]


def assignable_teams(user) -> QuerySet[Team]:
    return Team.objects.filter(municipality_id=Municipality.objects.id_for_user(user)).order_by(
        "name"
    )


def assignable_operators(user) -> QuerySet[User]:
    return User.objects.filter(
        municipality_id=Municipality.objects.id_for_user(user),
        role__in=ASSIGNABLE_ROLES,
        is_active=True,
    ).order_by("role", "username")


def retry_rule_rows(campaign: Campaign) -> list[tuple[str, dict]]:
    """(outcome label, rule) for the detail page, the defaults where the campaign sets none."""
    labels = dict(ContactOutcome.choices)
    rules = {**DEFAULT_RETRY_RULES, **(campaign.retry_rules or {})}
    return [(labels.get(outcome, outcome), rule) for outcome, rule in rules.items()]


def town_choices(user) -> list[str]:
    """The towns of the municipality's obligors (for the condition's select)."""
    return list(
        Obligor.objects.filter(municipality_id=Municipality.objects.id_for_user(user))
        .exclude(town="")
        .values_list("town", flat=True)
        .distinct()
        .order_by("town")
    )
