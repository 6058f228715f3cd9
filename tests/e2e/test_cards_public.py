"""In Chromium at 375×812 (a phone): a resident signs in to the public reservation site with
the 予約管理番号 and birth date (the page's script solves the ALTCHA challenge), books, sees a
slot taken by someone else meanwhile refused as full, changes and cancels; no page shows the
resident's name or address, and no page is wider than the screen.

The pages are mounted at /yoyaku/ beside the staff site here (the single-host install); the
public host serves the same views through civicdesk.public_settings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import include, path
from django.utils import timezone

from civicdesk import urls as staff_urls
from civicdesk.cards.choices import ReservationStatus
from civicdesk.cards.models import Reservation, Slot
from civicdesk.cards.services.venues import setup_venues
from civicdesk.core.calendar import TOKYO
from civicdesk.core.services import setup_demo_calendars
from tests.cards.factories import CardTargetFactory, SlotFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

urlpatterns = [
    path("yoyaku/", include("civicdesk.cards.public.urls")),
    *staff_urls.urlpatterns,
]

NAME, KANA = "砂町 一郎", "スナマチ イチロウ"
ADDRESS = "東京都江東区東陽4丁目21番3号"
PERSONAL = [NAME, "砂町", "一郎", KANA, "スナマチ", "東陽4丁目21番3号", "21番3号"]
BIRTH = dt.date(1988, 2, 29)
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def phone(browser, live_server, settings):
    settings.ROOT_URLCONF = __name__
    settings.CARDS_PUBLIC_ALTCHA_MAX_NUMBER = 20_000
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, locale="ja-JP", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    # The pages and their script run under the site's CSP (no inline script or style).
    assert not refused, refused


@pytest.fixture
def world(municipality):
    setup_demo_calendars(acting_user=None, municipality=municipality)
    venues = {
        venue.code: venue for venue in setup_venues(acting_user=None, municipality=municipality)
    }
    honchosha = venues["honchosha"]
    target = CardTargetFactory(
        municipality=municipality,
        reservation_no="K000004321",
        name=NAME,
        kana=KANA,
        birth_date=BIRTH,
        town="東陽",
        chome=4,
        address=ADDRESS,
    )
    day = timezone.now().astimezone(TOKYO).date() + dt.timedelta(days=6)
    slots = {
        "first": SlotFactory(venue=honchosha, day=day, hhmm="10:00"),
        "taken_meanwhile": SlotFactory(venue=honchosha, day=day, hhmm="10:30", capacity_web=1),
        "full": SlotFactory(venue=honchosha, day=day, hhmm="11:00", capacity_web=1, booked_web=1),
        "later": SlotFactory(venue=honchosha, day=day + dt.timedelta(days=1), hhmm="14:00"),
    }
    return target, slots


def no_personal_text_and_fits(page) -> None:
    html = page.content()
    for fact in PERSONAL:
        assert fact not in html, (page.url, fact)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (page.url, width)


def pick(page, slot) -> None:
    page.locator(f"label[for=slot-{slot.pk}]").click()


def test_sign_in_book_refused_full_change_cancel_at_375px(phone, world, artifacts):
    target, slots = world
    page = phone
    page.goto("/yoyaku/")
    no_personal_text_and_fits(page)
    page.get_by_label("予約管理番号").fill("k000004321")
    page.locator("select[name=birth_year]").select_option(str(BIRTH.year))
    page.locator("select[name=birth_month]").select_option(str(BIRTH.month))
    page.locator("select[name=birth_day]").select_option(str(BIRTH.day))
    page.get_by_role("button", name="確認して進む").click()
    page.wait_for_url("**/yoyaku/menu/")
    assert "予約はまだありません" in page.content()
    assert "江東区役所２階" in page.content()
    no_personal_text_and_fits(page)
    page.screenshot(path=artifacts / "yoyaku-menu-375.png", full_page=True)

    page.get_by_role("link", name="日時を選んで予約する").click()
    page.wait_for_url("**/yoyaku/slots/")
    assert page.locator(f"#slot-{slots['full'].pk}").is_disabled()
    assert "満席" in page.locator(f"label[for=slot-{slots['full'].pk}]").inner_text()
    no_personal_text_and_fits(page)
    page.screenshot(path=artifacts / "yoyaku-slots-375.png", full_page=True)

    # Someone else takes the last web seat while this page is open: refused as full.
    pick(page, slots["taken_meanwhile"])
    Slot.objects.filter(pk=slots["taken_meanwhile"].pk).update(booked_web=1)
    page.get_by_role("button", name="この日時で予約する").click()
    assert "この枠は満席です" in page.locator(".yoyaku-error").first.inner_text()
    assert not Reservation.objects.filter(target=target).exists()
    no_personal_text_and_fits(page)

    pick(page, slots["first"])
    page.get_by_label("メールアドレス（任意）").fill("ichiro@example.jp")
    page.get_by_role("button", name="この日時で予約する").click()
    page.wait_for_url("**/yoyaku/menu/")
    assert "予約しました" in page.content() and "10:00〜10:30" in page.content()
    no_personal_text_and_fits(page)

    page.get_by_role("link", name="日時を変更する").click()
    pick(page, slots["later"])
    page.get_by_role("button", name="この日時に変更する").click()
    page.wait_for_url("**/yoyaku/menu/")
    assert "予約を変更しました" in page.content() and "14:00〜14:30" in page.content()
    no_personal_text_and_fits(page)
    reservation = Reservation.objects.get(target=target, status=ReservationStatus.BOOKED)
    assert reservation.slot_id == slots["later"].pk

    page.get_by_role("link", name="予約を取り消す").click()
    no_personal_text_and_fits(page)
    page.get_by_role("button", name="予約を取り消す").click()
    page.wait_for_url("**/yoyaku/menu/")
    assert "予約を取り消しました" in page.content()
    no_personal_text_and_fits(page)
    assert Reservation.objects.get(target=target).status == ReservationStatus.CANCELLED
    assert Slot.objects.get(pk=slots["later"].pk).booked_web == 0

    page.get_by_role("button", name="サインアウト").click()
    page.wait_for_url("**/yoyaku/")
    assert "サインアウトしました" in page.content()


def test_a_wrong_birth_date_is_refused_in_the_browser(phone, world):
    page = phone
    page.goto("/yoyaku/")
    page.get_by_label("予約管理番号").fill("K000004321")
    page.locator("select[name=birth_year]").select_option("1988")
    page.locator("select[name=birth_month]").select_option("3")
    page.locator("select[name=birth_day]").select_option("1")
    page.get_by_role("button", name="確認して進む").click()
    page.wait_for_selector(".yoyaku-error")
    assert "予約管理番号または生年月日が違います" in page.content()
    assert page.url.endswith("/yoyaku/")
    no_personal_text_and_fits(page)
