"""Issue 4's "done when", in real browsers: a supervisor builds a campaign on its page, two
operators of one team press 「次の案件」 side by side and never get the same person, and a
result shows in the person's history and in the contacts export."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicdesk.dunning.models import Campaign, Contact, WorkItem
from civicdesk.receivables.exporters.contacts import export_contacts
from tests.conftest import current_token, put_on_roster
from tests.e2e.conftest import open_around_the_clock
from tests.e2e.test_sign_in import fill_password_step
from tests.factories import UserFactory
from tests.registry.factories import (
    AccountFactory,
    InstallmentFactory,
    ObligorFactory,
    PhoneFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = 4


@pytest.fixture
def calls_open_around_the_clock(municipality):
    open_around_the_clock(municipality, "calls")


@pytest.fixture
def arrears(municipality):
    people = []
    for n in range(PEOPLE):
        obligor = ObligorFactory(municipality=municipality, name=f"江東 {n}郎")
        account = AccountFactory(obligor=obligor, revenue_type="nhi")
        InstallmentFactory(account=account, assessed=10_000 + n, due_date=dt.date(2025, 4, 30))
        PhoneFactory(obligor=obligor, display=f"090-1234-56{n:02d}")
        people.append(obligor)
    return people


def sign_in(page, user) -> None:
    device = TOTPDevice.objects.get_or_create(user=user, name="テスト", confirmed=True)[0]
    fill_password_step(page, user)
    page.get_by_label("確認コード（6 桁）").fill(current_token(device))
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/")


def new_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 768}, locale="ja-JP"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def test_supervisor_plans_and_two_operators_never_share_a_case(
    browser,
    live_server,
    municipality,
    nhi_team,
    operator,
    supervisor,
    calls_open_around_the_clock,
    arrears,
    artifacts,
):
    second = UserFactory(
        username="operator2", role="operator", municipality=municipality, team=nhi_team
    )
    put_on_roster(second)  # the center's people sign in only while on this month's roster
    today = timezone.localdate()

    boss = new_page(browser, live_server)
    sign_in(boss, supervisor)
    boss.goto("/dunning/campaigns/new/")
    boss.get_by_label("計画名").fill("国保 現年度 架電")
    boss.locator("input[name=starts_on]").fill(today.isoformat())
    boss.locator("input[name=ends_on]").fill((today + dt.timedelta(days=30)).isoformat())
    boss.locator("input[name=revenue_types][value=nhi]").check()
    boss.locator(f"input[name=teams][value='{nhi_team.pk}']").check()
    boss.get_by_role("button", name="件数を確認").click()
    assert boss.get_by_test_id("preview-obligors").inner_text().startswith(str(PEOPLE))
    assert not Campaign.objects.exists()  # the preview saves nothing
    boss.get_by_role("button", name="保存して対象を抽出").click()
    boss.wait_for_url("**/dunning/campaigns/*/")
    boss.screenshot(path=artifacts / "campaign-detail-1366x768.png", full_page=True)
    assert WorkItem.objects.filter(campaign__name="国保 現年度 架電").count() == PEOPLE

    pages = {}
    for user in (operator, second):
        pages[user.username] = new_page(browser, live_server)
        sign_in(pages[user.username], user)
        pages[user.username].goto("/dunning/work/")
    seen: dict[str, list[str]] = {name: [] for name in pages}
    for _ in range(PEOPLE // 2):
        for name, page in pages.items():  # side by side: each holds a case while the other claims
            page.goto("/dunning/work/")
            page.get_by_role("button", name="次の案件").click()
            page.wait_for_url("**/dunning/cases/*/")
            seen[name].append(page.url)
        for name, page in pages.items():
            page.locator("input[name=party][value=self]").check()
            page.locator("input[name=outcome][value=will_pay]").check()
            page.locator("textarea[name=note]").fill(f"{name}: 月末に支払うとのこと")
            page.get_by_role("button", name="保存", exact=True).click()
            page.wait_for_url("**/dunning/work/")
    every_case = seen["operator1"] + seen["operator2"]
    assert len(set(every_case)) == PEOPLE  # nobody was given a case the other had

    history = pages["operator1"]
    history.goto(seen["operator1"][0])
    assert "operator1: 月末に支払うとのこと" in history.content()
    assert history.title().startswith("案件 ")  # plain text: no script in the title
    assert Contact.objects.count() == PEOPLE

    staff = UserFactory(username="staff9", role="staff", municipality=municipality)
    result = export_contacts(
        acting_user=staff,
        start=today,
        end=today,
        reason="国保システムへの経過記録連携",
        out=artifacts / f"contacts-{timezone.now():%Y%m%d%H%M%S%f}.csv",
    )
    assert result.count == PEOPLE
    result.path.unlink()
