"""On a tablet (Chromium at 1024×768): a visitor records 不在 at one stop with touch-sized cards;
at the next stop the connection is down: the result waits on the tablet, the banner says so,
nothing reaches the database; when the connection is back it is sent by itself, once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from civicdesk.core.services import setup_demo_calendars
from civicdesk.dunning.choices import ContactOutcome
from civicdesk.dunning.models import Contact, LeftNoticeTemplate, VisitRecord
from tests.conftest import current_token
from tests.dunning.factories import CampaignFactory, VisitListFactory, VisitStopFactory
from tests.e2e.test_sign_in import fill_password_step
from tests.registry.factories import AccountFactory, InstallmentFactory, ObligorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MIN_TOUCH_PX = 44
UNSENT = "未送信の結果が 1 件あります。接続が戻ると自動で再送します。"


@pytest.fixture
def stops(municipality, visitor):
    setup_demo_calendars(acting_user=None, municipality=municipality)
    LeftNoticeTemplate.objects.create(municipality=municipality, name="不在票", order=1)
    LeftNoticeTemplate.objects.create(
        municipality=municipality, name="納付案内パンフレット", order=2
    )
    campaign = CampaignFactory(
        municipality=municipality, channel="visit", script="国民健康保険料の納付のご案内です。"
    )
    visit_list = VisitListFactory(municipality=municipality, visitor=visitor, campaign=campaign)
    made = []
    for position, name in enumerate(["訪問 一郎", "訪問 二郎"], 1):
        obligor = ObligorFactory(municipality=municipality, name=name)
        account = AccountFactory(obligor=obligor, revenue_type="nhi")
        InstallmentFactory(account=account, assessed=8_000, due_date=dt.date(2025, 4, 30))
        stop = VisitStopFactory(
            visit_list=visit_list, work_item__obligor=obligor, position=position
        )
        stop.work_item.accounts.set([account])
        made.append(stop)
    return made


def sign_in(page, user) -> None:
    device = TOTPDevice.objects.create(user=user, name="テスト", confirmed=True)
    fill_password_step(page, user)
    page.get_by_label("確認コード（6 桁）").fill(current_token(device))
    page.get_by_role("button", name="ログイン").click()


def contacts_of(stop):
    return Contact.objects.filter(obligor_id=stop.work_item.obligor_id)


def test_absent_online_then_offline_result_is_kept_and_sent_once_when_back(
    page, visitor, stops, artifacts
):
    first, second = stops
    sign_in(page, visitor)

    # 1. Online: 不在, 不在票, 保存 → back on the list.
    page.goto(reverse("dunning:visit_stop", args=[first.pk]))
    expect(page.get_by_test_id("visit-name")).to_contain_text("訪問 一郎")
    for value in ("met_self", "met_family", "met_other", "absent", "not_residing"):
        box = page.get_by_test_id(f"result-{value}").bounding_box()
        assert box["height"] >= MIN_TOUCH_PX, (value, box)
    # With JS only the chosen result's fields show.
    expect(page.get_by_role("heading", name="不在のとき")).to_be_hidden()
    page.get_by_test_id("result-met_self").click()
    expect(page.get_by_role("heading", name="面会したとき")).to_be_visible()
    page.screenshot(path=artifacts / "visit-result-met-1024x768.png", full_page=True)
    page.get_by_test_id("result-absent").click()
    expect(page.get_by_role("heading", name="不在のとき")).to_be_visible()
    expect(page.get_by_role("heading", name="面会したとき")).to_be_hidden()
    notice = page.get_by_test_id("notice-不在票")
    assert notice.bounding_box()["height"] >= MIN_TOUCH_PX
    notice.click()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1024
    page.screenshot(path=artifacts / "visit-result-absent-1024x768.png", full_page=True)
    page.get_by_role("button", name="保存").click()

    page.wait_for_url(f"**{reverse('dunning:visit_list', args=[first.visit_list_id])}")
    expect(page.locator(".messages")).to_contain_text("訪問先 1 番の結果を登録しました")
    contact = contacts_of(first).get()
    assert contact.outcome == ContactOutcome.ABSENT
    assert [n.name for n in VisitRecord.objects.get(contact=contact).left_notices.all()] == [
        "不在票"
    ]

    # 2. Offline at the next stop: kept on the tablet, the banner says so, nothing saved.
    page.goto(reverse("dunning:visit_stop", args=[second.pk]))
    page.context.set_offline(True)
    page.get_by_test_id("result-absent").click()
    page.get_by_test_id("notice-納付案内パンフレット").click()
    page.get_by_label("メモ（申し出があった事項など）").fill("郵便受けに差し置き")
    page.get_by_role("button", name="保存").click()

    banner = page.get_by_test_id("visit-offline-banner")
    expect(banner).to_have_text(UNSENT)
    expect(page.get_by_test_id("visit-status")).to_contain_text("未送信")
    page.screenshot(path=artifacts / "visit-result-offline-1024x768.png", full_page=True)
    kept = page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('civicdesk:visit-unsent:'))"
    )
    assert len(kept) == 1
    assert not contacts_of(second).exists()

    # 3. Back online: sent by itself within seconds, once; the tablet keeps nothing.
    page.context.set_offline(False)
    expect(banner).to_be_hidden(timeout=20_000)
    expect(page.get_by_test_id("visit-status")).to_contain_text("送信しました")
    saved = contacts_of(second).get()
    assert saved.outcome == ContactOutcome.ABSENT
    assert saved.note == "郵便受けに差し置き"
    assert VisitRecord.objects.filter(contact__obligor_id=second.work_item.obligor_id).count() == 1
    assert page.evaluate("() => Object.keys(localStorage).length") == 0

    # Another retry tick or a reload sends nothing more.
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.goto(reverse("dunning:visit_stop", args=[second.pk]))
    expect(page.get_by_test_id("visit-done")).to_be_visible()
    assert contacts_of(second).count() == 1


def test_a_kept_result_the_server_refuses_is_shown_with_a_link_and_its_fields_dropped(
    page, visitor, stops
):
    stop = stops[0]
    sign_in(page, visitor)
    stop_url = reverse("dunning:visit_stop", args=[stop.pk])
    page.goto(stop_url)
    page.context.set_offline(True)
    page.get_by_test_id("result-absent").click()
    page.get_by_test_id("notice-不在票").click()
    page.get_by_label("メモ（申し出があった事項など）").fill("個人的なメモ")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("visit-offline-banner")).to_have_text(UNSENT)

    # Meanwhile the day ended: the lease is gone, the server answers 400 to the resend.
    type(stop.work_item).objects.filter(pk=stop.work_item_id).update(
        lease_owner=None, lease_expires_at=None
    )
    page.context.set_offline(False)

    banner = page.get_by_test_id("visit-offline-banner")
    expect(banner).to_contain_text("送信できませんでした", timeout=20_000)
    expect(banner.get_by_role("link")).to_have_attribute("href", stop_url)
    kept = page.evaluate("() => Object.values(localStorage).join('')")
    assert "個人的なメモ" not in kept and "fields" not in kept
    assert not contacts_of(stop).exists()
    banner.get_by_role("button", name="閉じる").click()
    expect(banner).to_be_hidden()
    assert page.evaluate("() => localStorage.length") == 0
