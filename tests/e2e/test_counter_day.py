"""A day at the counters in Chromium: reception issues a ticket, a clerk calls it with the
keyboard and the waiting-room display shows it within 3 s; three recalls and the number is
不在; a certificate goes through the clerk's intake, the staff review, the cashier's fee and
receipt; the cashier closes the day and staff confirm it. Read back through what the browsers
show and the database."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from civicdesk.counter.models import (
    Counter,
    DayClose,
    FeeEntry,
    Queue,
    Request,
    Ticket,
    TicketEvent,
)
from civicdesk.counter.services import tickets
from civicdesk.counter.services.catalogue import set_up_counters
from civicdesk.counter.services.displays import register_display
from tests.e2e.conftest import open_around_the_clock
from tests.e2e.test_operator_result_flow import sign_in
from tests.pdf import pdftotext

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DISPLAY_BUDGET_S = 3.0


@pytest.fixture
def floor(municipality, staff):
    """The demo's counters, open around the clock (the live server keeps the real clock)."""
    open_around_the_clock(municipality, "counter")
    set_up_counters(acting_user=staff, municipality=municipality)
    return municipality


def _context_page(browser, live_server, width=1366, height=768):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": height}, locale="ja-JP"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def press(page, key: str) -> None:
    """A desk key, once the page's script is listening (it loads deferred)."""
    page.wait_for_load_state("load")
    page.keyboard.press(key)


def _at_window(page, user, window="1番窓口"):
    sign_in(page, user)
    page.goto("/counter/desk/")
    page.get_by_label(window).check()
    page.get_by_role("button", name="この窓口で受け付ける").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(window)


def test_a_called_number_reaches_the_display_and_three_recalls_make_it_a_no_show(
    browser, live_server, floor, reception, clerk, supervisor, artifacts
):
    _device, key = register_display(
        acting_user=supervisor, municipality=floor, name="待合", kind="waiting_room"
    )
    display = _context_page(browser, live_server, 1920, 1080)
    display.goto(f"/counter/display/{key}/")
    expect(display.locator("[data-latest-slot]")).to_contain_text("お呼び出しまでお待ちください")

    desk = _context_page(browser, live_server)
    sign_in(desk, reception)
    desk.goto("/counter/reception/")
    desk.get_by_test_id("procedure-juminhyo").click()
    expect(desk.get_by_test_id("ticket")).to_contain_text("A-001")

    clerk_page = _context_page(browser, live_server)
    _at_window(clerk_page, clerk)
    press(clerk_page, "n")
    started = time.monotonic()
    expect(clerk_page.get_by_test_id("current-number")).to_have_text("A-001")
    display.wait_for_function(
        "() => document.querySelector('[data-latest-slot]').textContent.includes('A-001')",
        timeout=DISPLAY_BUDGET_S * 1000,
    )
    assert time.monotonic() - started < DISPLAY_BUDGET_S
    number = display.locator(".display-latest-number")
    # Large enough to read across a waiting room: at least a tenth of the screen's height.
    assert number.bounding_box()["height"] >= 108
    display.screenshot(path=str(artifacts / "counter-display.png"))

    for calls in (2, 3, 4):
        press(clerk_page, "r")
        expect(clerk_page.get_by_test_id("desk-current")).to_contain_text(f"呼出 {calls} 回")
    press(clerk_page, "r")
    expect(clerk_page.get_by_test_id("desk-current")).to_contain_text(
        "呼び出している番号はありません"
    )
    ticket = Ticket.objects.get()
    assert ticket.status == "no_show"
    assert list(ticket.events.values_list("kind", flat=True)).count("recalled") == 3


def test_a_certificate_is_reviewed_paid_at_the_cashier_and_the_day_closed(
    browser, live_server, floor, reception, clerk, staff, cashier, artifacts
):
    queue = Queue.objects.get(municipality=floor, code="A")
    tickets.issue_ticket(
        acting_user=reception, queue=queue, procedure=queue.procedures.get(code="juminhyo")
    )
    clerk_page = _context_page(browser, live_server)
    _at_window(clerk_page, clerk)
    press(clerk_page, "n")
    expect(clerk_page.get_by_test_id("current-number")).to_have_text("A-001")
    press(clerk_page, "Enter")
    expect(clerk_page.get_by_test_id("desk-current")).to_contain_text("対応中")
    clerk_page.get_by_test_id("open-request").click()
    form = clerk_page.get_by_test_id("request-form")
    form.get_by_label("本人", exact=True).check()
    for box in form.locator("input[name=checks]").all():
        box.check()
    form.get_by_label("請求者・届出者の氏名").fill("窓口 花子")
    form.get_by_role("button", name="受け付ける").click()
    clerk_page.get_by_test_id("submit-review").click()
    request = Request.objects.get()
    assert request.status == "review" and request.requester_name == "窓口 花子"

    staff_page = _context_page(browser, live_server)
    sign_in(staff_page, staff)
    staff_page.goto(f"/counter/requests/{request.pk}/review/")
    review = staff_page.get_by_test_id("review-form")
    review.get_by_label("承認").check()
    review.get_by_role("button", name="決定する").click()
    expect(staff_page.get_by_text("承認")).not_to_have_count(0)

    cash_page = _context_page(browser, live_server)
    _at_window(cash_page, cashier, window="会計")
    press(cash_page, "n")
    expect(cash_page.get_by_test_id("current-number")).to_have_text("A-001")
    cash_page.get_by_test_id("work-fee-form").click()
    expect(cash_page.get_by_test_id("cashier-total")).to_contain_text("300")
    cash_page.get_by_test_id("cashier-form").get_by_label("現金").check()
    cash_page.get_by_role("button", name="収納して交付・完了").click()
    receipt_url = cash_page.get_by_test_id("print-receipts").get_attribute("href")
    receipt = cash_page.request.get(receipt_url)  # the same session as the page
    assert receipt.headers["content-type"] == "application/pdf"
    text = pdftotext(receipt.body())
    assert "領収" in text and "300" in text and "窓口 花子" not in text
    entry = FeeEntry.objects.get()
    assert (entry.amount, entry.payment_kind) == (300, "cash")
    request.refresh_from_db()
    assert request.status == "issued"
    assert Ticket.objects.get().status == "done"

    cash_page.goto("/counter/day-close/")
    close_form = cash_page.get_by_test_id("day-close-form")
    close_form.get_by_label("100円", exact=True).fill("3")
    close_form.get_by_role("button", name="精算する").click()
    expect(cash_page.get_by_text("精算").first).to_be_visible()
    staff_page.goto("/counter/day-close/")
    staff_page.get_by_test_id("confirm-close").click()
    close = DayClose.objects.get()
    assert (close.counted_cash, close.difference) == (300, 0)
    assert close.confirmed_by_id == staff.pk
    cash_page.screenshot(path=str(artifacts / "counter-day-close.png"))
    assert TicketEvent.objects.filter(kind="approved").count() == 1
    assert Counter.objects.filter(kind="cashier").count() == 1
