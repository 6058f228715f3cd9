"""The tablet page of one visit (dunning:visit_stop): who may open it, what it shows under the
visits field policy, the form without JavaScript, the script's JSON answers, the access log."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from civicdesk.audit.models import AccessLogEntry
from civicdesk.dunning.choices import ContactOutcome, VisitResult
from civicdesk.dunning.models import Contact, LeftNoticeTemplate, VisitRecord
from civicdesk.dunning.services.visit_results import record_visit
from tests.conftest import sign_in
from tests.dunning.factories import CampaignFactory, VisitListFactory, VisitStopFactory
from tests.factories import TeamFactory, UserFactory
from tests.registry.factories import (
    AccountFactory,
    InstallmentFactory,
    ObligorFactory,
    PhoneFactory,
)

pytestmark = pytest.mark.django_db

SCRIPT = "江東区役所から国民健康保険料の納付のご案内に伺いました。"


@pytest.fixture
def notice(municipality):
    return LeftNoticeTemplate.objects.create(municipality=municipality, name="不在票")


def make_stop(municipality, visitor, *, revenue_type="nhi", assessed=12_345, **person):
    values = {
        "name": "訪問 花子",
        "name_kana": "ホウモン ハナコ",
        "address": "東京都江東区東陽四丁目11番28号",
        "address_extra": "東陽ハイツ201",
        "birth_date": dt.date(1950, 1, 23),
        **person,
    }
    obligor = ObligorFactory(municipality=municipality, **values)
    account = AccountFactory(obligor=obligor, revenue_type=revenue_type)
    InstallmentFactory(account=account, assessed=assessed, due_date=dt.date(2025, 4, 30))
    PhoneFactory(obligor=obligor, display="090-8765-4321")
    campaign = CampaignFactory(municipality=municipality, channel="visit", script=SCRIPT)
    visit_list = VisitListFactory(municipality=municipality, visitor=visitor, campaign=campaign)
    stop = VisitStopFactory(visit_list=visit_list, work_item__obligor=obligor)
    stop.work_item.accounts.set([account])
    return SimpleNamespace(
        stop=stop,
        obligor=obligor,
        account=account,
        url=reverse("dunning:visit_stop", args=[stop.pk]),
        list_url=reverse("dunning:visit_list", args=[visit_list.pk]),
    )


@pytest.fixture
def visit(municipality, visitor, calendars, notice):
    return make_stop(municipality, visitor)


@pytest.fixture
def visitor_client(client, visitor):
    sign_in(client, visitor)
    return client


def absent_form(notice, **values) -> dict:
    data = {
        "result": VisitResult.ABSENT,
        "left_notices": [str(notice.pk)],
        "client_key": str(uuid.uuid4()),
        "visited_at": "",
        "note": "",
    }
    data.update(values)
    return data


# --- Who may open it ---------------------------------------------------------------------------

ROLES = ["anonymous", "operator", "outsider", "visitor", "other_visitor", "supervisor"]
ROLES += ["staff", "inspector", "admin"]
# The stop belongs to `visitor`'s list; the supervisor has not made it theirs (404 as missing).
EXPECTED = dict(
    zip(ROLES, [302, 403, 403, 200, 404, 404, 403, 403, 403], strict=True),
)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_lists_visitor_opens_the_stop(
    client, role, visit, users_by_role, outsider, municipality, nhi_team
):
    users = {
        **users_by_role,
        "outsider": outsider,
        "other_visitor": UserFactory(
            username="visitor2", role="visitor", municipality=municipality, team=nhi_team
        ),
    }
    if role != "anonymous":
        sign_in(client, users[role])
    response = client.get(visit.url)
    assert response.status_code == EXPECTED[role]
    if role == "anonymous":
        assert "login" in response.url


def test_a_stop_whose_person_is_outside_the_visitors_scope_is_not_found(
    visitor_client, municipality, visitor
):
    # On the visitor's own list, but the person owes only a revenue type of another team.
    other = make_stop(municipality, visitor, revenue_type="resident_tax")
    assert visitor_client.get(other.url).status_code == 404


def test_a_missing_stop_is_not_found(visitor_client):
    assert visitor_client.get(reverse("dunning:visit_stop", args=[999_999])).status_code == 404


# --- What it shows -----------------------------------------------------------------------------


def test_the_page_shows_the_person_the_notice_and_the_unpaid_amount(visitor_client, visit):
    page = visitor_client.get(visit.url).content.decode()
    for text in ("訪問 花子", "ホウモン ハナコ", "東陽四丁目11番28号", "東陽ハイツ201", SCRIPT):
        assert text in page
    assert "12,345" in page


def test_a_late_elderly_visit_shows_name_address_and_notice_only(client, municipality, notice):
    team = TeamFactory(
        municipality=municipality, name="後期高齢チーム", revenue_types=["late_elderly"]
    )
    visitor = UserFactory(
        username="visitor_le", role="visitor", municipality=municipality, team=team
    )
    visit = make_stop(municipality, visitor, revenue_type="late_elderly", assessed=34_567)
    sign_in(client, visitor)

    page = client.get(visit.url).content.decode()

    assert "訪問 花子" in page and "東陽ハイツ201" in page and SCRIPT in page
    assert "34,567" not in page and "34567" not in page
    assert "金額は表示しません" in page
    assert "090-8765-4321" not in page and "昭和25" not in page
    # Known numbers are not shown, but one learnt at the door may be recorded (別紙1 (3)②イ(カ)).
    assert 'name="new_phone"' in page
    entry = AccessLogEntry.objects.filter(action="view").latest("seq")
    assert "unpaid" not in entry.fields
    assert {"name", "address", "notice"} <= set(entry.fields)


def test_every_view_is_logged_with_the_fields_shown(visitor_client, visit, visitor):
    visitor_client.get(visit.url)
    entry = AccessLogEntry.objects.filter(action="view").latest("seq")
    assert entry.actor == visitor
    assert entry.object_type == "registry.obligor"
    assert entry.object_id == str(visit.obligor.pk)
    assert set(entry.fields) == {
        "address",
        "address_extra",
        "due_date",
        "name",
        "name_kana",
        "notice",
        "period",
        "revenue_type",
        "unpaid",
    }


def test_without_javascript_every_field_of_every_result_is_on_the_page(visitor_client, visit):
    page = visitor_client.get(visit.url).content.decode()
    for value in VisitResult.values:
        assert f'type="radio" name="result" value="{value}"' in page
    for name in (
        "outcome",
        "promise_amount_1",
        "promise_date_3",
        "new_phone",
        "left_notices",
        "evidence",
        "management_company",
        "note",
        "client_key",
    ):
        assert f'name="{name}"' in page
    assert " hidden>" not in page.split('data-testid="visit-form"')[1].split("</form>")[0]


# --- Saving ------------------------------------------------------------------------------------


def test_a_saved_result_goes_back_to_the_list_with_a_message(visitor_client, visit, notice):
    response = visitor_client.post(visit.url, absent_form(notice), follow=True)

    assert response.redirect_chain[0] == (visit.list_url, 302)
    contact = Contact.objects.get()
    assert contact.outcome == ContactOutcome.ABSENT
    assert [str(m) for m in response.context["messages"]] == [
        f"訪問先 {visit.stop.position} 番の結果を登録しました（不在（差し置き））。"
    ]


def test_errors_come_back_in_japanese_next_to_the_fields_with_the_same_key(
    visitor_client, visit, notice
):
    data = absent_form(notice, left_notices=[])
    response = visitor_client.post(visit.url, data)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["left_notices"] == [
        "差し置き文書: 不在のときは差し置いた文書を1つ以上選んでください。"
    ]
    assert data["client_key"] in response.content.decode()
    assert not Contact.objects.exists()


def test_a_met_result_without_an_outcome_is_named(visitor_client, visit, notice):
    response = visitor_client.post(
        visit.url, absent_form(notice, result=VisitResult.MET_SELF, left_notices=[])
    )
    assert response.context["form"].errors["outcome"] == [
        "面会したときの結果（納付約束・納付予定など）を選んでください。"
    ]


def test_the_same_form_posted_twice_saves_once(visitor_client, visit, notice):
    data = absent_form(notice)
    first = visitor_client.post(visit.url, data)
    second = visitor_client.post(visit.url, data)
    assert first.status_code == second.status_code == 302
    assert Contact.objects.count() == 1 and VisitRecord.objects.count() == 1


def test_the_tablets_time_is_used(visitor_client, visit, notice):

    saved_at = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=3)
    visitor_client.post(visit.url, absent_form(notice, visited_at=saved_at.isoformat()))
    assert Contact.objects.get().at == saved_at


def test_the_script_gets_json_and_a_resend_leaves_no_message(visitor_client, visit, notice):
    response = visitor_client.post(
        visit.url,
        absent_form(notice),
        headers={"X-Requested-With": "XMLHttpRequest", "X-Visit-Resend": "1"},
    )
    assert response.status_code == 200
    assert json.loads(response.content) == {"saved": True, "next": visit.list_url}
    following = visitor_client.get(visit.list_url)
    assert not list(following.context["messages"])


def test_the_script_gets_400_for_invalid_input(visitor_client, visit, notice):
    response = visitor_client.post(
        visit.url,
        absent_form(notice, left_notices=[]),
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert response.status_code == 400
    assert not Contact.objects.exists()


def test_a_visited_stop_shows_its_result_read_only(visitor_client, visit, notice):
    visitor_client.post(visit.url, absent_form(notice, note="ポストに差し置き"))

    page = visitor_client.get(visit.url).content.decode()
    assert 'data-testid="visit-done"' in page
    assert 'data-testid="visit-form"' not in page
    assert "不在（差し置き）" in page and "不在票" in page and "ポストに差し置き" in page

    response = visitor_client.post(visit.url, absent_form(notice))
    assert "この訪問先は結果入力済みです。" in response.content.decode()
    assert Contact.objects.count() == 1


def test_the_case_history_shows_what_a_visit_left_and_found(client, visit, visitor, supervisor):

    notice = LeftNoticeTemplate.objects.get(municipality=visit.obligor.municipality, name="不在票")
    record_visit(
        acting_user=visitor,
        stop=visit.stop,
        result=VisitResult.ABSENT,
        client_key=uuid.uuid4(),
        accounts=[visit.account],
        left_notices=[notice],
    )
    sign_in(client, supervisor)

    page = client.get(reverse("dunning:case", args=[visit.obligor.pk])).content.decode()

    assert "不在（差し置き）" in page and "差し置き: 不在票" in page
