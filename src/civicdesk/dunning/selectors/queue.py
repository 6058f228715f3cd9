"""Read queries of the work queue: which items a user may take now, their lease, callbacks,
counts per campaign, the 「効果なし」 list, and the phones still worth calling.

Eligibility (issue 4 §2, ADR 0006/0007) is one queryset without joins, so that the claim can
lock its candidates with ``SELECT … FOR UPDATE SKIP LOCKED OF self`` on PostgreSQL:
- the campaign is active, in its period, of a channel the user's role works, open to the user
  (listed operator, listed team, or neither listed) and its channel's calendar is open now;
- the item is open, not leased, due for its next attempt, under the attempt limit, has a
  revenue type in the user's scope, and no other item of the same person is leased;
- pacing across revenue types and campaigns (seed 000 §8(1)⑧): no paced contact in the last
  ``min_days_between_contacts`` days, unless the callback is due or the person called in
  after that contact.

A callback belongs to the operator who set it from ``callback_at`` on, and to anyone of the
campaign ``DUNNING_CALLBACK_GRACE_MINUTES`` later; before that the item waits (the person
asked for that time). A callback nobody owns (an SMS reply's call-back task) is anyone's from
its time on.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    Q,
    QuerySet,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from civicdesk.accounts.models import Role
from civicdesk.core import calendar
from civicdesk.core.calendar_cache import service_day
from civicdesk.core.choices import RevenueType
from civicdesk.core.models.calendar import (
    Service,
)
from civicdesk.dunning.choices import (
    NOT_REACHED_OUTCOMES,
    CampaignChannel,
    CampaignStatus,
    ContactChannel,
    ContactOutcome,
    WorkItemStatus,
)
from civicdesk.dunning.models import Campaign, Contact, WorkItem
from civicdesk.registry.models import Phone
from civicdesk.registry.selectors import Scope, scope_for

# Letter campaigns are printed, not worked from the queue.
CHANNEL_SERVICE = {
    CampaignChannel.CALL: Service.CALLS,
    CampaignChannel.VISIT: Service.VISITS,
    CampaignChannel.SMS: Service.SMS,
}
# The channels each role takes cases of from 「次の案件」: operators (and supervisors) call.
# Visit campaigns are worked from visit lists (selectors.visits), so visitors have no queue at
# all and the work pages answer them 403 (views.queue._require_work); SMS campaigns are sent
# in batches (sms.services.batches) and letter campaigns printed.
ROLE_CHANNELS = {
    Role.OPERATOR: (CampaignChannel.CALL,),
    Role.SUPERVISOR: (CampaignChannel.CALL,),
}
# The calendar question costs ~10 queries and 50 operators claim all day: one answer per
NO_EFFECT_LIMIT = 500

# Outcomes that prove the number reaches the person (for ordering phones).
SUCCESSFUL_OUTCOMES = tuple(
    sorted(set(ContactOutcome.values) - set(NOT_REACHED_OUTCOMES) - {ContactOutcome.WRONG_NUMBER})
)


def channel_open(campaign: Campaign, now: dt.datetime) -> bool:
    service = CHANNEL_SERVICE.get(campaign.channel)
    if service is None:
        return False
    local = timezone.localtime(now, calendar.TOKYO)
    info = service_day(campaign.municipality_id, service, local.date())
    return info is not None and any(start <= local.time() < end for start, end in info.hours)


# --- Campaigns and items a user may take ------------------------------------------------------
#
# 「次の案件」 runs these queries for every claim of 50 operators. They are SQL (one definition
# for the claim and the counts) because compiling the equivalent ORM querysets, with their
# nested EXISTS, cost several times what the database spent answering them (bench/results.json
# queue_claim; the report of issue 4). Values are always parameters; only placeholders and
# table names are formatted into the text.

ITEM_TABLE = WorkItem._meta.db_table
CONTACT_TABLE = Contact._meta.db_table


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


def _at(moment: dt.datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def workable_campaigns(
    user, now: dt.datetime | None = None, *, channels: Iterable[str] | None = None
) -> list[Campaign]:
    """Active campaigns in their period that the user's role and assignment let them work:
    the user is a listed operator, their team is a listed team, or the campaign lists neither.

    ``channels``: the campaigns' channels (default: what the user's role takes from the queue;
    visit lists ask for ``visit`` on behalf of a visitor).
    """
    scope = scope_for(user)
    if channels is None:
        channels = ROLE_CHANNELS.get(getattr(user, "role", None), ())
    channels = [str(c) for c in channels]
    if scope is None or not channels or scope.municipality_id is None:
        return []
    today = connection.ops.adapt_datefield_value(
        timezone.localdate(now or timezone.now(), calendar.TOKYO)
    )
    operators = Campaign.operators.through._meta.db_table
    teams = Campaign.teams.through._meta.db_table
    sql = f"""
        SELECT c.id, c.municipality_id, c.name, c.channel, c.starts_on, c.ends_on,
               c.max_attempts, c.min_days_between_contacts
        FROM {Campaign._meta.db_table} c
        WHERE c.municipality_id = %s AND c.status = %s AND c.channel IN ({_marks(channels)})
          AND c.starts_on <= %s AND c.ends_on >= %s
          AND (EXISTS (SELECT 1 FROM {operators} o WHERE o.campaign_id = c.id AND o.user_id = %s)
               OR EXISTS (SELECT 1 FROM {teams} t WHERE t.campaign_id = c.id AND t.team_id = %s)
               OR (NOT EXISTS (SELECT 1 FROM {operators} o WHERE o.campaign_id = c.id)
                   AND NOT EXISTS (SELECT 1 FROM {teams} t WHERE t.campaign_id = c.id)))
        ORDER BY c.id"""
    params = [
        scope.municipality_id,
        str(CampaignStatus.ACTIVE),
        *channels,
        today,
        today,
        user.pk,
        user.team_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        # Plain instances from the row: RawQuerySet's per-query set-up costs more than the query.
        return [Campaign(**dict(zip(columns, row, strict=True))) for row in cursor.fetchall()]


def open_campaigns(campaigns: Iterable[Campaign], now: dt.datetime) -> list[Campaign]:
    return [c for c in campaigns if channel_open(c, now)]


@dataclass(frozen=True)
class Eligibility:
    """A WHERE condition on ``w`` (the work-item table) and its parameters."""

    sql: str
    params: tuple


def eligibility(user, campaigns: Iterable[Campaign], now: dt.datetime) -> Eligibility | None:
    """What makes an item of ``campaigns`` (calendar open: see open_campaigns) takeable now.

    None when the user can take nothing at all.
    """
    campaigns = list(campaigns)
    scope = scope_for(user)
    if scope is None or not campaigns or not scope.revenue_types:
        return None
    ids = [c.pk for c in campaigns]
    parts = [
        f"w.campaign_id IN ({_marks(ids)})",
        "w.status = %s",
        "(w.lease_expires_at IS NULL OR w.lease_expires_at <= %s)",
        "(w.next_attempt_at IS NULL OR w.next_attempt_at <= %s)",
    ]
    params: list = [*ids, str(WorkItemStatus.OPEN), _at(now), _at(now)]
    if not scope.all_types:
        sql, types = _has_revenue_type(scope.revenue_types)
        parts.append(sql)
        params += types
    # One person, one operator: no item of the same obligor (any campaign) is leased.
    parts.append(
        f"NOT EXISTS (SELECT 1 FROM {ITEM_TABLE} o "
        "WHERE o.obligor_id = w.obligor_id AND o.lease_expires_at > %s)"
    )
    params.append(_at(now))
    # A due callback lifts the attempt limit and pacing (the person asked to be called);
    # one that is not due yet (or not yet anyone's) keeps the item back.
    grace = dt.timedelta(minutes=settings.DUNNING_CALLBACK_GRACE_MINUTES)
    due = (
        "((w.callback_at <= %s AND (w.callback_owner_id = %s OR w.callback_owner_id IS NULL))"
        " OR w.callback_at <= %s)"
    )
    params += [_at(now), user.pk, _at(now - grace)]
    regular, regular_params = _regular(campaigns, now)
    parts.append(f"({due} OR (w.callback_at IS NULL AND ({regular})))")
    params += regular_params
    return Eligibility(" AND ".join(parts), tuple(params))


def _regular(campaigns: list[Campaign], now: dt.datetime) -> tuple[str, list]:
    """Under the attempt limit and not paced, with each campaign's own limit and interval."""
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for c in campaigns:
        groups[(c.max_attempts, c.min_days_between_contacts)].append(c.pk)
    conditions, params = [], []
    for (max_attempts, days), ids in groups.items():
        condition, condition_params = "w.attempts < %s", [max_attempts]
        if len(groups) > 1:
            condition = f"w.campaign_id IN ({_marks(ids)}) AND {condition}"
            condition_params = [*ids, *condition_params]
        if days > 0:
            condition += f" AND NOT EXISTS ({PACED_SQL})"
            condition_params += _paced_params(now - dt.timedelta(days=days))
        conditions.append(f"({condition})")
        params += condition_params
    return " OR ".join(conditions), params


# Pacing across revenue types and campaigns (seed 000 §8(1)⑧, ADR 0007): a contact that paces
# (someone reached, or a letter / SMS sent) after the cut-off blocks the person, unless they
# called in after it. Inbound calls themselves never block: they want to talk.
PACED_SQL = (
    f"SELECT 1 FROM {CONTACT_TABLE} p "
    "WHERE p.obligor_id = w.obligor_id AND p.paces = %s AND p.at > %s AND p.channel <> %s "
    f"AND NOT EXISTS (SELECT 1 FROM {CONTACT_TABLE} i "
    "WHERE i.obligor_id = p.obligor_id AND i.channel = %s AND i.at > p.at)"
)


def _paced_params(since: dt.datetime) -> list:
    inbound = str(ContactChannel.INBOUND_CALL)
    return [True, _at(since), inbound, inbound]


def _has_revenue_type(types: tuple[str, ...]) -> tuple[str, list]:
    """The item's revenue_types (a JSON list) share one of ``types``."""
    types = [str(t) for t in types]
    if connection.vendor == "postgresql":
        # jsonb ?| matches array elements.
        return f"w.revenue_types ?| ARRAY[{_marks(types)}]::text[]", types
    return (
        f"EXISTS (SELECT 1 FROM json_each(w.revenue_types) rt WHERE rt.value IN ({_marks(types)}))",
        types,
    )


def eligible_items(user, campaigns: Iterable[Campaign], now: dt.datetime) -> QuerySet[WorkItem]:
    """The takeable items as a queryset (counts, lists); the claim uses claim_candidates."""
    condition = eligibility(user, campaigns, now)
    if condition is None:
        return WorkItem.objects.none()
    ids = RawSQL(f"SELECT w.id FROM {ITEM_TABLE} w WHERE {condition.sql}", condition.params)
    return WorkItem.objects.filter(pk__in=ids)


def claim_candidates(
    condition: Eligibility,
    *,
    callbacks_and_follow_ups: bool,
    exclude: Iterable[int] = (),
    limit: int = 1,
    lock: bool = False,
) -> list[tuple[int, int]]:
    """(item id, obligor id) of candidates in claim order: callbacks due, then follow-ups (a
    few rows, read through their partial index, sorted), or the rest by priority (higher first)
    and id — read along the queue index, stopping at ``limit``.

    Ids, not model instances: building instances from raw rows costs more than the query.
    ``lock``: PostgreSQL ``FOR UPDATE OF w SKIP LOCKED`` (one table, no joins).
    """
    sql = f"SELECT w.id, w.obligor_id FROM {ITEM_TABLE} w WHERE {condition.sql}"
    params = list(condition.params)
    if callbacks_and_follow_ups:
        # Word for word the condition of the dunning_item_first_tier index.
        sql += " AND (w.callback_at IS NOT NULL OR w.follow_up_of_id IS NOT NULL)"
        order = "(w.callback_at IS NULL), w.callback_at, w.priority DESC, w.id"
    else:
        order = "w.priority DESC, w.id"
    exclude = list(exclude)
    if exclude:
        sql += f" AND w.id NOT IN ({_marks(exclude)})"
        params += exclude
    sql += f" ORDER BY {order} LIMIT {int(limit)}"
    if lock:
        sql += " FOR UPDATE OF w SKIP LOCKED"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(row[0], row[1]) for row in cursor.fetchall()]


# --- The work page ----------------------------------------------------------------------------


def current_lease(user, now: dt.datetime | None = None) -> WorkItem | None:
    """The open item the user holds an unexpired lease on (at most one: the claim ensures it)."""
    now = now or timezone.now()
    return (
        WorkItem.objects.filter(
            lease_owner_id=user.pk, lease_expires_at__gt=now, status=WorkItemStatus.OPEN
        )
        .select_related("campaign")
        .order_by("-lease_expires_at", "pk")
        .first()
    )


def my_callbacks(user, now: dt.datetime | None = None) -> list[WorkItem]:
    """The user's open callbacks up to the end of today (overdue ones included), by time."""
    now = now or timezone.now()
    tomorrow = timezone.localdate(now, calendar.TOKYO) + dt.timedelta(days=1)
    end = dt.datetime.combine(tomorrow, dt.time(0), tzinfo=calendar.TOKYO)
    return list(
        WorkItem.objects.filter(
            callback_owner_id=user.pk,
            callback_at__lt=end,
            status=WorkItemStatus.OPEN,
        )
        .select_related("campaign")
        .order_by("callback_at", "pk")
    )


@dataclass(frozen=True)
class CampaignCount:
    campaign: Campaign
    eligible: int
    open: bool  # the channel's calendar is open now
    service_label: str


def queue_counts(user, now: dt.datetime | None = None) -> list[CampaignCount]:
    """Per workable campaign: how many items the user could take right now."""
    now = now or timezone.now()
    campaigns = workable_campaigns(user, now)
    opened = open_campaigns(campaigns, now)
    counts = dict(
        eligible_items(user, opened, now)
        .order_by()
        .values_list("campaign_id")
        .annotate(n=Count("pk"))
        .values_list("campaign_id", "n")
    )
    open_ids = {c.pk for c in opened}
    return [
        CampaignCount(
            campaign=c,
            eligible=counts.get(c.pk, 0),
            open=c.pk in open_ids,
            service_label=Service(CHANNEL_SERVICE[c.channel]).label,
        )
        for c in campaigns
    ]


@dataclass(frozen=True)
class WorkPage:
    lease: WorkItem | None
    callbacks: list[WorkItem]
    counts: list[CampaignCount]
    idle_reason: str  # why nothing can be taken now ("" when something can)
    now: dt.datetime

    @property
    def eligible_total(self) -> int:
        return sum(count.eligible for count in self.counts)


def work_page(user, now: dt.datetime | None = None) -> WorkPage:
    """Everything the operator's work page shows; no personal data (nothing to log)."""
    now = now or timezone.now()
    counts = queue_counts(user, now)
    lease = current_lease(user, now)
    reason = ""
    if lease is None and not any(count.eligible for count in counts):
        reason = _idle_reason(counts, now)
    return WorkPage(lease, my_callbacks(user, now), counts, reason, now)


def _idle_reason(counts: list[CampaignCount], now: dt.datetime) -> str:
    if not counts:
        return "担当できる実施中の催告計画がありません。業務責任者に確認してください。"
    if any(count.open for count in counts):
        return (
            "現在対応できる案件はありません（同一人への催告間隔・再架電待ち・"
            "他の担当者が対応中・架電上限など）。しばらくしてから再度お試しください。"
        )
    messages = []
    for campaign in {count.campaign.channel: count.campaign for count in counts}.values():
        service = CHANNEL_SERVICE[campaign.channel]
        label = Service(service).label
        try:
            opens = calendar.next_open(service, now, municipality=campaign.municipality)
        except calendar.CalendarError:
            messages.append(f"{label}の業務カレンダーが登録されていません。")
            continue
        messages.append(f"{label}は業務時間外です（次の開始: {_format_moment(opens)}）。")
    return "".join(messages)


def _format_moment(moment: dt.datetime) -> str:
    local = timezone.localtime(moment, calendar.TOKYO)
    weekday = "月火水木金土日"[local.weekday()]
    return f"{local.month}月{local.day}日（{weekday}）{calendar.format_time(local.time())}"


# --- Phones -----------------------------------------------------------------------------------


def usable_phones(obligor) -> QuerySet[Phone]:
    """The obligor's numbers still worth calling: last successful first, then in entry order."""
    success = Q(last_outcome__in=SUCCESSFUL_OUTCOMES)
    return (
        Phone.objects.usable()
        .filter(obligor=obligor)
        .alias(
            succeeded_at=Case(
                When(success, then=F("last_outcome_at")), default=None, output_field=DateTimeField()
            )
        )
        .order_by(F("succeeded_at").desc(nulls_last=True), "pk")
    )


# --- 効果なし (seed 000 §8(1)⑩) ---------------------------------------------------------------


@dataclass(frozen=True)
class NoEffectRow:
    item: WorkItem
    resident_no: str
    name: str  # "" when the viewer's policy does not allow the name for these revenue types
    revenue_labels: list[str]
    reason: str


@dataclass(frozen=True)
class NoEffectList:
    rows: list[NoEffectRow]
    count: int
    limit: int
    fields_shown: list[str]

    @property
    def truncated(self) -> bool:
        return self.count > len(self.rows)


def may_view_no_effect(user) -> bool:
    return (
        getattr(user, "role", None) in (Role.STAFF, Role.SUPERVISOR)
        and user.has_perm("dunning.view_workitem")
        and scope_for(user) is not None
    )


def no_effect_items(user) -> NoEffectList:
    """Items given up on (no usable phone, attempt limit) in the viewer's scope, newest first."""
    scope = scope_for(user)
    if not may_view_no_effect(user) or scope is None:
        return NoEffectList([], 0, NO_EFFECT_LIMIT, [])
    items = WorkItem.objects.filter(
        status=WorkItemStatus.NO_EFFECT, campaign__municipality_id=scope.municipality_id
    )
    # Only supervisors and staff reach here (may_view_no_effect): every revenue type is theirs.
    count = items.count()
    chosen = list(
        items.select_related("campaign", "obligor").order_by(
            F("last_contact_at").desc(nulls_last=True), "-pk"
        )[:NO_EFFECT_LIMIT]
    )
    labels = dict(RevenueType.choices)
    rows, shown = [], {"resident_no", "revenue_type"} if chosen else set()
    for item in chosen:
        name = item.obligor.name if _name_allowed(scope, item.revenue_types) else ""
        if name:
            shown.add("name")
        rows.append(
            NoEffectRow(
                item=item,
                resident_no=item.obligor.resident_no,
                name=name,
                revenue_labels=[labels.get(rt, rt) for rt in item.revenue_types],
                reason=item.get_no_effect_reason_display(),
            )
        )
    return NoEffectList(rows, count, NO_EFFECT_LIMIT, sorted(shown))


def _name_allowed(scope: Scope, revenue_types: list[str]) -> bool:
    return any(rt in scope.revenue_types and "name" in scope.allowed(rt) for rt in revenue_types)
