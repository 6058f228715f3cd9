"""In a real browser at 1366×768: an operator opens a held case and records the result with the
keyboard alone (Tab, Space, arrow keys, typing, Enter); the contact is saved and shows in the
history. The page is read back only through what the browser shows and the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from civicdesk.core import calendar
from civicdesk.core.services import setup_demo_calendars
from civicdesk.dunning.models import Contact, Promise
from tests.conftest import current_token
from tests.dunning.factories import CampaignFactory, WorkItemFactory
from tests.e2e.test_sign_in import fill_password_step
from tests.registry.factories import (
    AccountFactory,
    InstallmentFactory,
    ObligorFactory,
    PhoneFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 60


@pytest.fixture
def wide_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 768}, locale="ja-JP"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def held_case(municipality, operator):
    setup_demo_calendars(acting_user=None, municipality=municipality)
    obligor = ObligorFactory(municipality=municipality, name="江東 一郎")
    account = AccountFactory(obligor=obligor, revenue_type="nhi", case_no="N-1234")
    InstallmentFactory(account=account, period="1", assessed=12_000, due_date=dt.date(2025, 4, 30))
    PhoneFactory(obligor=obligor, display="090-1234-5678")
    campaign = CampaignFactory(
        municipality=municipality,
        starts_on=timezone.localdate() - dt.timedelta(days=1),
        ends_on=timezone.localdate() + dt.timedelta(days=30),
        script="江東区役所 国保納付案内センターの○○です。",
    )
    item = WorkItemFactory(
        campaign=campaign,
        obligor=obligor,
        lease_owner=operator,
        lease_expires_at=timezone.now() + dt.timedelta(minutes=30),
    )
    item.accounts.set([account])
    return item


def next_open_day(municipality) -> dt.date:
    today = timezone.localdate()
    days = calendar.open_days(
        "calls",
        today + dt.timedelta(days=1),
        today + dt.timedelta(days=20),
        municipality=municipality,
    )
    return days[0]


def focused(page) -> dict:
    return page.evaluate(
        "() => ({name: document.activeElement.name || '', value: document.activeElement.value,"
        " id: document.activeElement.id || ''})"
    )


def tab_to(page, name: str) -> None:
    """Press Tab until the field named ``name`` has the focus (keyboard only; reading is free)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if focused(page)["name"] == name:
            return
    raise AssertionError(f"Tab never reached the field {name!r}")


def date_typing_order(page) -> str:
    """The strftime order in which this Chromium's date field takes digits.

    Its segments follow the browser's UI language (not the page's locale): month/day/year in
    an English build, year/month/day in a Japanese one. Probed on a scratch page.
    """
    scratch = page.context.new_page()
    try:
        scratch.set_content('<input type="date" id="probe">')
        scratch.focus("#probe")
        scratch.keyboard.type("11252026")
        return "%m%d%Y" if scratch.input_value("#probe") == "2026-11-25" else "%Y%m%d"
    finally:
        scratch.close()


def sign_in(page, user) -> None:
    device = TOTPDevice.objects.create(user=user, name="テスト", confirmed=True)
    fill_password_step(page, user)
    page.get_by_label("確認コード（6 桁）").fill(current_token(device))
    page.get_by_role("button", name="ログイン").click()


def test_operator_records_a_promise_with_the_keyboard_alone(
    wide_page, operator, municipality, held_case, artifacts
):
    page = wide_page
    page.route("**/dunning/**", lambda route: route.continue_())
    promised_on = next_open_day(municipality)
    order = date_typing_order(page)
    sign_in(page, operator)
    case_url = reverse("dunning:case", args=[held_case.obligor_id])
    page.goto(case_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("江東 一郎")
    expect(page.get_by_text("江東区役所 国保納付案内センターの○○です。")).to_be_visible()
    tel = page.get_by_role("link", name="090-1234-5678")
    assert tel.get_attribute("href") == "tel:+819012345678"
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll(
                'form input:not([type=hidden]), form select, form textarea')]
              .filter(el => !(el.labels && el.labels.length)).map(el => el.name)"""
    )
    assert unlabeled == []
    # Person on the left, the result form on the right, nothing sideways at 1366 px.
    person = page.get_by_role("heading", name="本人").bounding_box()
    form = page.get_by_role("heading", name="結果入力").bounding_box()
    assert form["x"] > person["x"] + 300 and form["y"] < 400  # beside it, near the top
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1366

    # The first party radio has the focus on arrival; arrow keys move within the group.
    assert focused(page)["name"] == "party"
    page.keyboard.press("ArrowRight")  # 家族 (moving also selects, as radio groups do)
    page.keyboard.press("ArrowLeft")  # back to 本人
    assert page.locator("input[name=party]:checked").get_attribute("value") == "self"

    page.keyboard.press("Tab")  # into the outcome group: its first radio, 納付約束
    assert focused(page)["name"] == "outcome"
    page.keyboard.press("Space")
    assert page.locator("input[name=outcome]:checked").get_attribute("value") == "promise"

    tab_to(page, "revenue_types")
    assert page.locator("input[name=revenue_types]").is_checked()  # checked by default
    tab_to(page, "promise_amount_1")
    assert focused(page)["value"] == "12000"  # the total unpaid
    page.keyboard.press("Control+A")
    page.keyboard.type("10000")
    tab_to(page, "promise_date_1")
    page.keyboard.type(promised_on.strftime(order))
    assert page.locator("[name=promise_date_1]").input_value() == promised_on.isoformat()

    tab_to(page, "note")
    page.keyboard.type("給料日に払うとのこと")
    tab_to(page, "hot_voice")
    page.keyboard.press("Space")
    tab_to(page, "new_phone")
    page.keyboard.type("03-5555-6666")
    page.screenshot(path=artifacts / "case-result-filled-1366x768.png", full_page=True)
    page.keyboard.press("Enter")  # Enter submits (the first button: 保存)

    expect(page.locator(".messages")).to_contain_text("折衝記録を登録しました")
    contact = Contact.objects.get(obligor_id=held_case.obligor_id)
    assert (contact.party, contact.outcome, contact.hot_voice) == ("self", "promise", True)
    assert contact.note == "給料日に払うとのこと"
    promise = Promise.objects.get(contact=contact)
    assert (promise.amount, promise.promised_on) == (10_000, promised_on)
    assert contact.obligor.phones.filter(number="+81355556666", source="collected").exists()
    held_case.refresh_from_db()
    assert held_case.lease_owner is None

    page.goto(case_url)
    history = page.get_by_test_id("case-history")
    expect(history).to_contain_text("給料日に払うとのこと")
    expect(history).to_contain_text("納付約束")
    expect(history).to_contain_text("ホットボイス")
    page.screenshot(path=artifacts / "case-history-1366x768.png", full_page=True)


def test_errors_are_summarised_at_the_top_and_get_the_focus(wide_page, operator, held_case):
    page = wide_page
    page.route("**/dunning/**", lambda route: route.continue_())
    sign_in(page, operator)
    page.goto(reverse("dunning:case", args=[held_case.obligor_id]))
    page.keyboard.press("4")  # key 4: 不通 (the page's small script; accesskey Alt+4 too)
    assert page.locator("input[name=party]:checked").get_attribute("value") == "none"
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # 納付約束: impossible when nobody answered
    tab_to(page, "new_phone")
    page.keyboard.press("Enter")

    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("相手が不通のときは")
    # The page's script moves the focus once the summary is laid out: wait for it (a rule that
    # fails if the focus never arrives), not for the next frame.
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'error-summary'",
        timeout=5_000,
    )
    assert focused(page)["id"] == "error-summary"
    assert not Contact.objects.exists()
