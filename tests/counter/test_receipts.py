"""The receipt (レシート): an 80 mm-wide PDF with the municipality, receipt number, date and
time, procedure, copies × unit fee, total and payment kind; no personal data, so no print
entry in the access log."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from pypdf import PdfReader

from civicdesk.audit.models import AccessLogEntry
from civicdesk.counter.services import fees, receipts
from tests.counter.flow import NAME, at_cashier
from tests.pdf import pdftotext

pytestmark = pytest.mark.django_db
MM = 72 / 25.4


def test_the_receipt_is_80_mm_wide_and_shows_what_was_paid(
    desk, reception, clerk, staff, cashier, municipality
):
    ticket, request = at_cashier(desk, reception, clerk, staff, cashier, quantity=2)
    [entry] = fees.settle_requests(
        acting_user=cashier, requests=[request], payment_kind="cash", ticket=ticket
    )
    pdf = receipts.receipt_pdf(acting_user=cashier, entries=[entry])
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert round(float(page.mediabox.width) / MM) == 80
    text = pdftotext(pdf)
    for expected in (
        "領収書",
        municipality.name,
        "20260610-0001",
        "令和8年6月10日 10:",
        ticket.label,
        "住民票の写し",
        "2通 × 300円",
        "600円",
        "現金",
    ):
        assert expected in text, expected
    assert NAME not in text
    assert not AccessLogEntry.objects.filter(action="print").exists()


def test_an_exempt_receipt_shows_the_waived_value_and_a_reversal_its_own_slip(desk, cashier):
    exempt = fees.take_fee(
        acting_user=cashier,
        procedure=desk.certificate,
        quantity=3,
        payment_kind="cash",
        requester_kind="official",
        requesting_office="一関税務署",
    )
    charged = fees.take_fee(
        acting_user=cashier, procedure=desk.certificate, quantity=1, payment_kind="postal_order"
    )
    reversal = fees.reverse_fee(acting_user=cashier, entry=charged, reason="誤り")
    pdf = receipts.receipt_pdf(acting_user=cashier, entries=[exempt, reversal])
    pages = pdftotext(pdf).split("\f")
    assert "免除" in pages[0] and "免除額" in pages[0] and "900円" in pages[0]
    assert "取消票" in pages[1] and "20260610-0002" in pages[1] and "-300円" in pages[1]
    assert "定額小為替" in pages[1]


def test_only_fee_readers_print_receipts(desk, cashier, clerk):
    entry = fees.take_fee(
        acting_user=cashier, procedure=desk.certificate, quantity=1, payment_kind="cash"
    )
    with pytest.raises(PermissionDenied):
        receipts.receipt_pdf(acting_user=clerk, entries=[entry])
