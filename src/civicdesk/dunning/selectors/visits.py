"""Read queries of visit lists (訪問リスト, issue 5 §1): who sees which list, what may be made,
the areas a list can cover, and the sheet a visitor carries.

Visibility: a visitor sees their own lists; a supervisor sees every list of the municipality;
nobody else sees any (the pages answer 403, and a list outside what the user sees 404).

The sheet is the visitor's, whoever prints it: every row is read under the field policy's
``visits`` purpose for the revenue types of the list's visitor (seed 000 別紙1 第2条). A
late-elderly visit shows name, address and the notice text only (第2条(3)②); unpaid amounts
and periods appear only for revenue types whose policy allows installments.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from civicdesk.accounts.models import Role, User
from civicdesk.core.calendar import TOKYO
from civicdesk.core.choices import RevenueType
from civicdesk.core.japanese import fiscal_year_label
from civicdesk.core.models import Municipality
from civicdesk.dunning.choices import CampaignChannel, CampaignStatus, WorkItemStatus
from civicdesk.dunning.models import Campaign, VisitList, VisitStop, WorkItem
from civicdesk.dunning.selectors import queue as queue_selectors
from civicdesk.privacy.field_policy import allowed_fields
from civicdesk.receivables.models import Installment
from civicdesk.registry.addresses import visit_area
from civicdesk.registry.selectors import scope_for

VIEW_PERMISSION = "dunning.view_visitlist"
ADD_PERMISSION = "dunning.add_visitlist"
LIST_ROLES = (Role.VISITOR, Role.SUPERVISOR)
PURPOSE = "visits"
# The person fields a sheet row may carry, in column order.
PERSON_FIELDS = ("name", "name_kana", "address", "address_extra")
# An amount is only shown with what it is for: the unpaid sum and its periods together.
AMOUNT_FIELDS = frozenset({"unpaid", "fiscal_year", "period"})


# --- Who may do what --------------------------------------------------------------------------


def may_view_visit_lists(user) -> bool:
    return getattr(user, "role", None) in LIST_ROLES and user.has_perm(VIEW_PERMISSION)


def may_make_visit_lists(user) -> bool:
    return getattr(user, "role", None) in LIST_ROLES and user.has_perm(ADD_PERMISSION)


def visible_lists(user) -> QuerySet[VisitList]:
    """Lists the user may see at all (restrict further, never widen)."""
    if not may_view_visit_lists(user):
        return VisitList.objects.none()
    lists = VisitList.objects.filter(municipality_id=Municipality.objects.id_for_user(user))
    if user.role == Role.VISITOR:
        lists = lists.filter(visitor_id=user.pk)
    return lists


def may_release(user, visit_list: VisitList) -> bool:
    return visible_lists(user).filter(pk=visit_list.pk).exists()


def todays_lists(
    user, *, visitor_id: int | None = None, now: dt.datetime | None = None
) -> list[VisitList]:
    """Today's lists (Asia/Tokyo) with ``stop_count`` and ``visited_count``; no personal data."""
    today = timezone.localdate(now or timezone.now(), TOKYO)
    lists = visible_lists(user).filter(day=today)
    if visitor_id is not None:
        lists = lists.filter(visitor_id=visitor_id)
    return list(
        lists.select_related("campaign", "visitor")
        .annotate(
            stop_count=Count("stops"),
            visited_count=Count("stops", filter=Q(stops__contact__isnull=False)),
        )
        .order_by("visitor__username", "pk")
    )


# --- Making a list ----------------------------------------------------------------------------


def visit_campaigns(user, now: dt.datetime | None = None) -> list[Campaign]:
    """Visit campaigns the user may make lists of: a visitor's assigned ones (the queue's rule:
    listed operator, listed team, or neither listed); for a supervisor every active one."""
    now = now or timezone.now()
    if not may_make_visit_lists(user):
        return []
    if user.role == Role.VISITOR:
        return queue_selectors.workable_campaigns(user, now, channels=[CampaignChannel.VISIT])
    today = timezone.localdate(now, TOKYO)
    return list(
        Campaign.objects.filter(
            municipality_id=Municipality.objects.id_for_user(user),
            channel=CampaignChannel.VISIT,
            status=CampaignStatus.ACTIVE,
            starts_on__lte=today,
            ends_on__gte=today,
        ).order_by("pk")
    )


def assignable_visitors(user) -> list[User]:
    """Whom the user may make a list for: a visitor themselves; a supervisor any active
    visitor of the municipality."""
    if not may_make_visit_lists(user):
        return []
    if user.role == Role.VISITOR:
        return [user]
    return list(
        User.objects.filter(
            municipality_id=Municipality.objects.id_for_user(user),
            role=Role.VISITOR,
            is_active=True,
        ).order_by("username")
    )


def is_assigned(visitor, campaign: Campaign, now: dt.datetime) -> bool:
    """The visitor may work the campaign (the queue's assignment rule, for visits)."""
    workable = queue_selectors.workable_campaigns(visitor, now, channels=[CampaignChannel.VISIT])
    return any(c.pk == campaign.pk for c in workable)


def eligible_for_list(visitor, campaign: Campaign, now: dt.datetime) -> QuerySet[WorkItem]:
    """Items of the campaign the visitor could get now: the queue's eligibility (open, not
    leased, the person not held in any campaign, due, under the attempt limit, paced across
    campaigns, a revenue type of the visitor's team) without its opening-hours test: a list is
    made for the day, before the rounds begin."""
    return queue_selectors.eligible_items(visitor, [campaign], now)


def area_condition(areas) -> Q:
    """Items whose person lives in one of ``areas`` ({"town", "chome"}; no chome: whole town)."""
    condition = Q()
    for area in areas:
        part = Q(obligor__town=area["town"])
        if area.get("chome") is not None:
            part &= Q(obligor__chome=area["chome"])
        condition |= part
    return condition


@dataclass(frozen=True)
class AreaCount:
    town: str
    chome: int | None
    count: int

    @property
    def label(self) -> str:
        return area_label(self.town, self.chome)


def area_label(town: str, chome: int | None) -> str:
    if not town:
        return "（町名なし）"
    return f"{town}{chome}丁目" if chome is not None else town


def street_order(town: str, chome: int | None) -> tuple:
    """(town, chome) in the order of visit_order_key; an unparsed town (empty) last."""
    return (town == "", town, chome is None, chome or 0)


def area_counts(
    user, campaign: Campaign, now: dt.datetime | None = None, areas=()
) -> list[AreaCount]:
    """Eligible items per (town, chome) in street order, for ``user``'s scope (one query)."""
    now = now or timezone.now()
    items = eligible_for_list(user, campaign, now)
    if areas:
        items = items.filter(area_condition(areas))
    rows = (
        items.order_by()
        .values_list("obligor__town", "obligor__chome")
        .annotate(n=Count("pk"))
        .values_list("obligor__town", "obligor__chome", "n")
    )
    counts = [AreaCount(town or "", chome, n) for town, chome, n in rows]
    return sorted(counts, key=lambda a: street_order(a.town, a.chome))


# --- The list and its sheet -------------------------------------------------------------------


@dataclass(frozen=True)
class SheetAmount:
    revenue_type: str
    label: str
    unpaid: int
    periods: list[str]


@dataclass
class SheetRow:
    stop: VisitStop
    position: int
    area: str
    name: str
    name_kana: str
    address: str
    address_extra: str
    notice: str
    amounts: list[SheetAmount]
    result_label: str  # "" while not visited
    held: bool  # still leased to the visitor (not released, not expired)

    @property
    def visited(self) -> bool:
        return self.stop.contact_id is not None


@dataclass
class SheetArea:
    label: str
    rows: list[SheetRow]


@dataclass
class VisitSheet:
    visit_list: VisitList
    rows: list[SheetRow]
    fields_shown: list[str] = field(default_factory=list)

    @property
    def areas(self) -> list[SheetArea]:
        """Consecutive rows of one town and chome under one header (rows are in street order)."""
        return [
            SheetArea(label, list(rows)) for label, rows in groupby(self.rows, lambda r: r.area)
        ]

    @property
    def visited_count(self) -> int:
        return sum(1 for row in self.rows if row.visited)


def visit_sheet(visit_list: VisitList, user, now: dt.datetime | None = None) -> VisitSheet:
    """The list's rows in stop order with what the list's visitor may see (purpose visits).

    ``user`` must be able to see the list (selectors: visible_lists); the query count does
    not grow with the number of stops (stops with items, people and results; the items'
    accounts; their unpaid installments).
    """
    if not visible_lists(user).filter(pk=visit_list.pk).exists():
        raise VisitList.DoesNotExist
    now = now or timezone.now()
    visitor_scope = scope_for(visit_list.visitor)
    in_scope = set(visitor_scope.revenue_types) if visitor_scope else set()
    stops = list(
        VisitStop.objects.filter(visit_list=visit_list)
        .select_related(
            "work_item__obligor", "work_item__campaign", "contact__visit_record", "visit_list"
        )
        .order_by("position")
    )
    amounts = _unpaid_by_item([stop.work_item_id for stop in stops])
    shown: set[str] = set()
    rows = [_row(stop, in_scope, amounts, shown, now) for stop in stops]
    return VisitSheet(visit_list, rows, sorted(shown))


def _row(stop: VisitStop, in_scope: set[str], amounts: dict, shown: set[str], now) -> SheetRow:
    item, obligor = stop.work_item, stop.work_item.obligor
    types = [rt for rt in item.revenue_types if rt in in_scope]
    allowed = frozenset().union(*(allowed_fields(rt, PURPOSE) for rt in types))
    person = {name: getattr(obligor, name) if name in allowed else "" for name in PERSON_FIELDS}
    shown.update(name for name, value in person.items() if value)
    # What to tell is the campaign's text (お知らせ内容), the same for everyone on the list:
    # the late-elderly policy names it, and no policy withholds it.
    notice = item.campaign.script if types else ""
    if notice:
        shown.add("notice")
    row_amounts = []
    for rt in types:
        if allowed_fields(rt, PURPOSE) >= AMOUNT_FIELDS and rt in amounts.get(item.pk, {}):
            row_amounts.append(amounts[item.pk][rt])
            shown.update({"revenue_type", *AMOUNT_FIELDS})
    town, chome = visit_area(obligor)
    held = (
        item.lease_owner_id == stop.visit_list.visitor_id
        and item.lease_expires_at is not None
        and item.lease_expires_at > now
        and item.status == WorkItemStatus.OPEN
    )
    return SheetRow(
        stop=stop,
        position=stop.position,
        area=area_label(town, chome),
        notice=notice,
        amounts=row_amounts,
        result_label=_result_label(stop),
        held=held,
        **person,
    )


def _result_label(stop: VisitStop) -> str:
    contact = stop.contact
    if contact is None:
        return ""
    record = getattr(contact, "visit_record", None)
    return record.get_result_display() if record is not None else contact.get_outcome_display()


def _unpaid_by_item(item_ids: list[int]) -> dict[int, dict[str, SheetAmount]]:
    """item id → revenue type → the unpaid sum and periods of the item's accounts (2 queries)."""
    through = WorkItem.accounts.through
    links = list(
        through.objects.filter(workitem_id__in=item_ids).values_list("workitem_id", "account_id")
    )
    items_of_account: dict[int, list[int]] = defaultdict(list)
    for item_id, account_id in links:
        items_of_account[account_id].append(item_id)
    installments = (
        Installment.objects.filter(account_id__in=list(items_of_account), unpaid__gt=0)
        .values_list("account_id", "account__revenue_type", "fiscal_year", "period", "unpaid")
        .order_by("account__revenue_type", "fiscal_year", "due_date", "period", "pk")
    )
    totals: dict[tuple[int, str], int] = defaultdict(int)
    periods: dict[tuple[int, str], list[str]] = defaultdict(list)
    for account_id, rt, fiscal_year, period, unpaid in installments:
        for item_id in items_of_account[account_id]:
            totals[(item_id, rt)] += unpaid
            periods[(item_id, rt)].append(_period_label(fiscal_year, period))
    labels = dict(RevenueType.choices)
    result: dict[int, dict[str, SheetAmount]] = defaultdict(dict)
    for (item_id, rt), total in totals.items():
        result[item_id][rt] = SheetAmount(rt, labels.get(rt, rt), total, periods[(item_id, rt)])
    return result


def _period_label(fiscal_year: int, period: str) -> str:
    return f"{fiscal_year_label(fiscal_year)} {f'第{period}期' if period.isdigit() else period}"
