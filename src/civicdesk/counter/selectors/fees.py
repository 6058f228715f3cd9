"""Reads of fees and cash (seed 003 §6(1)③, §6(10)): who may do what with them, whether a day
is closed, the day's totals (日計) grouped in the database, the rows of the fee export and the
stock of tamper-proof paper. Fee entries and paper movements hold no personal data.

Every figure is a sum of entries (reversals are negative rows), never a stored total.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet, Sum

from civicdesk.core.models import Municipality
from civicdesk.counter.choices import FeeEntryKind, PaperMovementKind, PaymentKind
from civicdesk.counter.models import DayClose, FeeEntry, PaperMovement, Request

VIEW_FEES = "counter.view_feeentry"
TAKE_FEES = "counter.add_feeentry"
VIEW_DAY_CLOSE = "counter.view_dayclose"
CLOSE_DAY = "counter.add_dayclose"
CONFIRM_DAY_CLOSE = "counter.confirm_dayclose"
VIEW_PAPER = "counter.view_papermovement"
RECORD_PAPER = "counter.add_papermovement"
EXPORT = "privacy.add_exportrecord"


def _has(user, *permissions: str) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and all(
        user.has_perm(permission) for permission in permissions
    )


def may_view_fees(user) -> bool:
    return _has(user, VIEW_FEES)


def may_take_fees(user) -> bool:
    return _has(user, VIEW_FEES, TAKE_FEES)


def may_view_day_close(user) -> bool:
    return _has(user, VIEW_DAY_CLOSE, VIEW_FEES)


def may_close_day(user) -> bool:
    return _has(user, VIEW_FEES, CLOSE_DAY)


def may_confirm_day_close(user) -> bool:
    return _has(user, VIEW_DAY_CLOSE, CONFIRM_DAY_CLOSE)


def may_view_paper(user) -> bool:
    return _has(user, VIEW_PAPER)


def may_record_paper(user) -> bool:
    return _has(user, VIEW_PAPER, RECORD_PAPER)


def may_export_fees(user) -> bool:
    """The fee rows hold no personal data, but every file that leaves is registered: those who
    keep the export register (the center's supervisors, staff) take it out."""
    return _has(user, VIEW_FEES, EXPORT)


def municipality_id_for(user) -> int | None:
    return Municipality.objects.id_for_user(user)


# --- The day ----------------------------------------------------------------------------------


def day_close_for(municipality_id: int | None, day: dt.date) -> DayClose | None:
    return (
        DayClose.objects.filter(municipality_id=municipality_id, day=day)
        .select_related("closed_by", "confirmed_by")
        .first()
    )


def is_day_closed(municipality_id: int | None, day: dt.date) -> bool:
    return DayClose.objects.filter(municipality_id=municipality_id, day=day).exists()


def day_closes_for(user) -> QuerySet[DayClose]:
    if not may_view_day_close(user):
        return DayClose.objects.none()
    return DayClose.objects.filter(municipality_id=municipality_id_for(user)).select_related(
        "closed_by", "confirmed_by"
    )


@dataclass(frozen=True)
class ProcedureLine:
    """One procedure and payment kind of a day: receipts, net sheets, amount, waived value."""

    code: str
    name: str
    payment_kind: str
    charges: int
    reversals: int
    quantity: int
    amount: int
    waived: int

    @property
    def payment_label(self) -> str:
        return PaymentKind(self.payment_kind).label


@dataclass(frozen=True)
class DayTotals:
    day: dt.date
    lines: list[ProcedureLine]
    amounts: dict[str, int]  # by payment kind (cash, postal_order, exempt): what was taken
    counts: dict[str, int]  # entries by payment kind
    entries: int
    reversals: list[FeeEntry] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.amounts.values())

    @property
    def cash(self) -> int:
        return self.amounts[PaymentKind.CASH]

    @property
    def waived(self) -> int:
        return sum(line.waived for line in self.lines)

    def by_kind(self) -> list[tuple[str, int, int]]:
        """(label, entries, amount) per payment kind, in the choices' order."""
        return [(kind.label, self.counts[kind], self.amounts[kind]) for kind in PaymentKind]


def day_totals(municipality_id: int | None, day: dt.date) -> DayTotals:
    """The day's entries grouped by procedure and payment kind in one query (3,000 entries
    take a few milliseconds), and the day's reversals with their reasons."""
    entries = FeeEntry.objects.filter(municipality_id=municipality_id, day=day)
    grouped = (
        entries.values("procedure__code", "procedure__name", "procedure__position", "payment_kind")
        .annotate(
            charges=Count("id", filter=Q(kind=FeeEntryKind.CHARGE)),
            reversals=Count("id", filter=Q(kind=FeeEntryKind.REVERSAL)),
            sheets=Sum("quantity"),
            taken=Sum("amount"),
            waived=Sum(F("quantity") * F("unit_fee"), filter=Q(payment_kind=PaymentKind.EXEMPT)),
        )
        .order_by("procedure__position", "procedure__code", "payment_kind")
    )
    lines = [
        ProcedureLine(
            code=row["procedure__code"],
            name=row["procedure__name"],
            payment_kind=row["payment_kind"],
            charges=row["charges"],
            reversals=row["reversals"],
            quantity=row["sheets"] or 0,
            amount=row["taken"] or 0,
            waived=row["waived"] or 0,
        )
        for row in grouped
    ]
    amounts = {kind.value: 0 for kind in PaymentKind}
    counts = {kind.value: 0 for kind in PaymentKind}
    for line in lines:
        amounts[line.payment_kind] += line.amount
        counts[line.payment_kind] += line.charges + line.reversals
    reversals = list(
        entries.filter(kind=FeeEntryKind.REVERSAL)
        .select_related("procedure", "reverses")
        .order_by("at", "id")
    )
    return DayTotals(
        day=day,
        lines=lines,
        amounts=amounts,
        counts=counts,
        entries=sum(counts.values()),
        reversals=reversals,
    )


# --- Entries ----------------------------------------------------------------------------------


def fee_entries_for(user) -> QuerySet[FeeEntry]:
    if not may_view_fees(user):
        return FeeEntry.objects.none()
    return FeeEntry.objects.filter(municipality_id=municipality_id_for(user)).select_related(
        "procedure", "reverses", "ticket__queue"
    )


def day_entries(user, day: dt.date) -> QuerySet[FeeEntry]:
    return fee_entries_for(user).filter(day=day).order_by("at", "id")


def reversed_entry_ids(entries) -> set[int]:
    return set(FeeEntry.objects.filter(reverses__in=entries).values_list("reverses_id", flat=True))


def paid_request_ids(request_ids) -> set[int]:
    """The requests with a fee taken and not reversed."""
    charged = FeeEntry.objects.filter(
        request_id__in=request_ids, kind=FeeEntryKind.CHARGE, reversal__isnull=True
    )
    return set(charged.values_list("request_id", flat=True))


def is_paid(request: Request) -> bool:
    return bool(paid_request_ids([request.pk]))


def open_charge_for(request: Request) -> FeeEntry | None:
    return (
        FeeEntry.objects.filter(request=request, kind=FeeEntryKind.CHARGE, reversal__isnull=True)
        .order_by("-at")
        .first()
    )


# --- The fee export -----------------------------------------------------------------------------

# (alias, header): no personal data; the reason of a reversal is the cashier's own note.
FEE_EXPORT_LAYOUT = (
    ("day", "収納日"),
    ("receipt_no", "領収番号"),
    ("kind", "種類"),
    ("procedure_code", "手続コード"),
    ("procedure", "手続"),
    ("quantity", "通数"),
    ("unit_fee", "単価（円）"),
    ("amount", "金額（円）"),
    ("payment_kind", "納付方法"),
    ("reverses", "取り消した領収番号"),
    ("reason", "取消の理由"),
    ("at", "日時"),
)
FEE_EXPORT_HEADERS = tuple(header for _alias, header in FEE_EXPORT_LAYOUT)
FEE_EXPORT_FIELDS = tuple(alias for alias, _header in FEE_EXPORT_LAYOUT)


def fee_export_rows(municipality_id: int | None, start: dt.date, end: dt.date) -> Iterator[list]:
    """One row per entry of the period (both days included), in receipt order, streamed."""
    entries = (
        FeeEntry.objects.filter(municipality_id=municipality_id, day__range=(start, end))
        .order_by("day", "at", "id")
        .values_list(
            "day",
            "receipt_no",
            "kind",
            "procedure__code",
            "procedure__name",
            "quantity",
            "unit_fee",
            "amount",
            "payment_kind",
            "reverses__receipt_no",
            "reason",
            "at",
        )
    )
    for row in entries.iterator(chunk_size=2000):
        day, receipt_no, kind, code, name, quantity, unit, amount, payment, reverses, reason, at = (
            row
        )
        yield [
            day,
            receipt_no,
            FeeEntryKind(kind).label,
            code,
            name,
            quantity,
            unit,
            amount,
            PaymentKind(payment).label,
            reverses or "",
            reason,
            at,
        ]


# --- Tamper-proof paper -------------------------------------------------------------------------


def paper_stock(municipality_id: int | None) -> int:
    """Sheets in stock: the sum of every movement (receipts positive, use and spoilage
    negative, a count's adjustment either)."""
    total = PaperMovement.objects.filter(municipality_id=municipality_id).aggregate(
        sheets=Sum("sheets")
    )["sheets"]
    return total or 0


def paper_movements_for(user) -> QuerySet[PaperMovement]:
    if not may_view_paper(user):
        return PaperMovement.objects.none()
    return (
        PaperMovement.objects.filter(municipality_id=municipality_id_for(user))
        .select_related("user", "request__procedure")
        .order_by("-at", "-id")
    )


@dataclass(frozen=True)
class PaperDay:
    day: dt.date
    received: int
    used: int
    spoiled: int
    adjusted: int


def paper_by_day(municipality_id: int | None, start: dt.date, end: dt.date) -> list[PaperDay]:
    """Per day of the period: sheets received, used, spoiled (as positive numbers) and the
    counts' adjustments."""
    rows = (
        PaperMovement.objects.filter(municipality_id=municipality_id, day__range=(start, end))
        .values("day")
        .annotate(
            received=Sum("sheets", filter=Q(kind=PaperMovementKind.RECEIVED)),
            used=Sum("sheets", filter=Q(kind=PaperMovementKind.USED)),
            spoiled=Sum("sheets", filter=Q(kind=PaperMovementKind.SPOILED)),
            adjusted=Sum("sheets", filter=Q(kind=PaperMovementKind.COUNTED)),
        )
        .order_by("-day")
    )
    return [
        PaperDay(
            day=row["day"],
            received=row["received"] or 0,
            used=-(row["used"] or 0),
            spoiled=-(row["spoiled"] or 0),
            adjusted=row["adjusted"] or 0,
        )
        for row in rows
    ]
