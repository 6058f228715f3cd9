"""The work page (次の案件), giving a case back, and the 「効果なし」 list: roles and content."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from civicdesk.audit.models import AccessLogEntry
from civicdesk.dunning.choices import NoEffectReason, WorkItemStatus
from civicdesk.dunning.models import WorkItem
from tests.conftest import sign_in
from tests.dunning.factories import CampaignFactory, WorkItemFactory

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
OPEN_TIME = dt.datetime(2025, 6, 10, 10, 0, tzinfo=TOKYO)  # Tuesday morning
CLOSED_TIME = dt.datetime(2025, 6, 10, 18, 0, tzinfo=TOKYO)  # Tuesday evening


@pytest.fixture
def campaign(municipality, calendars):
    return CampaignFactory(municipality=municipality, name="国保 6月架電")


@pytest.fixture
def frozen():
    with time_machine.travel(OPEN_TIME, tick=False):
        yield


def case_url(obligor_id: int) -> str:
    return reverse("dunning:case", args=[obligor_id])


# --- Who may open what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("operator", 200),
        # Issue 5: visitors work from visit lists, not from 「次の案件」.
        ("visitor", 403),
        ("supervisor", 200),
        ("staff", 403),
        ("inspector", 403),
        ("admin", 403),
    ],
)
def test_work_page_roles(client, users_by_role, role, status, calendars):
    sign_in(client, users_by_role[role])
    assert client.get(reverse("dunning:work")).status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("operator", 403),
        ("visitor", 403),
        ("supervisor", 200),
        ("staff", 200),
        ("inspector", 403),
        ("admin", 403),
    ],
)
def test_no_effect_list_roles(client, users_by_role, role, status):
    sign_in(client, users_by_role[role])
    assert client.get(reverse("dunning:no_effect")).status_code == status


def test_outsider_operator_may_work_but_not_see_no_effect(client, outsider, calendars):
    sign_in(client, outsider)
    assert client.get(reverse("dunning:work")).status_code == 200
    assert client.get(reverse("dunning:no_effect")).status_code == 403


def test_visitors_get_403_on_every_work_page(client, visitor, campaign, frozen):
    item = WorkItemFactory(
        campaign=campaign, lease_owner=visitor, lease_expires_at=OPEN_TIME + dt.timedelta(hours=1)
    )
    sign_in(client, visitor)
    assert client.get(reverse("dunning:work")).status_code == 403
    assert client.post(reverse("dunning:work_next")).status_code == 403
    # Not even the items of their visit list are given back here.
    assert client.post(reverse("dunning:work_release", args=[item.pk])).status_code == 403
    item.refresh_from_db()
    assert item.lease_owner == visitor


@pytest.mark.parametrize("name", ["dunning:work", "dunning:work_next", "dunning:no_effect"])
def test_anonymous_visitors_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "login" in response.url


@pytest.mark.parametrize(("role", "status"), [("staff", 403), ("inspector", 403), ("admin", 403)])
def test_next_refuses_roles_without_case_work(client, users_by_role, role, status, campaign):
    WorkItemFactory(campaign=campaign)
    sign_in(client, users_by_role[role])
    assert client.post(reverse("dunning:work_next")).status_code == status
    assert not WorkItem.objects.filter(lease_owner__isnull=False).exists()


def test_next_is_post_only(client, operator, campaign):
    WorkItemFactory(campaign=campaign)
    sign_in(client, operator)
    assert client.get(reverse("dunning:work_next")).status_code == 405
    assert not WorkItem.objects.filter(lease_owner__isnull=False).exists()


# --- 次の案件 ---------------------------------------------------------------------------------


def test_next_leases_an_item_and_redirects_to_its_case_screen(client, operator, campaign, frozen):
    item = WorkItemFactory(campaign=campaign)
    expected = case_url(item.obligor_id)
    sign_in(client, operator)
    response = client.post(reverse("dunning:work_next"))
    assert response.status_code == 302
    assert response["Location"] == expected
    item.refresh_from_db()
    assert item.lease_owner == operator


def test_next_with_nothing_eligible_comes_back_with_a_message(client, operator, campaign, frozen):
    sign_in(client, operator)
    response = client.post(reverse("dunning:work_next"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("dunning:work")
    assert "現在対応できる案件はありません" in response.content.decode()


def test_work_page_has_the_keyboard_next_button_and_counts(client, operator, campaign, frozen):
    WorkItemFactory.create_batch(3, campaign=campaign)
    WorkItemFactory(campaign=campaign, revenue_types=["resident_tax"])  # not the nhi team's
    sign_in(client, operator)
    response = client.get(reverse("dunning:work"))
    html = response.content.decode()
    assert 'accesskey="n"' in html and "autofocus" in html and "次の案件" in html
    counts = response.context["page"].counts
    assert [(row.campaign.pk, row.eligible, row.open) for row in counts] == [(campaign.pk, 3, True)]
    assert "国保 6月架電" in html


def test_work_page_says_when_the_calendar_opens_again(client, operator, campaign):
    WorkItemFactory(campaign=campaign)
    sign_in(client, operator)
    with time_machine.travel(CLOSED_TIME, tick=False):
        html = client.get(reverse("dunning:work")).content.decode()
    assert "電話催告は業務時間外です（次の開始: 6月11日（水）8:30）" in html


def test_work_page_shows_the_current_lease_and_todays_callbacks(client, operator, campaign, frozen):
    leased = WorkItemFactory(campaign=campaign)
    sign_in(client, operator)
    client.post(reverse("dunning:work_next"))
    callback = WorkItemFactory(
        campaign=campaign,
        callback_at=OPEN_TIME + dt.timedelta(hours=4),
        callback_owner=operator,
    )
    WorkItemFactory(  # tomorrow's: not listed today
        campaign=campaign,
        callback_at=OPEN_TIME + dt.timedelta(days=1),
        callback_owner=operator,
    )
    response = client.get(reverse("dunning:work"))
    page = response.context["page"]
    assert page.lease.pk == leased.pk
    assert [item.pk for item in page.callbacks] == [callback.pk]
    assert "6月10日 14:00" in response.content.decode()


def test_the_work_page_shows_no_personal_data_and_logs_nothing(client, operator, campaign, frozen):
    item = WorkItemFactory(campaign=campaign)
    sign_in(client, operator)
    client.post(reverse("dunning:work_next"))
    before = AccessLogEntry.objects.count()
    html = client.get(reverse("dunning:work")).content.decode()
    assert item.obligor.name not in html and item.obligor.resident_no not in html
    assert AccessLogEntry.objects.count() == before


# --- Giving an item back ----------------------------------------------------------------------


def test_release_gives_the_item_back(client, operator, campaign, frozen):
    item = WorkItemFactory(campaign=campaign)
    sign_in(client, operator)
    client.post(reverse("dunning:work_next"))
    response = client.post(reverse("dunning:work_release", args=[item.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("dunning:work")
    item.refresh_from_db()
    assert item.lease_owner is None and item.lease_expires_at is None
    assert item.status == WorkItemStatus.OPEN


def test_nobody_releases_someone_elses_item(client, operator, outsider, campaign, frozen):
    item = WorkItemFactory(campaign=campaign)
    sign_in(client, operator)
    client.post(reverse("dunning:work_next"))
    client.logout()
    sign_in(client, outsider)
    assert client.post(reverse("dunning:work_release", args=[item.pk])).status_code == 404
    item.refresh_from_db()
    assert item.lease_owner == operator


# --- 効果なし ---------------------------------------------------------------------------------


def test_no_effect_list_shows_reason_attempts_and_logs_the_view(client, staff, campaign):
    given_up = WorkItemFactory(
        campaign=campaign,
        status=WorkItemStatus.NO_EFFECT,
        no_effect_reason=NoEffectReason.MAX_ATTEMPTS,
        attempts=5,
        obligor__name="江東 花子",
    )
    WorkItemFactory(campaign=campaign, obligor__name="未完了 一郎")  # open: not listed
    sign_in(client, staff)
    before = AccessLogEntry.objects.count()
    html = client.get(reverse("dunning:no_effect")).content.decode()
    assert given_up.obligor.resident_no in html and "江東 花子" in html
    assert "上限回数に達した（応答なし・不在）" in html and "5 回" in html
    assert "未完了 一郎" not in html
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert AccessLogEntry.objects.count() == before + 1
    assert entry.action == "view" and {"resident_no", "name"} <= set(entry.fields)
    assert "効果なし一覧" in entry.reason
