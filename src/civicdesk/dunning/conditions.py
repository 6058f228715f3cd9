"""A campaign's saved conditions (抽出条件) and the accounts and obligors they select.

``Conditions`` is what ``Campaign.conditions`` holds as JSON. The selection runs in the
database: ``matching_accounts`` is a QuerySet, ``obligor_groups`` one aggregate query (GROUP BY
obligor) plus one query for the account ids, so a campaign of 40,000 obligors builds in seconds.

What a condition looks at:
- per account: revenue types, fiscal years (the account has an unpaid installment in one of
  them), demand notice sent or not, account transfer, collection kind;
- per obligor: usable phone, age on the reference date (the campaign's start), town / chome,
  no paced contact in the last N days;
- per obligor over the matching accounts (all their unpaid installments): unpaid total and
  overdue periods (unpaid installments whose due date is before today).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from civicdesk.core.choices import RevenueType
from civicdesk.dunning.models import Contact
from civicdesk.receivables.models import Account, CollectionKind, Installment
from civicdesk.registry.models import Phone

# A phone with one of these statuses cannot be called (seed 000 §8(1)⑩: 電話番号不明者).

DEMAND_NOTICE_CHOICES = {"sent": "督促状発送済み", "not_sent": "督促状未発送"}

FIELD_LABELS = {
    "revenue_types": "税目・保険料",
    "fiscal_years": "年度",
    "unpaid_min": "未納額（下限）",
    "unpaid_max": "未納額（上限）",
    "overdue_periods_min": "未納期数（下限）",
    "overdue_periods_max": "未納期数（上限）",
    "demand_notice": "督促状",
    "has_phone": "電話番号",
    "age_min": "年齢（下限）",
    "age_max": "年齢（上限）",
    "towns": "町名",
    "chome": "丁目",
    "no_contact_days": "接触なしの日数",
    "account_transfer": "口座振替",
    "collection_kind": "徴収区分",
}


class ConditionError(ValueError):
    """A condition is not valid; ``field`` names it (the form puts the message there)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{FIELD_LABELS.get(field, field)}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Conditions:
    revenue_types: tuple[str, ...]
    fiscal_years: tuple[int, ...] = ()
    unpaid_min: int | None = None
    unpaid_max: int | None = None
    overdue_periods_min: int | None = None
    overdue_periods_max: int | None = None
    demand_notice: str | None = None
    has_phone: bool | None = None
    age_min: int | None = None
    age_max: int | None = None
    towns: tuple[str, ...] = ()
    chome: int | None = None
    no_contact_days: int | None = None
    account_transfer: bool | None = None
    collection_kind: str | None = None

    def __post_init__(self) -> None:
        # Lists from JSON or a form become tuples: the dataclass stays hashable and frozen.
        for name in ("revenue_types", "fiscal_years", "towns"):
            value = getattr(self, name)
            if not isinstance(value, list | tuple):
                raise ConditionError(name, "一覧（リスト）で指定してください。")
            object.__setattr__(self, name, tuple(value))
        self._validate()

    # --- JSON ---------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """Only the conditions that are set, lists as lists (what Campaign.conditions stores)."""
        data = {}
        for name, value in asdict(self).items():
            if value is None or value == ():
                continue
            data[name] = list(value) if isinstance(value, tuple) else value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Conditions:
        if not isinstance(data, dict):
            raise ConditionError("revenue_types", "抽出条件の形式が正しくありません。")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConditionError(unknown[0], f"不明な条件です: {', '.join(unknown)}")
        values = {k: v for k, v in data.items() if v is not None}
        values.setdefault("revenue_types", ())
        return cls(**values)

    # --- validation ---------------------------------------------------------------------

    def _validate(self) -> None:
        if not self.revenue_types:
            raise ConditionError("revenue_types", "税目・保険料を 1 つ以上選んでください。")
        for code in self.revenue_types:
            if code not in RevenueType.values:
                raise ConditionError("revenue_types", f"不明な税目・保険料です: {code}")
        for year in self.fiscal_years:
            if not _is_int(year) or not 1900 <= year <= 2200:
                raise ConditionError("fiscal_years", f"年度が正しくありません: {year}")
        self._check_range("unpaid_min", "unpaid_max", 0)
        self._check_range("overdue_periods_min", "overdue_periods_max", 0)
        self._check_range("age_min", "age_max", 0, upper=150)
        if self.demand_notice not in (None, *DEMAND_NOTICE_CHOICES):
            raise ConditionError("demand_notice", "「発送済み」「未発送」のいずれかです。")
        for name in ("has_phone", "account_transfer"):
            if getattr(self, name) not in (None, True, False):
                raise ConditionError(name, "「あり」「なし」のいずれかです。")
        if self.collection_kind not in (None, *CollectionKind.values):
            raise ConditionError("collection_kind", "「普通徴収」「特別徴収」のいずれかです。")
        for town in self.towns:
            if not isinstance(town, str) or not town.strip():
                raise ConditionError("towns", "町名が正しくありません。")
        if self.chome is not None:
            if not _is_int(self.chome) or not 1 <= self.chome <= 99:
                raise ConditionError("chome", "丁目は 1〜99 の数字で入力してください。")
            if len(self.towns) != 1:
                raise ConditionError("chome", "丁目は町名を 1 つだけ選んだときに指定できます。")
        if self.no_contact_days is not None and (
            not _is_int(self.no_contact_days) or not 1 <= self.no_contact_days <= 3650
        ):
            raise ConditionError("no_contact_days", "1〜3650 の日数で入力してください。")

    def _check_range(self, low_name: str, high_name: str, lowest: int, upper=None) -> None:
        low, high = getattr(self, low_name), getattr(self, high_name)
        for name, value in ((low_name, low), (high_name, high)):
            if value is None:
                continue
            if not _is_int(value) or value < lowest or (upper is not None and value > upper):
                limit = f"{lowest}〜{upper}" if upper is not None else f"{lowest} 以上"
                raise ConditionError(name, f"{limit}の整数で入力してください。")
        if low is not None and high is not None and low > high:
            raise ConditionError(high_name, "上限が下限より小さくなっています。")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def as_conditions(value: Conditions | dict) -> Conditions:
    return value if isinstance(value, Conditions) else Conditions.from_json(value)


# --- Selection ---------------------------------------------------------------------------


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _account_q(conditions: Conditions, municipality, prefix: str) -> Q:
    """Per-account conditions; ``prefix`` is "" on Account, "account__" on Installment."""
    p = prefix
    q = Q(**{f"{p}municipality": municipality, f"{p}revenue_type__in": conditions.revenue_types})
    if conditions.demand_notice is not None:
        q &= Q(**{f"{p}demand_notice_on__isnull": conditions.demand_notice == "not_sent"})
    if conditions.account_transfer is True:
        q &= Q(**{f"{p}account_transfer": True})
    elif conditions.account_transfer is False:
        # Unknown (null) counts as "no direct debit": nothing is debited for it.
        q &= ~Q(**{f"{p}account_transfer": True})
    if conditions.collection_kind:
        q &= Q(**{f"{p}collection_kind": conditions.collection_kind})
    if conditions.fiscal_years:
        account_ref = OuterRef("account_id" if p else "pk")
        q &= Q(
            Exists(
                Installment.objects.filter(
                    account_id=account_ref,
                    fiscal_year__in=conditions.fiscal_years,
                    unpaid__gt=0,
                )
            )
        )
    return q


def _obligor_q(conditions: Conditions, prefix: str, *, today: dt.date, age_on: dt.date) -> Q:
    """Per-obligor conditions; ``prefix`` leads from the queried model to ``obligor``."""
    p = f"{prefix}obligor"
    q = Q()
    if conditions.towns:
        q &= Q(**{f"{p}__town__in": conditions.towns})
    if conditions.chome is not None:
        q &= Q(**{f"{p}__chome": conditions.chome})
    if conditions.age_min is not None:
        q &= Q(**{f"{p}__birth_date__lte": years_before(age_on, conditions.age_min)})
    if conditions.age_max is not None:
        # Not yet age_max + 1 on the reference date.
        q &= Q(**{f"{p}__birth_date__gt": years_before(age_on, conditions.age_max + 1)})
    if conditions.has_phone is not None:
        usable = Exists(usable_phones().filter(obligor_id=OuterRef(f"{p}_id")))
        q &= Q(usable) if conditions.has_phone else ~Q(usable)
    if conditions.no_contact_days is not None:
        since = contact_window_start(today, conditions.no_contact_days)
        paced = Contact.objects.filter(obligor_id=OuterRef(f"{p}_id"), paces=True, at__gte=since)
        q &= ~Q(Exists(paced))
    return q


def usable_phones() -> QuerySet[Phone]:
    return Phone.objects.usable()


def contact_window_start(today: dt.date, days: int) -> dt.datetime:
    """ "No contact in the last N days" looks at today and the N - 1 days before it."""
    start = today - dt.timedelta(days=days - 1)
    return dt.datetime.combine(start, dt.time.min, tzinfo=timezone.get_current_timezone())


def _unpaid_installments(conditions, municipality, *, today, age_on) -> QuerySet[Installment]:
    return Installment.objects.filter(
        _account_q(conditions, municipality, "account__"),
        _obligor_q(conditions, "account__", today=today, age_on=age_on),
        unpaid__gt=0,
    )


def _grouped(conditions: Conditions, municipality, *, today, age_on) -> QuerySet:
    """One row per obligor: the aggregates, filtered on the amount and period ranges (HAVING)."""
    rows = (
        _unpaid_installments(conditions, municipality, today=today, age_on=age_on)
        .values(obligor_id=F("account__obligor_id"))
        .annotate(
            unpaid_total=Sum("unpaid"),
            oldest_due_date=Min("due_date"),
            newest_due_date=Max("due_date"),
            overdue_periods=Count("pk", filter=Q(due_date__lt=today)),
        )
    )
    having = {
        "unpaid_total__gte": conditions.unpaid_min,
        "unpaid_total__lte": conditions.unpaid_max,
        "overdue_periods__gte": conditions.overdue_periods_min,
        "overdue_periods__lte": conditions.overdue_periods_max,
    }
    having = {key: value for key, value in having.items() if value is not None}
    return rows.filter(**having) if having else rows


def matching_accounts(
    conditions: Conditions | dict, municipality, *, today: dt.date, age_on: dt.date | None = None
) -> QuerySet[Account]:
    """Accounts with something unpaid that match, of obligors whose totals match.

    ``age_on``: the date ages are reckoned on (the campaign's start date; default today).
    """
    conditions = as_conditions(conditions)
    age_on = age_on or today
    groups = _grouped(conditions, municipality, today=today, age_on=age_on)
    return Account.objects.filter(
        _account_q(conditions, municipality, ""),
        _obligor_q(conditions, "", today=today, age_on=age_on),
        Exists(Installment.objects.filter(account_id=OuterRef("pk"), unpaid__gt=0)),
        obligor_id__in=groups.values("obligor_id"),
    )


@dataclass
class ObligorGroup:
    """One obligor's matching accounts and what they owe over them."""

    obligor_id: int
    account_ids: list[int]
    revenue_types: list[str]
    unpaid_total: int
    oldest_due_date: dt.date
    newest_due_date: dt.date
    overdue_periods: int
    has_usable_phone: bool = True
    accounts_by_type: dict[str, int] = field(default_factory=dict)


def obligor_groups(
    conditions: Conditions | dict,
    municipality,
    *,
    today: dt.date,
    age_on: dt.date | None = None,
    with_phone_flag: bool = False,
) -> dict[int, ObligorGroup]:
    """The matching obligors by id: three queries whatever their number.

    The aggregates come from the database (GROUP BY obligor); the account ids come from the
    same filters without the totals (cheaper than a second aggregate), kept for the obligors
    the aggregate returned. ``with_phone_flag`` also fills ``has_usable_phone``.
    """
    conditions = as_conditions(conditions)
    age_on = age_on or today
    groups = {
        row["obligor_id"]: ObligorGroup(account_ids=[], revenue_types=[], **row)
        for row in _grouped(conditions, municipality, today=today, age_on=age_on)
    }
    accounts = (
        _unpaid_installments(conditions, municipality, today=today, age_on=age_on)
        .values_list("account__obligor_id", "account_id", "account__revenue_type")
        .distinct()
        .order_by()
    )
    for obligor_id, account_id, revenue_type in accounts:
        group = groups.get(obligor_id)
        if group is not None:
            group.account_ids.append(account_id)
            counts = group.accounts_by_type
            counts[revenue_type] = counts.get(revenue_type, 0) + 1
    order = {code: i for i, code in enumerate(RevenueType.values)}
    for group in groups.values():
        group.account_ids.sort()
        group.revenue_types = sorted(group.accounts_by_type, key=order.__getitem__)
    if with_phone_flag and groups:
        with_phone = set(
            usable_phones()
            .filter(obligor__municipality=municipality)
            .values_list("obligor_id", flat=True)
            .distinct()
        )
        for obligor_id, group in groups.items():
            group.has_usable_phone = obligor_id in with_phone
    return groups
