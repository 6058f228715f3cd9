"""The cashier's pages: the ticket called at the cash counter with its fees pre-filled, one
press that takes the fees, issues the requests and finishes the ticket, the receipt PDF, a
reversal with its reason, and the day-close pages (totals, close, staff confirmation, the
day-total PDF). Who may open them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicdesk.counter.choices import RequestStatus, TicketStatus
from civicdesk.counter.models import DayClose, FeeEntry
from civicdesk.counter.services import day_close, fees, requests
from tests.conftest import TEST_NOW, sign_in
from tests.counter.flow import NAME, approved, at_cashier, open_full
from tests.pdf import pdftotext

pytestmark = pytest.mark.django_db
DAY = TEST_NOW.date().isoformat()


def test_the_fee_form_prefills_the_fees_and_settles_the_ticket(
    client, desk, reception, clerk, staff, cashier
):
    ticket, request = at_cashier(desk, reception, clerk, staff, cashier, quantity=2)
    sign_in(client, cashier)
    index = client.get(reverse("counter:cashier")).content.decode()
    assert ticket.label in index
    url = reverse("counter:cashier_ticket", args=[ticket.pk])
    page = client.get(url).content.decode()
    assert "住民票の写し" in page and "600円" in page and NAME not in page
    response = client.post(url, {"payment_kind": "cash"})
    assert response.status_code == 302 and response.url == url
    request.refresh_from_db()
    ticket.refresh_from_db()
    assert request.status == RequestStatus.ISSUED and ticket.status == TicketStatus.DONE
    done = client.get(url).content.decode()
    assert "20260610-0001" in done and "領収書を印刷" in done
    pdf = client.get(reverse("counter:ticket_receipts", args=[ticket.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = pdftotext(pdf.content)
    assert "20260610-0001" in text and "600円" in text and NAME not in text


def test_an_official_request_is_settled_as_exempt(client, desk, reception, clerk, staff, cashier):
    ticket, _request = at_cashier(
        desk,
        reception,
        clerk,
        staff,
        cashier,
        requester_kind="official",
        requesting_office="一関税務署",
    )
    sign_in(client, cashier)
    url = reverse("counter:cashier_ticket", args=[ticket.pk])
    assert "免除" in client.get(url).content.decode()
    client.post(url, {"payment_kind": "cash"})
    entry = FeeEntry.objects.get()
    assert (entry.payment_kind, entry.amount) == ("exempt", 0)


def test_settling_on_a_closed_day_is_refused_and_nothing_changes(
    client, desk, reception, clerk, staff, cashier
):
    ticket, request = at_cashier(desk, reception, clerk, staff, cashier)
    day_close.close_day(acting_user=cashier, day=TEST_NOW.date(), denominations={})
    sign_in(client, cashier)
    url = reverse("counter:cashier_ticket", args=[ticket.pk])
    response = client.post(url, {"payment_kind": "cash"})
    assert response.status_code == 200
    assert "精算（日計）は済んでいます" in response.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED and not FeeEntry.objects.exists()


def test_a_reversal_needs_its_reason_on_the_page(client, desk, cashier):
    entry = fees.take_fee(
        acting_user=cashier, procedure=desk.certificate, quantity=1, payment_kind="cash"
    )
    sign_in(client, cashier)
    url = reverse("counter:fee_reverse", args=[entry.pk])
    response = client.post(url, {"reason": ""})
    assert "理由を入力してください。" in response.content.decode()
    assert FeeEntry.objects.count() == 1
    assert client.post(url, {"reason": "通数の誤り"}).status_code == 302
    reversal = FeeEntry.objects.get(reverses=entry)
    slip = client.get(reverse("counter:fee_receipt", args=[reversal.pk]))
    assert "取消票" in pdftotext(slip.content)


def test_a_postal_request_is_settled_from_its_page(client, desk, clerk, staff, cashier):
    made = open_full(clerk, desk.certificate, None, requester_kind="postal")
    requests.submit_for_review(acting_user=clerk, request=made)
    requests.review_request(acting_user=staff, request=made, approved=True)
    sign_in(client, cashier)
    detail = client.get(reverse("counter:request_detail", args=[made.pk])).content.decode()
    assert "収納して交付（郵送）" in detail
    client.post(reverse("counter:request_settle", args=[made.pk]), {"payment_kind": "postal_order"})
    made.refresh_from_db()
    assert made.status == RequestStatus.ISSUED
    assert FeeEntry.objects.get().payment_kind == "postal_order"


def test_the_day_close_page_closes_with_counts_and_staff_confirm(
    client, desk, reception, clerk, staff, cashier
):
    fees.take_fee(acting_user=cashier, procedure=desk.certificate, quantity=2, payment_kind="cash")
    fees.take_fee(
        acting_user=cashier, procedure=desk.certificate, quantity=1, payment_kind="postal_order"
    )
    sign_in(client, cashier)
    url = reverse("counter:day_close")
    page = client.get(url, {"day": DAY}).content.decode()
    assert "900円" in page and "600円" in page  # total, cash: 2×300 + 1×300, 2×300
    counts = {f"yen_{value}": "0" for value in (10000, 5000, 2000, 1000, 500, 100, 50, 10, 5, 1)}
    short = {**counts, "yen_500": "1", "reason": ""}
    response = client.post(f"{url}?day={DAY}", short)
    assert "現金が100円不足しています" in response.content.decode()
    assert not DayClose.objects.exists()
    exact = {**counts, "yen_500": "1", "yen_100": "1", "reason": ""}
    assert client.post(f"{url}?day={DAY}", exact).status_code == 302
    close = DayClose.objects.get()
    assert (close.counted_cash, close.difference) == (600, 0)
    confirm = reverse("counter:day_close_confirm", args=[close.pk])
    assert client.post(confirm).status_code == 403
    sign_in(client, staff)
    assert "精算を確認する" in client.get(url, {"day": DAY}).content.decode()
    client.post(confirm)
    close.refresh_from_db()
    assert close.confirmed_by_id == staff.pk
    pdf = client.get(reverse("counter:day_total_pdf"), {"day": DAY})
    text = pdftotext(pdf.content)
    assert "手数料 日計表" in text and "900円" in text


@pytest.mark.parametrize(
    ("role", "cashier_page", "day_page"),
    [
        ("reception", 403, 403),
        ("clerk", 403, 403),
        ("cashier", 200, 200),
        ("supervisor", 403, 200),
        ("staff", 403, 200),
        ("inspector", 403, 403),
        ("operator", 403, 403),
    ],
)
def test_who_opens_the_cashier_and_day_close_pages(
    request, client, desk, role, cashier_page, day_page
):
    sign_in(client, request.getfixturevalue(role))
    assert client.get(reverse("counter:cashier")).status_code == cashier_page
    assert client.get(reverse("counter:day_close")).status_code == day_page


def test_a_supervisor_closes_but_cannot_take_fees(
    client, desk, reception, clerk, staff, supervisor
):
    ticket, _request = approved(desk, reception, clerk, staff)
    sign_in(client, supervisor)
    url = reverse("counter:cashier_ticket", args=[ticket.pk])
    assert client.post(url, {"payment_kind": "cash"}).status_code == 403
    counts = {f"yen_{value}": "0" for value in (10000, 5000, 2000, 1000, 500, 100, 50, 10, 5, 1)}
    response = client.post(f"{reverse('counter:day_close')}?day={DAY}", {**counts, "reason": ""})
    assert response.status_code == 302 and DayClose.objects.get().closed_by_id == supervisor.pk
