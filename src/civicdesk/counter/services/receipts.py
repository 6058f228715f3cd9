"""The receipt (領収書・レシート, seed 003 §6(1)③イ) as an 80 mm-wide PDF for the counter's
receipt printer: the municipality, the receipt number, date and time, the procedure,
copies × unit fee, the total and the payment kind. One receipt per page.

It shows no personal data (no name, no address: a fee entry holds none), so printing it is
not access-logged; tests/counter/test_receipts.py holds the receipt free of the request's
personal items.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from civicdesk.core.models import Municipality
from civicdesk.core.pdf import render_pdf
from civicdesk.counter.choices import FeeEntryKind, PaymentKind
from civicdesk.counter.models import FeeEntry
from civicdesk.counter.selectors import fees as selectors


class ReceiptError(Exception):
    """No receipt can be printed (message in Japanese)."""


def receipt_pdf(*, acting_user, entries: Sequence[FeeEntry]) -> bytes:
    """The receipts of ``entries`` (the user's municipality only), one per page."""
    if not selectors.may_view_fees(acting_user):
        raise PermissionDenied("領収書を印刷する権限がありません。")
    municipality_id = selectors.municipality_id_for(acting_user)
    if not entries:
        raise ReceiptError("印刷する収納がありません。")
    if any(entry.municipality_id != municipality_id for entry in entries):
        raise ReceiptError("収納の記録が見つかりません。")
    context = {
        "municipality": Municipality.objects.filter(pk=municipality_id).first(),
        "entries": [_line(entry) for entry in entries],
        "printed_at": timezone.now(),
    }
    return render_pdf("print/counter_receipt.html", context)


def _line(entry: FeeEntry) -> dict:
    return {
        "receipt_no": entry.receipt_no,
        "at": timezone.localtime(entry.at),
        "reversal": entry.kind == FeeEntryKind.REVERSAL,
        "reverses": entry.reverses.receipt_no if entry.reverses_id else "",
        "procedure": entry.procedure.name,
        "quantity": entry.quantity,
        "unit_fee": entry.unit_fee,
        "amount": entry.amount,
        "payment_kind": entry.get_payment_kind_display(),
        "exempt": entry.payment_kind == PaymentKind.EXEMPT,
        "waived": entry.quantity * entry.unit_fee
        if entry.payment_kind == PaymentKind.EXEMPT
        else 0,
        "ticket": entry.ticket.label if entry.ticket_id else "",
    }
