"""Reads of the counter set-up: the catalogue with each procedure's fee in force."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from civicdesk.core.http import allowed
from civicdesk.counter.models import Fee, Procedure


def may_view_catalogue(user) -> bool:
    return allowed(user, "counter.view_procedure")


def may_change_catalogue(user) -> bool:
    return allowed(user, "counter.change_procedure", "counter.add_fee")


def procedures_for(user):
    """The user's municipality's procedures (nobody sees another municipality's)."""
    return Procedure.objects.filter(municipality_id=user.municipality_id).select_related("queue")


@dataclass(frozen=True)
class CatalogueRow:
    procedure: Procedure
    fee: Fee | None  # in force on the day asked
    next_fee: Fee | None  # a row that starts later


def catalogue(user, day: dt.date) -> list[CatalogueRow]:
    procedures = list(procedures_for(user).order_by("position", "code"))
    fees: dict[int, list[Fee]] = {}
    for fee in Fee.objects.filter(procedure__in=procedures).order_by("valid_from"):
        fees.setdefault(fee.procedure_id, []).append(fee)
    rows = []
    for procedure in procedures:
        rows_of = fees.get(procedure.pk, [])
        current = [fee for fee in rows_of if fee.valid_from <= day]
        later = [fee for fee in rows_of if fee.valid_from > day]
        rows.append(
            CatalogueRow(procedure, current[-1] if current else None, later[0] if later else None)
        )
    return rows


def fee_history(procedure: Procedure) -> list[Fee]:
    return list(procedure.fees.order_by("-valid_from"))
