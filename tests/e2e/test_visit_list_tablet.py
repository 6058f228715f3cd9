"""On a tablet (Chromium at 1024×768): a visitor makes today's list for one town, gets it in
street order with touch-sized cards, and can open the A4 sheet."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from civicdesk.dunning.models import VisitList
from civicdesk.registry.addresses import parse_address
from tests.dunning.factories import CampaignFactory, WorkItemFactory
from tests.e2e.conftest import open_around_the_clock
from tests.e2e.test_visit_result_tablet import MIN_TOUCH_PX, sign_in
from tests.registry.factories import AccountFactory, InstallmentFactory, ObligorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Out of street order on purpose; 東陽 4-10 after 4-9 (numbers, not text); 南砂 is not asked for.
PEOPLE = [
    ("東陽 十号", "東京都江東区東陽四丁目10番1号", ""),
    ("東陽 二〇一", "東京都江東区東陽四丁目9番2号", "東陽ハイツ201"),
    ("南砂 一郎", "東京都江東区南砂二丁目1番1号", ""),
    ("東陽 一〇一", "東京都江東区東陽四丁目9番2号", "東陽ハイツ101"),
    ("東陽 二丁目", "東京都江東区東陽二丁目3番4号", ""),
]
STREET_ORDER = ["東陽 二丁目", "東陽 一〇一", "東陽 二〇一", "東陽 十号"]


@pytest.fixture
def visits_open_around_the_clock(municipality):
    open_around_the_clock(municipality, "visits")


@pytest.fixture
def campaign(municipality, visitor, visits_open_around_the_clock):
    today = timezone.localdate()
    campaign = CampaignFactory(
        municipality=municipality,
        name="国保 訪問催告",
        channel="visit",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=30),
        script="国民健康保険料の納付のご案内です。",
    )
    campaign.teams.add(visitor.team)
    for name, address, extra in PEOPLE:
        town, chome, block = parse_address(address)  # as the importer stores them
        obligor = ObligorFactory(
            municipality=municipality,
            name=name,
            address=address,
            address_extra=extra,
            town=town,
            chome=chome,
            block=block,
        )
        account = AccountFactory(obligor=obligor, revenue_type="nhi")
        InstallmentFactory(account=account, assessed=9_000, due_date=dt.date(2025, 4, 30))
        item = WorkItemFactory(campaign=campaign, obligor=obligor)
        item.accounts.set([account])
    return campaign


def test_a_visitor_makes_todays_list_for_one_town_in_street_order(
    page, visitor, campaign, artifacts
):
    sign_in(page, visitor)
    page.goto(reverse("dunning:visit_list_new"))
    page.get_by_label("訪問計画", exact=True).select_option(str(campaign.pk))
    page.get_by_role("button", name="地区を表示").click()
    town = page.get_by_label("東陽 全域", exact=False)
    assert town.bounding_box()["height"] >= MIN_TOUCH_PX / 2  # the label row is the target
    town.check()
    page.get_by_label("件数").fill("10")
    page.screenshot(path=artifacts / "visit-list-new-1024x768.png", full_page=True)
    page.get_by_role("button", name="この内容で作成").click()

    expect(page.get_by_role("heading", name="訪問リスト")).to_be_visible()
    cards = page.get_by_test_id("visit-stop")
    expect(cards).to_have_count(len(STREET_ORDER))
    for index, name in enumerate(STREET_ORDER):
        expect(cards.nth(index)).to_contain_text(name)
        assert cards.nth(index).bounding_box()["height"] >= MIN_TOUCH_PX
    page.screenshot(path=artifacts / "visit-list-1024x768.png", full_page=True)

    visit_list = VisitList.objects.get(visitor=visitor)
    sheet = page.request.get(reverse("dunning:visit_list_sheet", args=[visit_list.pk]))
    assert sheet.status == 200
    assert sheet.headers["content-type"] == "application/pdf"
    assert sheet.body().startswith(b"%PDF")
