"""Which obligors a user may see, the obligor search and the obligor page (名寄せ: one person
across revenue types).

They read accounts and installments, so they live here, above the registry: an operator sees
an obligor through an account in the team's revenue types (``obligors_for``), a case number
finds its owner, and the page joins the person (``registry.selectors``: the scope and the
person's own fields) with the accounts the viewer's field policy allows.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, models
from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet, Sum, Window
from django.utils import timezone

from civicdesk.core.choices import RevenueType
from civicdesk.core.japanese import normalize_name, normalize_phone
from civicdesk.receivables.models import Account, Installment
from civicdesk.registry.models import Obligor, Phone
from civicdesk.registry.selectors import (
    HouseholdView,
    PhoneView,
    Scope,
    ShownField,
    household_view,
    person_fields,
    phone_views,
    scope_for,
)

SEARCH_LIMIT = 50


# --- Who may see which obligors --------------------------------------------------------------


def _with_account_in(types) -> Exists:
    # Correlated, so it runs per candidate through the obligor_id index, not over all accounts.
    return Exists(Account.objects.filter(obligor=OuterRef("pk"), revenue_type__in=list(types)))


def obligors_for(user) -> QuerySet[Obligor]:
    """Obligors the user may see at all (restrict, like NetBox): filter further, never widen."""
    scope = scope_for(user)
    if scope is None or not scope.revenue_types or scope.municipality_id is None:
        return Obligor.objects.none()
    obligors = Obligor.objects.filter(municipality_id=scope.municipality_id)
    if not scope.all_types:
        obligors = obligors.filter(_with_account_in(scope.revenue_types))
    return obligors


# --- Search ----------------------------------------------------------------------------------


class SearchKind(models.TextChoices):
    AUTO = "auto", "自動判定"
    RESIDENT_NO = "resident_no", "宛名番号"
    CASE_NO = "case_no", "整理番号"
    PHONE = "phone", "電話番号"
    KANA = "kana", "カナ"
    NAME = "name", "氏名"
    ADDRESS = "address", "住所"
    # Only as what 自動判定 makes of digits: any of the three numbers.
    NUMBER = "number", "宛名番号・整理番号・電話番号"
    # 自動判定 for other text (a case number may contain letters).
    NAME_OR_ADDRESS = "name_or_address", "氏名・住所・整理番号"


# What the search box's select offers (the last two are only outcomes of 自動判定).
SELECTABLE_KINDS = [
    (kind.value, kind.label)
    for kind in SearchKind
    if kind not in (SearchKind.NUMBER, SearchKind.NAME_OR_ADDRESS)
]


@dataclass
class SearchResult:
    kind: str  # the kind actually searched (自動判定 resolved)
    count: int
    obligors: list[Obligor]
    shown_columns: frozenset[str] = frozenset()
    message: str = ""

    @property
    def kind_label(self) -> str:
        return SearchKind(self.kind).label

    @property
    def truncated(self) -> bool:
        return self.count > len(self.obligors)


_PHONE_LIKE = re.compile(r"\+?[0-9()\-\s]+")
_DIGITS = re.compile(r"[0-9]+")
# Hiragana, katakana (incl. ー and the iteration marks); half-width kana are NFKC-folded first.
_KANA_ONLY = re.compile(r"[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fc-\u30fe]+")
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−ー", "-"))
# Not ー here: addresses are full of katakana words (コーポ, センター).
_ADDRESS_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−", "-"))
_FULL_WIDTH = str.maketrans({**{str(d): chr(0xFF10 + d) for d in range(10)}, "-": "－"})


def resolve_kind(query: str) -> str:
    """What 自動判定 makes of the query (see ``search_obligors``)."""
    folded = unicodedata.normalize("NFKC", query).strip()
    compact = "".join(folded.split())
    if _DIGITS.fullmatch(compact):
        return SearchKind.NUMBER
    if _PHONE_LIKE.fullmatch(folded.translate(_DASHES)):
        # People type numbers the domestic way (0…) or +81; 2024-000777 would parse as a
        # 020 number but is far more likely a case number.
        domestic = compact.lstrip("(").startswith(("0", "+81"))
        return SearchKind.PHONE if domestic and _phone_or_none(folded) else SearchKind.NUMBER
    if _KANA_ONLY.fullmatch(compact):
        return SearchKind.KANA
    return SearchKind.NAME_OR_ADDRESS


def search_obligors(user, query: str, kind: str | None = None) -> SearchResult:
    """Obligors matching the query among those the user may see; at most SEARCH_LIMIT rows.

    自動判定: digits with hyphens/brackets that make a Japanese number → phone (E.164,
    indexed); other digits (with or without hyphens) → 宛名番号 or 整理番号 (exact) or the
    phone number they spell; kana → reading (prefix); anything else → name (contains),
    address (contains) or a 整理番号 with letters (exact).
    At most three queries whatever the number of matches: the exact numbers (one UNION of
    index lookups), the page with its total, and the page's accounts.
    """
    kind = kind or SearchKind.AUTO
    if kind == SearchKind.AUTO:
        kind = resolve_kind(query)
    if kind not in SearchKind.values:
        raise ValueError(f"unknown search kind: {kind!r}")
    scope = scope_for(user)
    text = unicodedata.normalize("NFKC", query).strip()
    if scope is None or not text or scope.municipality_id is None:
        return SearchResult(kind, 0, [])
    if kind in _EXACT_KINDS:
        lookups = _exact_lookups(scope, kind, text)
        if not lookups:
            return SearchResult(kind, 0, [], message="電話番号として正しくありません。")
        # Each number is an index lookup of its own; OR-ing them in one WHERE would make
        # PostgreSQL walk the whole table instead.
        ids = list(lookups[0].union(*lookups[1:])) if len(lookups) > 1 else list(lookups[0])
        if not ids:
            return SearchResult(kind, 0, [], shown_columns=_list_columns(scope))
        candidates = Q(pk__in=ids)
    else:
        candidates = _text_condition(scope, kind, text, query.strip())
        if candidates is None:
            return SearchResult(kind, 0, [])
    # The total rides along with the first page (COUNT(*) OVER ()): one pass, not two.
    page = list(
        obligors_for(user)
        .filter(candidates)
        .annotate(total=Window(Count("pk")))
        .order_by("kana_key", "resident_no")
        .prefetch_related(_visible_accounts(scope))[:SEARCH_LIMIT]
    )
    count = page[0].total if page else 0
    return SearchResult(kind, count, page, shown_columns=_list_columns(scope))


_EXACT_KINDS = {SearchKind.RESIDENT_NO, SearchKind.CASE_NO, SearchKind.PHONE, SearchKind.NUMBER}


def _exact_lookups(scope: Scope, kind: str, text: str) -> list[QuerySet]:
    """Obligor-id queries for the numbers the query may be (empty: not a phone number).

    Unordered (order_by()): a UNION's parts may carry no ORDER BY.
    """
    compact = "".join(text.split())
    lookups = []
    if kind in (SearchKind.RESIDENT_NO, SearchKind.NUMBER):
        # With municipality_id, the unique index (municipality, resident_no) serves it.
        resident = Obligor.objects.filter(
            municipality_id=scope.municipality_id, resident_no=compact
        )
        lookups.append(resident.order_by().values_list("pk", flat=True))
    if kind in (SearchKind.CASE_NO, SearchKind.NUMBER):
        lookups.append(_case_no_owners(scope, compact))
    if kind in (SearchKind.PHONE, SearchKind.NUMBER):
        phone = _phone_owners(scope, text)
        if phone is not None:
            lookups.append(phone)
    return lookups


def _case_no_owners(scope: Scope, case_no: str) -> QuerySet:
    # Only the case numbers of revenue types the user works on: another team's case number
    # must not even confirm that the person has such a case.
    return (
        Account.objects.filter(
            municipality_id=scope.municipality_id,  # the unique index's leading column
            revenue_type__in=list(scope.revenue_types),
            case_no=case_no,
        )
        .order_by()
        .values_list("obligor_id", flat=True)
    )


def _phone_owners(scope: Scope, text: str) -> QuerySet | None:
    number = _phone_or_none(text)
    if number is None:
        return None
    phones = Phone.objects.filter(number=number, obligor__municipality_id=scope.municipality_id)
    # Finding a person by a number the user may not see would disclose it all the same.
    types = scope.types_allowing("phone")
    if len(types) < len(scope.revenue_types):
        phones = phones.filter(
            Exists(Account.objects.filter(obligor=OuterRef("obligor_id"), revenue_type__in=types))
        )
    return phones.order_by().values_list("obligor_id", flat=True)


def _text_condition(scope: Scope, kind: str, text: str, typed: str) -> Q | None:
    key = normalize_name(text)
    if not key:
        return None
    if kind == SearchKind.KANA:
        # Obligors whose kana was not delivered may still be written in kana (name_key).
        return _restricted(scope, "name_kana", _prefix("kana_key", key) | _prefix("name_key", key))
    if kind == SearchKind.NAME:
        return _restricted(scope, "name", Q(name_key__contains=key))
    if kind == SearchKind.ADDRESS:
        return _restricted(scope, "address", _address(typed))
    case_no = _case_no_owners(scope, "".join(text.split()))
    return (
        _restricted(scope, "name", Q(name_key__contains=key))
        | _restricted(scope, "address", _address(typed))
        | Q(pk__in=case_no)
    )


def _phone_or_none(text: str) -> str | None:
    try:
        return normalize_phone(text)
    except ValueError:
        return None


def _restricted(scope: Scope, field_name: str, condition: Q) -> Q:
    """Search by a field only through accounts whose policy lets the user see that field."""
    types = scope.types_allowing(field_name)
    if not types:
        return Q(pk__in=[])
    if len(types) == len(scope.revenue_types):
        return condition  # every type in scope allows it: obligors_for's limit is enough
    return condition & _with_account_in(types)


def _prefix(field_name: str, key: str) -> Q:
    prefix = Q(**{f"{field_name}__startswith": key})
    if connection.vendor != "sqlite":
        # LIKE 'key%' uses the *_like (pattern_ops) index Django makes on PostgreSQL. A range
        # would not be safe there: under a linguistic collation U+10FFFF may sort anywhere.
        return prefix
    # SQLite's LIKE is case-insensitive and uses no index; the same prefix as a range in its
    # binary order does.
    return prefix & Q(**{f"{field_name}__gte": key, f"{field_name}__lt": key + "\U0010ffff"})


def _address(typed: str) -> Q:
    # Registers write 大島５－３－１ or 大島5-3-1 and Obligor has no normalised address key:
    # try the query as typed, in half-width and in full-width digits.
    compact = "".join(typed.split())
    half = unicodedata.normalize("NFKC", compact).translate(_ADDRESS_DASHES)
    full = half.translate(_FULL_WIDTH)
    condition = Q(address__contains=compact)
    for variant in {half, full} - {compact}:
        condition |= Q(address__contains=variant)
    return condition


def _visible_accounts(scope: Scope) -> Prefetch:
    return Prefetch(
        "accounts",
        queryset=Account.objects.filter(revenue_type__in=list(scope.revenue_types)).order_by(
            "revenue_type", "case_no"
        ),
        to_attr="visible_accounts",
    )


_LIST_COLUMNS = ("name", "name_kana", "address")


def _list_columns(scope: Scope) -> frozenset[str]:
    return frozenset(name for name in _LIST_COLUMNS if scope.allows_anywhere(name))


# --- The obligor page (名寄せ) ---------------------------------------------------------------

_ACCOUNT_FIELDS = (
    ("collection_kind", "徴収区分", "text"),
    ("insured_no", "被保険者番号", "text"),
    ("account_transfer", "口座振替", "bool"),
    ("demand_notice_on", "督促状発送日", "date"),
    ("reminder_on", "催告書発送日", "date"),
)
INSTALLMENT_COLUMNS = (
    "fiscal_year",
    "period",
    "due_date",
    "assessed",
    "paid",
    "unpaid",
    "last_paid_on",
)
# Totals need both: an unpaid sum without due dates (or the reverse) is never shown.
_TOTAL_FIELDS = frozenset({"unpaid", "due_date"})


@dataclass(frozen=True)
class Totals:
    unpaid: int
    oldest_due_date: date | None
    overdue_periods: int


@dataclass
class AccountView:
    revenue_type: str
    revenue_type_label: str
    case_no: str
    details: list[ShownField]
    columns: frozenset[str]
    installments: list[dict]
    totals: Totals | None


@dataclass
class RevenueGroup:
    revenue_type: str
    label: str
    accounts: list[AccountView]


@dataclass
class ObligorView:
    """Only what the viewer's policy allows: the page can show nothing else by construction."""

    pk: int
    resident_no: str
    person: list[ShownField]
    groups: list[RevenueGroup]
    totals: Totals | None
    phones: list[PhoneView] | None  # None: not allowed (the section is left out)
    household: HouseholdView | None
    fields_shown: list[str] = field(default_factory=list)

    @property
    def heading(self) -> str:
        name = next((f.value for f in self.person if f.name == "name"), "")
        return name or self.resident_no


def obligor_view(user, obligor: Obligor) -> ObligorView:
    """The obligor page's content for this user (raises Obligor.DoesNotExist outside scope).

    Person fields: allowed by the policy of at least one visible account. Account details and
    installment columns: allowed by that account's own revenue type.
    """
    scope = scope_for(user)
    if scope is None or not obligors_for(user).filter(pk=obligor.pk).exists():
        raise Obligor.DoesNotExist
    today = timezone.localdate()
    accounts = list(_accounts_with_totals(obligor, scope, today))
    present = {account.revenue_type for account in accounts}
    person_allowed = frozenset().union(*(scope.allowed(rt) for rt in present))
    shown: set[str] = {"resident_no"}

    person = person_fields(obligor, person_allowed)
    shown.update(f.name for f in person)
    groups, totalled = _groups(accounts, scope, shown)
    phones = None
    if "phone" in person_allowed:
        phones = phone_views(obligor)
        shown.add("phone")
    household = household_view(obligor, person_allowed, shown)
    return ObligorView(
        pk=obligor.pk,
        resident_no=obligor.resident_no,
        person=person,
        groups=groups,
        totals=_overall_totals(totalled, today) if totalled else None,
        phones=phones,
        household=household,
        fields_shown=sorted(shown),
    )


def _accounts_with_totals(obligor: Obligor, scope: Scope, today: date) -> QuerySet[Account]:
    owing = Q(installments__unpaid__gt=0)
    return (
        Account.objects.filter(obligor=obligor, revenue_type__in=list(scope.revenue_types))
        .annotate(
            unpaid_total=Sum("installments__unpaid", filter=owing, default=0),
            oldest_due_date=Min("installments__due_date", filter=owing),
            overdue_periods=Count(
                "installments", filter=owing & Q(installments__due_date__lt=today)
            ),
        )
        .prefetch_related(
            Prefetch(
                "installments",
                queryset=Installment.objects.order_by("fiscal_year", "due_date", "period"),
            )
        )
        .order_by("revenue_type", "case_no")
    )


def _groups(
    accounts: list[Account], scope: Scope, shown: set[str]
) -> tuple[list[RevenueGroup], list[int]]:
    labels = dict(RevenueType.choices)
    groups: dict[str, RevenueGroup] = {}
    totalled: list[int] = []
    for account in accounts:
        allowed = scope.allowed(account.revenue_type)
        columns = frozenset(c for c in INSTALLMENT_COLUMNS if c in allowed)
        details = [
            ShownField(name, label, _account_value(account, name), kind)
            for name, label, kind in _ACCOUNT_FIELDS
            if name in allowed
        ]
        totals = None
        if columns >= _TOTAL_FIELDS:
            totals = Totals(account.unpaid_total, account.oldest_due_date, account.overdue_periods)
            totalled.append(account.pk)
        rows = [{c: getattr(i, c) for c in columns} for i in account.installments.all()]
        shown.update({"revenue_type", "case_no", *columns}, (f.name for f in details))
        group = groups.setdefault(
            account.revenue_type,
            RevenueGroup(account.revenue_type, labels[account.revenue_type], []),
        )
        group.accounts.append(
            AccountView(
                account.revenue_type,
                labels[account.revenue_type],
                account.case_no,
                details,
                columns,
                rows if columns else [],
                totals,
            )
        )
    return list(groups.values()), totalled


def _account_value(account: Account, name: str):
    if name == "collection_kind":
        return account.get_collection_kind_display()
    return getattr(account, name)


def _overall_totals(account_ids: list[int], today: date) -> Totals:
    owing = Q(unpaid__gt=0)
    # Aliases differ from the field names: an alias "unpaid" would shadow the column.
    result = Installment.objects.filter(account_id__in=account_ids).aggregate(
        unpaid_total=Sum("unpaid", filter=owing, default=0),
        oldest=Min("due_date", filter=owing),
        overdue=Count("pk", filter=owing & Q(due_date__lt=today)),
    )
    return Totals(result["unpaid_total"], result["oldest"], result["overdue"])
