"""In a real browser: sign in with password and TOTP, see the role's home page, sign out."""

from base64 import b32decode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD, current_token

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_password_step(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("ユーザーID").fill(user.username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="次へ").click()


def test_sign_in_with_totp_see_home_and_sign_out(page, operator, artifacts):
    device = TOTPDevice.objects.create(user=operator, name="テスト", confirmed=True)
    fill_password_step(page, operator)
    page.get_by_label("確認コード（6 桁）").fill(current_token(device))
    page.get_by_role("button", name="ログイン").click()

    heading = page.get_by_role("heading", level=1)
    assert "ホーム" in heading.inner_text()
    assert page.locator(".shell-role").inner_text() == "オペレータ"
    assert page.locator("html").get_attribute("lang") == "ja"
    band = page.evaluate("() => getComputedStyle(document.querySelector('header')).backgroundColor")
    assert band == "rgb(11, 61, 110)", "the stylesheet was not served"
    nav = page.get_by_role("navigation", name="メインメニュー")
    assert nav.get_by_role("link", name="業務カレンダー").is_visible()
    assert nav.get_by_role("link", name="アクセスログ").count() == 0
    page.screenshot(path=artifacts / "home-operator-1024x768.png", full_page=True)

    page.get_by_role("button", name="ログアウト").click()
    assert page.get_by_role("heading", level=1).inner_text() == "ログイン"
    assert "ログアウトしました" in page.locator(".messages").inner_text()


def test_first_sign_in_enrols_from_the_page_secret(page, inspector, artifacts):
    fill_password_step(page, inspector)
    assert page.locator(".qr svg").is_visible()
    page.screenshot(path=artifacts / "enrol-1024x768.png", full_page=True)
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("確認コード（6 桁）").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="登録してログイン").click()
    assert "監督員" in page.get_by_role("heading", level=1).inner_text()
    assert (
        page.get_by_role("navigation", name="メインメニュー")
        .get_by_role("link", name="個人情報管理")
        .is_visible()
    )


def test_every_input_has_a_label_and_focus_is_visible(page, db):
    page.goto("/accounts/login/")
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
              .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
              .map(el => el.name)"""
    )
    assert unlabeled == []
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")


def test_tablet_width_keeps_navigation_and_sign_out_reachable(browser, live_server, operator):
    device = TOTPDevice.objects.create(user=operator, name="テスト", confirmed=True)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 768, "height": 1024})
    page = context.new_page()
    fill_password_step(page, operator)
    page.get_by_label("確認コード（6 桁）").fill(current_token(device))
    page.get_by_role("button", name="ログイン").click()
    assert page.get_by_role("button", name="ログアウト").is_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 768, "the page scrolls sideways at tablet width"
    context.close()
