"""Visit lists (訪問リスト, issue 5 §1): making a visitor's list for today, and giving back the
people not visited.

A list takes up to ``size`` eligible people of one visit campaign in street order
(registry.addresses.visit_order_key), starting from the first area in that order so that one
list covers a compact area, and leases their items to the visitor until midnight Asia/Tokyo:
no caller, no other visitor and no other list takes those people that day (ADR 0008).

Two lists made at the same moment never share an item or a person (the queue's rules, ADR
0006): the lease is a conditional UPDATE that re-checks the item is free; on PostgreSQL the
person's row is locked first (``FOR NO KEY UPDATE SKIP LOCKED``, services.queue) and their
other items re-checked; SQLite runs such transactions one at a time (BEGIN IMMEDIATE).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from civicdesk.accounts.models import Role
from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.calendar import TOKYO, Service
from civicdesk.core.japanese import era_date
from civicdesk.core.models import Municipality
from civicdesk.dunning.choices import CampaignChannel, CampaignStatus, WorkItemStatus
from civicdesk.dunning.models import Campaign, VisitList, VisitStop, WorkItem
from civicdesk.dunning.selectors import queue as queue_selectors
from civicdesk.dunning.selectors import visits as selectors
from civicdesk.dunning.services.queue import _lock_person
from civicdesk.registry.addresses import visit_order_key

ITEM_TABLE = WorkItem._meta.db_table
OPEN = str(WorkItemStatus.OPEN)
MAX_LIST_SIZE = 100


def end_of_day(now: dt.datetime) -> dt.datetime:
    """Midnight (Asia/Tokyo) after ``now``: when a visit list's leases end."""
    tomorrow = timezone.localdate(now, TOKYO) + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(0), tzinfo=TOKYO)


def build_visit_list(
    *,
    acting_user,
    campaign: Campaign,
    visitor,
    areas: Iterable[dict] = (),
    size: int | None = None,
    now: dt.datetime | None = None,
) -> VisitList:
    """Make today's list for ``visitor`` and lease its people to them until midnight.

    Visitors make their own lists; supervisors make one for any visitor of the municipality
    (PermissionDenied otherwise). ``areas``: [{"town": "東陽", "chome": 4}, …] (no chome: the
    whole town; none: anywhere). Raises ValidationError (field → Japanese message) when the
    visits calendar is closed today, the campaign is not an active visit campaign in its
    period, the visitor is not assigned to it, the size is out of range, or nobody is eligible.
    """
    now = now or timezone.now()
    size = settings.DUNNING_VISIT_LIST_SIZE if size is None else size
    areas = _clean_areas(areas)
    _require_maker(acting_user, visitor)
    with transaction.atomic():
        _validate(acting_user, campaign, visitor, size, now)
        leased = _lease_in_street_order(campaign, visitor, areas, size, now)
        if not leased:
            raise ValidationError({"areas" if areas else "campaign": _nobody_message(areas)})
        visit_list = VisitList.objects.create(
            municipality_id=campaign.municipality_id,
            campaign=campaign,
            visitor=visitor,
            day=timezone.localdate(now, TOKYO),
            areas=areas,
            created_by=acting_user,
        )
        VisitStop.objects.bulk_create(
            VisitStop(visit_list=visit_list, work_item_id=item_id, position=position)
            for position, item_id in enumerate(leased, 1)
        )
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=visit_list,
            reason=f"訪問リスト作成（{campaign.name}・{len(leased)}件・訪問員 {visitor}）",
        )
    return visit_list


def release_visit_list(
    *, acting_user, visit_list: VisitList, now: dt.datetime | None = None
) -> int:
    """Give back the list's people not visited yet: free for anyone again at once.

    The list's visitor or a supervisor of the municipality (PermissionDenied otherwise).
    Returns how many items were freed. The stops stay: the list shows them as released.
    """
    now = now or timezone.now()
    if not selectors.may_release(acting_user, visit_list):
        raise PermissionDenied("この訪問リストを解除する権限がありません。")
    with transaction.atomic():
        unvisited = VisitStop.objects.filter(visit_list=visit_list, contact__isnull=True)
        released = WorkItem.objects.filter(
            pk__in=unvisited.values("work_item_id"),
            lease_owner_id=visit_list.visitor_id,
            lease_expires_at__gt=now,
        ).update(lease_owner=None, lease_expires_at=None, updated_at=timezone.now())
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=visit_list,
            reason=f"訪問リストの解除（未訪問 {released} 件を戻す）",
        )
    return released


# --- Checks -----------------------------------------------------------------------------------


def _require_maker(acting_user, visitor) -> None:
    if not selectors.may_make_visit_lists(acting_user):
        raise PermissionDenied("訪問リストを作成する権限がありません。")
    if acting_user.role == Role.VISITOR and visitor.pk != acting_user.pk:
        raise PermissionDenied("訪問員は自分の訪問リストだけを作成できます。")
    same_place = Municipality.objects.id_for_user(visitor) == Municipality.objects.id_for_user(
        acting_user
    )
    if visitor.role != Role.VISITOR or not visitor.is_active or not same_place:
        raise PermissionDenied("訪問リストは自治体の訪問員にだけ作成できます。")


def _validate(acting_user, campaign: Campaign, visitor, size: int, now: dt.datetime) -> None:
    errors: dict[str, list[str]] = {}
    today = timezone.localdate(now, TOKYO)
    info = queue_selectors.service_day(campaign.municipality_id, Service.VISITS, today)
    if info is None:
        errors["day"] = ["訪問日: 訪問催告の業務カレンダーが登録されていません。"]
    elif not info.open or not info.hours:
        reason = f"（{info.reason}）" if info.reason else ""
        errors["day"] = [f"訪問日: 本日{era_date(today)}は訪問催告の業務日ではありません{reason}。"]
    if not _active_visit_campaign(campaign, acting_user, today):
        errors["campaign"] = ["訪問計画: 実施中（期間内）の訪問催告の計画を選んでください。"]
    elif not selectors.is_assigned(visitor, campaign, now):
        # A supervisor chose the visitor; a visitor chose only the campaign.
        if acting_user.pk != visitor.pk:
            errors["visitor"] = [f"訪問員: {visitor} は「{campaign.name}」の担当ではありません。"]
        else:
            errors["campaign"] = [f"訪問計画: 「{campaign.name}」の担当ではありません。"]
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_LIST_SIZE:
        errors["size"] = [f"件数: 1〜{MAX_LIST_SIZE} の整数で指定してください。"]
    if errors:
        raise ValidationError(errors)


def _active_visit_campaign(campaign: Campaign, acting_user, today: dt.date) -> bool:
    return (
        campaign.channel == CampaignChannel.VISIT
        and campaign.status == CampaignStatus.ACTIVE
        and campaign.starts_on <= today <= campaign.ends_on
        and campaign.municipality_id == Municipality.objects.id_for_user(acting_user)
    )


def _clean_areas(areas: Iterable[dict]) -> list[dict]:
    """[{"town": str, "chome": int | None}] without duplicates, in the order given."""
    cleaned: list[dict] = []
    for area in areas:
        town = str(area.get("town", "")).strip()
        chome = area.get("chome")
        value = {"town": town, "chome": int(chome) if chome not in (None, "") else None}
        if town and value not in cleaned:
            cleaned.append(value)
    return cleaned


def _nobody_message(areas: list[dict]) -> str:
    if areas:
        return (
            "地区: 指定した地区に、いま訪問できる対象者がいません"
            "（催告間隔・再訪問待ち・他の担当者が対応中など）。"
        )
    return (
        "訪問計画: いま訪問できる対象者がいません（催告間隔・再訪問待ち・他の担当者が対応中など）。"
    )


# --- Leasing in street order ------------------------------------------------------------------


def _lease_in_street_order(
    campaign: Campaign, visitor, areas: list[dict], size: int, now: dt.datetime
) -> list[int]:
    """Item ids leased to the visitor, in street order: area by area (town, chome), each area's
    people by visit_order_key, until ``size``. Only the areas needed are read."""
    eligible = selectors.eligible_for_list(visitor, campaign, now)
    if areas:
        eligible = eligible.filter(selectors.area_condition(areas))
    expires = end_of_day(now)
    postgres = connection.vendor == "postgresql"
    leased: list[int] = []
    for area in selectors.area_counts(visitor, campaign, now, areas):
        items = list(
            eligible.filter(obligor__town=area.town, obligor__chome=area.chome)
            .select_related("obligor")
            .order_by()
        )
        items.sort(key=lambda item: visit_order_key(item.obligor))
        for item in items:
            if _lease_for_day(item, visitor, now, expires, postgres=postgres):
                leased.append(item.pk)
                if len(leased) == size:
                    return leased
    return leased


def _lease_for_day(item: WorkItem, visitor, now, expires, *, postgres: bool) -> bool:
    """Lease the item until ``expires`` if it and its person are still free (see the module)."""
    if postgres and not _lock_person(item.pk, item.obligor_id, now):
        return False
    at = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ITEM_TABLE} SET lease_owner_id = %s, lease_expires_at = %s, updated_at = %s"
            " WHERE id = %s AND status = %s"
            " AND (lease_expires_at IS NULL OR lease_expires_at <= %s)",
            [visitor.pk, at(expires), at(timezone.now()), item.pk, OPEN, at(now)],
        )
        return cursor.rowcount == 1
