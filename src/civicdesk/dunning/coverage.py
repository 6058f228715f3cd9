"""Which revenue types a contact covered, as one number kept on the contact (ADR 0011).

ContactAccount rows say which accounts a contact covered; the reports need, for every contact
of a month, which revenue types (and, for targets, which resident-tax collection kind) those
were. Reading that through ContactAccount costs a lookup per contact; a bit mask written on
the contact when it is recorded makes a month of a million contacts one index scan.

A bit stands for a (revenue type, collection kind) line: bit = type index × 3 + kind index.
The layout is stored data — the migration that back-filled it spells it out — so types are only
ever appended and never reordered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from civicdesk.core.calendar import TOKYO
from civicdesk.core.choices import REACHED_PARTIES, RevenueType
from civicdesk.dunning.models import ContactAccount
from civicdesk.receivables.models import Account

# Frozen order (stored data): append new revenue types at the end.
TYPES = (
    RevenueType.RESIDENT_TAX,
    RevenueType.LIGHT_VEHICLE_TAX,
    RevenueType.NHI,
    RevenueType.LATE_ELDERLY,
    RevenueType.LTC,
)
KINDS = ("", "ordinary", "special")


def bit(revenue_type: str, collection_kind: str = "") -> int:
    kind = collection_kind if collection_kind in KINDS else ""
    return 1 << (TYPES.index(revenue_type) * len(KINDS) + KINDS.index(kind))


def type_mask(revenue_type: str) -> int:
    """Every bit of one revenue type, whatever the collection kind."""
    return sum(bit(revenue_type, kind) for kind in KINDS)


def line_mask(revenue_types: Iterable[str], collection_kind: str = "") -> int:
    """The bits of a target line: its revenue types; the collection kind narrows resident tax
    only (軽自動車税 has no 特別徴収: 「住民税、軽自動車税（普通徴収）」 counts every light
    vehicle contact)."""
    mask = 0
    for revenue_type in revenue_types:
        if revenue_type == RevenueType.RESIDENT_TAX and collection_kind:
            mask |= bit(revenue_type, collection_kind)
        else:
            mask |= type_mask(revenue_type)
    return mask


def coverage_of(accounts: Iterable) -> int:
    """The mask of accounts (Account objects, or (revenue_type, collection_kind) pairs)."""
    mask = 0
    for account in accounts:
        if isinstance(account, tuple):
            mask |= bit(*account)
        else:
            mask |= bit(account.revenue_type, account.collection_kind)
    return mask


def lines_of(account_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """account id → (revenue type, collection kind), in one query (batches carry ids)."""
    ids = set(account_ids)
    if not ids:
        return {}
    rows = Account.objects.filter(pk__in=ids).values_list("pk", "revenue_type", "collection_kind")
    return {pk: (revenue_type, kind) for pk, revenue_type, kind in rows}


def coverage_of_ids(account_ids: Iterable[int]) -> int:
    """The mask of accounts known by id only."""
    return coverage_of(lines_of(account_ids).values())


def reached_on(contact) -> dt.date | None:
    """What a contact's ContactAccount rows keep as reached_on: its Tokyo day if it reached
    someone (only calls and visits do)."""
    if contact.party not in REACHED_PARTIES:
        return None
    return contact.at.astimezone(TOKYO).date()


def recount(contact_id: int) -> int:
    """The mask from the contact's ContactAccount rows (what ``coverage`` must equal)."""
    return coverage_of(
        ContactAccount.objects.filter(contact_id=contact_id).values_list(
            "account__revenue_type", "account__collection_kind"
        )
    )
