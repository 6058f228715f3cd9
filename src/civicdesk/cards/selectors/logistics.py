"""Reads of the paper and the cards on the move: who may see and do what, print runs, card
receipts with their recorded counts, transfers with their differences, venue days, and the
center's daily reconciliation (別紙⑥ 2(1)②③) with every difference listed.

Everything is scoped to the user's municipality; objects of another are simply not found.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from civicdesk.cards.choices import CardState, MailingKind
from civicdesk.cards.models import (
    CardReceipt,
    CardTarget,
    Mailing,
    ReconciliationClose,
    TargetImport,
    Venue,
    VenueDay,
    VenueTransfer,
    VenueTransferItem,
)
from civicdesk.core.calendar import TOKYO
from civicdesk.core.models import Municipality

VIEW_MAILINGS = "cards.view_mailing"
VIEW_RECEIPTS = "cards.view_cardreceipt"
VIEW_TRANSFERS = "cards.view_venuetransfer"
VIEW_VENUE_DAYS = "cards.view_venueday"
VIEW_RECONCILIATION = "cards.view_reconciliationclose"
VIEW_TARGETS = "cards.view_cardtarget"
CLOSE_RECONCILIATION = "cards.add_reconciliationclose"


def _has(user, *permissions: str) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and all(
        user.has_perm(permission) for permission in permissions
    )


def may_view_mailings(user) -> bool:
    return _has(user, VIEW_MAILINGS)


def may_view_receipts(user) -> bool:
    return _has(user, VIEW_RECEIPTS)


def may_view_transfers(user) -> bool:
    return _has(user, VIEW_TRANSFERS)


def may_view_transfer_lines(user) -> bool:
    """The cards of a transfer carry names and addresses: only for those who see targets."""
    return _has(user, VIEW_TRANSFERS, VIEW_TARGETS)


def may_view_venue_days(user) -> bool:
    return _has(user, VIEW_VENUE_DAYS)


def may_view_reconciliation(user) -> bool:
    return _has(user, VIEW_RECONCILIATION)


def may_close_reconciliation(user) -> bool:
    return _has(user, VIEW_RECONCILIATION, CLOSE_RECONCILIATION)


def municipality_id_for(user) -> int | None:
    return Municipality.objects.id_for_user(user)


def day_end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=TOKYO)


# --- Lists ---------------------------------------------------------------------------------


def venues_for(user) -> QuerySet[Venue]:
    return Venue.objects.filter(municipality_id=municipality_id_for(user))


def mailings_for(user) -> QuerySet[Mailing]:
    if not may_view_mailings(user):
        return Mailing.objects.none()
    return Mailing.objects.filter(municipality_id=municipality_id_for(user)).select_related(
        "created_by", "mailed_by", "export_record"
    )


def receipts_for(user) -> QuerySet[CardReceipt]:
    """Receipts with ``recorded`` (cards named) beside the slip's declared count."""
    if not may_view_receipts(user):
        return CardReceipt.objects.none()
    return (
        CardReceipt.objects.filter(municipality_id=municipality_id_for(user))
        .select_related("recorded_by")
        .annotate(recorded=Count("targets"))
    )


def transfers_for(user) -> QuerySet[VenueTransfer]:
    if not may_view_transfers(user):
        return VenueTransfer.objects.none()
    return VenueTransfer.objects.filter(municipality_id=municipality_id_for(user)).select_related(
        "venue", "sent_by", "received_by", "hand_over"
    )


def transfer_lines(transfer: VenueTransfer) -> QuerySet[VenueTransferItem]:
    return (
        VenueTransferItem.objects.filter(transfer=transfer)
        .select_related("target")
        .order_by("position")
    )


# The delivery ledger is laid out as text in a monospaced CJK font (half-width 1 column,
# full-width 2): one block per card instead of a table's cells lays out four times faster
# (a 1,000-line ledger in both copies within the 15 s of issue 18).
LEDGER_COLUMNS = 112  # A4 portrait, 10 mm margins, 9 pt
LEDGER_HEADINGS = ("行", "予約管理番号", "氏名", "住所")


def _width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in "WFA" else 1


def display_width(text: str) -> int:
    return sum(_width(char) for char in text)


def _wrap(text: str, width: int) -> list[str]:
    parts, line, used = [], "", 0
    for char in text:
        if used + _width(char) > width and line:
            parts.append(line)
            line, used = "", 0
        line += char
        used += _width(char)
    return [*parts, line]


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - display_width(text), 0)


@dataclass(frozen=True)
class LedgerLayout:
    heading: str
    rows: list[str]  # one block of text per card (several lines when a field wraps)


def ledger_layout(transfer: VenueTransfer) -> LedgerLayout:
    """The ledger's lines in the transfer's order as aligned text: row, 予約管理番号, 氏名,
    住所 (name and address wrap within their columns, nothing is cut)."""
    lines = list(
        VenueTransferItem.objects.filter(transfer=transfer)
        .order_by("position")
        .values_list("position", "target__reservation_no", "target__name", "target__address")
    )
    heading_widths = [display_width(heading) for heading in LEDGER_HEADINGS]
    pos_w = max(len(str(len(lines))), heading_widths[0])
    no_w = max([heading_widths[1], *(display_width(line[1]) for line in lines)])
    name_w = min(max([heading_widths[2], *(display_width(line[2]) for line in lines)]), 24)
    address_w = LEDGER_COLUMNS - pos_w - no_w - name_w - 6

    def block(position: str, number: str, name: str, address: str) -> str:
        names, addresses = _wrap(name, name_w), _wrap(address, address_w)
        height = max(len(names), len(addresses))
        names += [""] * (height - len(names))
        addresses += [""] * (height - len(addresses))
        first = " " * (pos_w - display_width(position)) + position
        return "\n".join(
            (
                f"{first if i == 0 else ' ' * pos_w}  {_pad(number if i == 0 else '', no_w)}"
                f"  {_pad(names[i], name_w)}  {addresses[i]}"
            ).rstrip()
            for i in range(height)
        )

    return LedgerLayout(
        heading=block(*LEDGER_HEADINGS),
        rows=[block(str(pos), number, name, address) for pos, number, name, address in lines],
    )


def venue_days_for(user, venue: Venue) -> QuerySet[VenueDay]:
    if not may_view_venue_days(user) or venue.municipality_id != municipality_id_for(user):
        return VenueDay.objects.none()
    return VenueDay.objects.filter(venue=venue).select_related("closed_by")


def stock_by_venue(municipality_id: int) -> list[tuple[Venue, int]]:
    counts = dict(
        CardTarget.objects.filter(municipality_id=municipality_id, card_state=CardState.IN_STOCK)
        .values_list("venue_id")
        .annotate(n=Count("pk"))
    )
    venues = Venue.objects.filter(municipality_id=municipality_id)
    return [(venue, counts.get(venue.pk, 0)) for venue in venues]


def target_by_number(user, reservation_no: str) -> CardTarget | None:
    """The venue desk's look-up: one target of the user's municipality, or None."""
    number = (reservation_no or "").strip()
    if not number or not _has(user, VIEW_TARGETS):
        return None
    return (
        CardTarget.objects.filter(municipality_id=municipality_id_for(user), reservation_no=number)
        .select_related("venue", "area")
        .first()
    )


def target_for(user, pk: int) -> CardTarget | None:
    if not _has(user, VIEW_TARGETS):
        return None
    return CardTarget.objects.filter(pk=pk, municipality_id=municipality_id_for(user)).first()


# --- The reconciliation --------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    label: str
    left_label: str
    left: int
    right_label: str
    right: int

    @property
    def amount(self) -> int:
        return self.left - self.right


@dataclass(frozen=True)
class Reconciliation:
    """The center's figures at the end of ``day`` and every difference among them."""

    day: dt.date
    notices_received: int  # counted by the center when the ward's notices came in
    targets_imported: int
    notices_mailed: int  # targets in letter runs mailed by the day
    notices_pending: int  # imported, not yet in a mailed run
    cards_declared: int  # the ward's slips
    cards_received: int  # cards recorded by reservation number
    cards_transferred: int
    cards_in_stock: int
    differences: list[Difference] = field(default_factory=list)
    close: ReconciliationClose | None = None

    @property
    def balanced(self) -> bool:
        return not self.differences


def reconciliation(municipality, day: dt.date) -> Reconciliation:
    """別紙⑥ 2(1)②: notices received = notices mailed (+ those not mailed yet);
    ③: cards received = cards sent to the venues (+ those still in the center's stock)."""
    municipality_id = getattr(municipality, "pk", municipality)
    end = day_end(day)
    imports = TargetImport.objects.filter(municipality_id=municipality_id, imported_at__lt=end)
    notices_received = imports.aggregate(n=Sum("notices_received"))["n"] or 0
    imported = CardTarget.objects.filter(
        municipality_id=municipality_id, imported_in__imported_at__lt=end
    )
    targets_imported = imported.count()
    mailed = Q(mailed_in__kind=MailingKind.LETTER, mailed_in__mailed_on__lte=day)
    notices_mailed = imported.filter(mailed).count()
    receipts = CardReceipt.objects.filter(municipality_id=municipality_id, received_on__lte=day)
    cards_declared = receipts.aggregate(n=Sum("declared_count"))["n"] or 0
    received = CardTarget.objects.filter(
        municipality_id=municipality_id, card_receipt__received_on__lte=day
    )
    transferred = VenueTransferItem.objects.filter(
        transfer__municipality_id=municipality_id, transfer__sent_at__lt=end
    ).count()
    figures = Reconciliation(
        day=day,
        notices_received=notices_received,
        targets_imported=targets_imported,
        notices_mailed=notices_mailed,
        notices_pending=targets_imported - notices_mailed,
        cards_declared=cards_declared,
        cards_received=received.count(),
        cards_transferred=transferred,
        cards_in_stock=_in_stock_at(received, end),
        close=ReconciliationClose.objects.filter(municipality_id=municipality_id, date=day)
        .select_related("closed_by")
        .first(),
    )
    figures.differences.extend(_differences(figures, receipts, municipality_id, end))
    return figures


def _in_stock_at(received: QuerySet[CardTarget], end: dt.datetime) -> int:
    """Cards received that were still at the center at ``end``: never sent by then, and
    either still in stock now or sent after ``end``."""
    sent = VenueTransferItem.objects.filter(target=OuterRef("pk"))
    return (
        received.exclude(Exists(sent.filter(transfer__sent_at__lt=end)))
        .filter(Q(card_state=CardState.IN_STOCK) | Exists(sent.filter(transfer__sent_at__gte=end)))
        .count()
    )


def _differences(figures: Reconciliation, receipts, municipality_id, end) -> list[Difference]:
    found = []
    if figures.notices_received != figures.targets_imported:
        found.append(
            Difference(
                "交付通知書の受領数と取込件数",
                "受領数",
                figures.notices_received,
                "取込件数",
                figures.targets_imported,
            )
        )
    for receipt in receipts.annotate(recorded=Count("targets")).order_by("received_on", "pk"):
        if receipt.declared_count != receipt.recorded:
            found.append(
                Difference(
                    f"カード受領 {receipt.received_on:%Y-%m-%d}（送付書と記録）",
                    "送付書の枚数",
                    receipt.declared_count,
                    "記録した枚数",
                    receipt.recorded,
                )
            )
    if figures.cards_received != figures.cards_transferred + figures.cards_in_stock:
        found.append(
            Difference(
                "カードの受領数と会場への送付数＋保管数",
                "受領数",
                figures.cards_received,
                "送付数＋保管数",
                figures.cards_transferred + figures.cards_in_stock,
            )
        )
    counted = VenueTransfer.objects.filter(
        municipality_id=municipality_id, received_at__lt=end
    ).select_related("venue")
    for transfer in counted.order_by("number"):
        if transfer.received_count != transfer.card_count:
            found.append(
                Difference(
                    f"送付 No.{transfer.number}（{transfer.venue.short_name}）の会場での受領",
                    "送付枚数",
                    transfer.card_count,
                    "会場で数えた枚数",
                    transfer.received_count or 0,
                )
            )
    return found
