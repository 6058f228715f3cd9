"""Read queries of the registry: what kind of obligor data a user may see, and the person's own
part of any page that shows an obligor.

Visibility (DESIGN rule 1, seed 000 別紙1):
- operators and visitors see obligors with an account in their team's revenue types, and only
  those accounts; visitors read them under the field policy's ``visits`` purpose, everyone
  else under ``calls``;
- supervisors and staff see every revenue type of their municipality;
- inspectors and administrators see no obligor data at all.

Which obligors that makes, the search and the obligor page (名寄せ) read accounts: they live
one floor up, in ``receivables.selectors.obligors``, which builds on ``scope_for`` and
the person parts here (``person_fields``, ``phone_views``, ``household_view``).
"""

from __future__ import annotations

from dataclasses import dataclass

from civicdesk.core.models import Municipality
from civicdesk.privacy.field_policy import (
    ALL_TYPES_ROLES,
    allowed_fields,
    collectable_fields,
    purpose_for,
    revenue_types_for,
)
from civicdesk.registry.models import Obligor

# --- Who may see what ------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The revenue types a user works on and the field-policy purpose they read them under."""

    municipality_id: int | None
    revenue_types: tuple[str, ...]
    purpose: str
    all_types: bool

    def allowed(self, revenue_type: str) -> frozenset[str]:
        return allowed_fields(revenue_type, self.purpose)

    def types_allowing(self, field_name: str) -> list[str]:
        return [rt for rt in self.revenue_types if field_name in self.allowed(rt)]

    def allows_anywhere(self, field_name: str) -> bool:
        return bool(self.types_allowing(field_name))

    def may_collect(self, field_name: str) -> bool:
        """Whether the user may record this field for one of their revenue types."""
        return any(field_name in collectable_fields(rt, self.purpose) for rt in self.revenue_types)


def scope_for(user) -> Scope | None:
    """The user's scope, or None for roles that see no obligor data (inspector, admin).

    The field policy decides role, team and purpose (privacy.field_policy.visible_fields);
    this only adds the municipality."""
    purpose = purpose_for(user)
    if purpose is None:
        return None
    all_types = user.role in ALL_TYPES_ROLES
    return Scope(
        Municipality.objects.id_for_user(user), revenue_types_for(user), purpose, all_types
    )


def may_view_obligors(user) -> bool:
    """Whether the role works with obligor data at all (the pages answer 403 otherwise)."""
    return scope_for(user) is not None


# --- The person on a page --------------------------------------------------------------------

# (policy field, label, kind) in page order; kind tells the template how to format the value.
_PERSON_FIELDS = (
    ("name", "氏名", "text"),
    ("name_kana", "氏名カナ", "text"),
    ("alias_name", "通称名", "text"),
    ("sex", "性別", "text"),
    ("birth_date", "生年月日", "date"),
    ("postal_code", "郵便番号", "text"),
    ("address", "住所", "text"),
    ("address_extra", "方書", "text"),
    ("household_no", "世帯番号", "text"),
    ("relationship", "続柄", "text"),
)
_MEMBER_COLUMNS = (
    "household_member_name",
    "household_member_sex",
    "household_member_birth_date",
    "household_member_relationship",
)


@dataclass(frozen=True)
class ShownField:
    name: str
    label: str
    value: object
    kind: str = "text"


@dataclass
class PhoneView:
    display: str
    kind_label: str
    source_label: str
    status_label: str


@dataclass
class MemberView:
    is_self: bool
    values: dict  # only the allowed columns


@dataclass
class HouseholdView:
    household_no: str
    columns: frozenset[str]
    members: list[MemberView]


def person_fields(obligor: Obligor, allowed: frozenset[str]) -> list[ShownField]:
    """The person's fields among ``allowed`` (field-policy names), in page order."""
    values = {
        "sex": obligor.get_sex_display(),
        "household_no": obligor.household.household_no if obligor.household_id else "",
    }
    return [
        ShownField(name, label, values.get(name, getattr(obligor, name, "")), kind)
        for name, label, kind in _PERSON_FIELDS
        if name in allowed
    ]


def phone_views(obligor: Obligor) -> list[PhoneView]:
    """Every phone of the obligor (ask the policy for ``phone`` first)."""
    return [
        PhoneView(
            phone.display or phone.number,
            phone.get_kind_display(),
            phone.get_source_display(),
            phone.get_status_display(),
        )
        for phone in obligor.phones.order_by("pk")
    ]


def household_view(
    obligor: Obligor, allowed: frozenset[str], shown: set[str]
) -> HouseholdView | None:
    """The household's members in the columns ``allowed``; adds what it shows to ``shown``."""
    columns = frozenset(c for c in _MEMBER_COLUMNS if c in allowed)
    if not obligor.household_id or not columns:
        return None
    members = []
    for member in obligor.household.members.order_by("pk"):
        values = {
            "household_member_name": member.name,
            # The reading belongs to the name (field_policy.yaml: 氏名 covers name_kana).
            "household_member_kana": member.name_kana,
            "household_member_sex": member.get_sex_display(),
            "household_member_birth_date": member.birth_date,
            "household_member_relationship": member.relationship,
        }
        members.append(
            MemberView(
                member.resident_no == obligor.resident_no,
                {key: values[key] for key in _member_keys(columns)},
            )
        )
    shown.update(columns)
    household_no = ""
    if "household_no" in allowed:
        household_no = obligor.household.household_no
        shown.add("household_no")
    return HouseholdView(household_no, columns, members)


def _member_keys(columns: frozenset[str]) -> list[str]:
    keys = [c for c in _MEMBER_COLUMNS if c in columns]
    if "household_member_name" in columns:
        keys.append("household_member_kana")
    return keys
