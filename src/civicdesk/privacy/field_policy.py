"""Which personal fields may be held and shown, per revenue type and purpose (DESIGN rule 1).

The policy is data (field_policy.yaml beside this module, or the file named by
CIVICDESK_FIELD_POLICY). Importers ask ``held_fields`` (the union of a revenue type's purposes)
and drop everything else; screens, API and exports ask ``allowed_fields`` for one purpose.

Who reads under which purpose, and which revenue types at all, is decided here too, once:
``purpose_for(user)``, ``revenue_types_for(user)`` and ``visible_fields(user, revenue_type)``
(the field policy walker test, tests/privacy/test_field_policy_walk.py, holds every page and
API response to ``visible_fields``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from django.conf import settings

from civicdesk.core.choices import RevenueType

ALWAYS_HELD = frozenset({"revenue_type", "resident_no", "case_no"})
# Every field a policy may name (formats/README.md aliases, plus what the center records).
KNOWN_FIELDS = ALWAYS_HELD | {
    "name", "name_kana", "alias_name", "sex", "birth_date", "relationship",
    "postal_code", "address", "address_extra", "phone",
    "household_no", "household_member_name", "household_member_sex",
    "household_member_birth_date", "household_member_relationship",
    "fiscal_year", "period", "due_date", "assessed", "paid", "unpaid", "last_paid_on",
    "late_charge", "demand_notice_on", "reminder_on", "account_transfer",
    "collection_kind", "insured_no", "contacts", "notice",
}  # fmt: skip
PURPOSES = ("calls", "visits")

# Roles by what they read (DESIGN rule 1, seed 000 別紙1): the role values of accounts.Role,
# spelled out so that the policy does not import the accounts app's models.
TEAM_SCOPED_ROLES = frozenset({"operator", "visitor"})  # their team's revenue types only
ALL_TYPES_ROLES = frozenset({"supervisor", "staff"})  # every revenue type of the municipality
# Visitors work visit campaigns: the policy's ``visits`` purpose (late-elderly visits show
# name, address and notice only). Everyone else who reads obligors works under ``calls``.
VISIT_ROLES = frozenset({"visitor"})


class FieldPolicyError(Exception):
    """The policy file is malformed; the message names the place."""


def policy_path() -> Path:
    configured = getattr(settings, "FIELD_POLICY_FILE", None)
    return Path(configured) if configured else Path(__file__).with_name("field_policy.yaml")


@cache
def _load(path: Path) -> dict[str, dict[str, frozenset[str]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    groups = {name: list(fields) for name, fields in (data.get("groups") or {}).items()}
    policy: dict[str, dict[str, frozenset[str]]] = {}
    for revenue_type, purposes in (data.get("revenue_types") or {}).items():
        if revenue_type not in RevenueType.values:
            raise FieldPolicyError(f"{path}: 不明な税目です: {revenue_type}")
        policy[revenue_type] = {}
        for purpose in PURPOSES:
            if purpose not in purposes:
                raise FieldPolicyError(f"{path}: {revenue_type} に {purpose} がありません")
            fields: set[str] = set()
            for item in purposes[purpose]:
                fields.update(groups.get(item, [item]))
            unknown = fields - KNOWN_FIELDS
            if unknown:
                raise FieldPolicyError(
                    f"{path}: {revenue_type}.{purpose} に不明な項目があります: "
                    f"{', '.join(sorted(unknown))}"
                )
            policy[revenue_type][purpose] = frozenset(fields) | ALWAYS_HELD
    missing = set(RevenueType.values) - set(policy)
    if missing:
        raise FieldPolicyError(f"{path}: 税目の定義がありません: {', '.join(sorted(missing))}")
    return policy


def allowed_fields(revenue_type: str, purpose: str = "calls") -> frozenset[str]:
    """The fields a role working on ``purpose`` may see for this revenue type."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose: {purpose!r}")
    return _load(policy_path())[revenue_type][purpose]


def held_fields(revenue_type: str) -> frozenset[str]:
    """What the contractor may hold at all for this revenue type (every purpose together)."""
    policy = _load(policy_path())[revenue_type]
    collected = _load_collects(policy_path()).get(revenue_type, {})
    return frozenset().union(*policy.values(), *collected.values())


def collectable_fields(revenue_type: str, purpose: str = "calls") -> frozenset[str]:
    """What the center may record while working ``purpose``: what it is shown, and what the
    policy's ``collects`` adds (seed 000 別紙1 第2条 (3)②イ: a visitor of late-elderly cases
    is shown no phone number, yet asks for one at the door)."""
    collected = _load_collects(policy_path()).get(revenue_type, {}).get(purpose, frozenset())
    return allowed_fields(revenue_type, purpose) | collected


@cache
def _load_collects(path: Path) -> dict[str, dict[str, frozenset[str]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    collects: dict[str, dict[str, frozenset[str]]] = {}
    for revenue_type, purposes in (data.get("collects") or {}).items():
        if revenue_type not in RevenueType.values:
            raise FieldPolicyError(f"{path}: collects に不明な税目があります: {revenue_type}")
        for purpose, fields in (purposes or {}).items():
            if purpose not in PURPOSES:
                raise FieldPolicyError(f"{path}: collects.{revenue_type} に不明な用途: {purpose}")
            unknown = set(fields) - KNOWN_FIELDS
            if unknown:
                raise FieldPolicyError(
                    f"{path}: collects.{revenue_type}.{purpose} に不明な項目があります: "
                    f"{', '.join(sorted(unknown))}"
                )
            collects.setdefault(revenue_type, {})[purpose] = frozenset(fields)
    return collects


def is_held(revenue_type: str, field: str) -> bool:
    return field in held_fields(revenue_type)


# --- One entry point: what a user may see ------------------------------------------------------


def reads_obligors(user) -> bool:
    """Whether the user's role reads obligor data at all (inspectors and admins do not)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return getattr(user, "role", None) in TEAM_SCOPED_ROLES | ALL_TYPES_ROLES


def purpose_for(user) -> str | None:
    """The purpose the user reads obligor data under, or None when they read none."""
    if not reads_obligors(user):
        return None
    return "visits" if user.role in VISIT_ROLES else "calls"


def revenue_types_for(user) -> tuple[str, ...]:
    """The revenue types whose data the user may see, in RevenueType order (empty for none)."""
    if not reads_obligors(user):
        return ()
    if user.role in ALL_TYPES_ROLES:
        return tuple(RevenueType.values)
    team_types = set(user.revenue_types)
    return tuple(rt for rt in RevenueType.values if rt in team_types)


def visible_fields(user, revenue_type: str) -> frozenset[str]:
    """The fields of one revenue type's data the user may see: empty for roles that see no
    obligor data and for revenue types outside an operator's or visitor's team."""
    if revenue_type not in revenue_types_for(user):
        return frozenset()
    return allowed_fields(revenue_type, purpose_for(user))


# --- The service counters ---------------------------------------------------------------------

COUNTER_ITEMS = frozenset(
    {"requester_name", "subject_name", "mailing_address", "vehicle_chassis_no"}
)


@cache
def _load_counter(path: Path) -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    sets: dict[str, frozenset[str]] = {}
    for category, items in (data.get("counter") or {}).items():
        unknown = set(items or []) - COUNTER_ITEMS
        if unknown:
            raise FieldPolicyError(
                f"{path}: counter.{category} に不明な項目があります: {', '.join(sorted(unknown))}"
            )
        sets[str(category)] = frozenset(items or [])
    return sets, frozenset(data.get("counter_readers") or [])


def counter_items(category: str) -> frozenset[str]:
    """The personal items a counter request of this procedure category may record."""
    return _load_counter(policy_path())[0].get(category, frozenset())


def reads_counter_requests(user) -> bool:
    """Whether the user's role may see what counter requests record."""
    return getattr(user, "role", None) in _load_counter(policy_path())[1]


# --- Card issuance ----------------------------------------------------------------------------

CARD_ITEMS = frozenset(
    {
        "reservation_no",
        "name",
        "kana",
        "birth_date",
        "address",
        "reason",
        "contact_email",
        "contact_phone",
    }
)


@cache
def _load_cards(path: Path) -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    sets: dict[str, frozenset[str]] = {}
    for channel, items in (data.get("cards") or {}).items():
        unknown = set(items or []) - CARD_ITEMS
        if unknown:
            raise FieldPolicyError(
                f"{path}: cards.{channel} に不明な項目があります: {', '.join(sorted(unknown))}"
            )
        sets[str(channel)] = frozenset(items or [])
    return sets, frozenset(data.get("cards_readers") or [])


def card_items(channel: str) -> frozenset[str]:
    """The items a card record may carry from this channel (target, web, call_center)."""
    return _load_cards(policy_path())[0].get(channel, frozenset())


def reads_card_targets(user) -> bool:
    """Whether the user's role may see a card target's name, birth date and address."""
    return getattr(user, "role", None) in _load_cards(policy_path())[1]
