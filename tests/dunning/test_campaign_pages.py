"""Campaign pages: who may open them, the form's count preview, saving, field-named errors,
and the rebuild and status buttons."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from civicdesk.audit.models import AccessLogEntry
from civicdesk.dunning.choices import CampaignStatus
from civicdesk.dunning.models import Campaign, WorkItem
from civicdesk.dunning.services import campaigns as services
from tests.conftest import sign_in
from tests.dunning.test_campaign_data import (  # noqa: F401  (fixtures)
    expected_selection,
    other_municipality_fixture,
    persons_fixture,
    usable_phone,
)

TYPES = ["resident_tax", "nhi", "late_elderly", "ltc"]


def form_data(**overrides):
    data = {
        "name": "令和7年度 早期架電",
        "channel": "call",
        "starts_on": "2025-10-01",
        "ends_on": "令和8年3月31日",
        "priority_rule": "newest_arrears",
        "max_attempts": "5",
        "min_days_between_contacts": "3",
        "revenue_types": TYPES,
        "fiscal_years": "",
        "busy_minutes": "5",
        "no_answer_minutes": "60",
        "no_answer_other_time": "on",
        "voicemail_minutes": "120",
        "script": "お世話になっております。",
        "action": "preview",
    }
    data.update(overrides)
    return data


@pytest.fixture
def campaign(persons, supervisor):
    return services.create_campaign(
        acting_user=supervisor,
        name="既存の計画",
        channel="call",
        starts_on=dt.date(2025, 10, 1),
        ends_on=dt.date(2026, 3, 31),
        conditions={"revenue_types": TYPES},
        today=dt.date(2025, 10, 15),
    )


LIST_ROLES = {"operator", "visitor", "supervisor", "staff", "inspector"}


@pytest.mark.parametrize(
    "role", ["operator", "visitor", "supervisor", "staff", "inspector", "admin"]
)
def test_who_may_open_which_campaign_page(client, users_by_role, campaign, role):
    sign_in(client, users_by_role[role])
    pages = {
        "campaigns": (reverse("dunning:campaigns"), LIST_ROLES),
        "new": (reverse("dunning:campaign_new"), {"supervisor"}),
        "detail": (
            reverse("dunning:campaign_detail", args=[campaign.pk]),
            {"supervisor", "staff", "inspector"},
        ),
    }
    for name, (url, allowed) in pages.items():
        status = client.get(url).status_code
        assert status == (200 if role in allowed else 403), (name, status)
    for name in ("campaign_rebuild", "campaign_status"):
        url = reverse(f"dunning:{name}", args=[campaign.pk])
        status = client.post(url, {"status": "paused"}).status_code
        assert status == (302 if role == "supervisor" else 403), (name, status)


def test_anonymous_visitors_are_sent_to_sign_in(client, campaign):
    for url in (
        reverse("dunning:campaigns"),
        reverse("dunning:campaign_new"),
        reverse("dunning:campaign_detail", args=[campaign.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url


def test_an_operator_cannot_create_a_campaign_by_posting(client, operator, persons):
    sign_in(client, operator)
    response = client.post(reverse("dunning:campaign_new"), form_data(action="save"))
    assert response.status_code == 403
    assert not Campaign.objects.exists()


def test_a_campaign_of_another_municipality_is_not_found(
    client, supervisor, campaign, other_municipality
):
    Campaign.objects.filter(pk=campaign.pk).update(municipality=other_municipality)
    sign_in(client, supervisor)
    assert client.get(reverse("dunning:campaign_detail", args=[campaign.pk])).status_code == 404
    url = reverse("dunning:campaign_rebuild", args=[campaign.pk])
    assert client.post(url).status_code == 404


def test_the_list_shows_operators_only_their_campaigns(
    client, operator, supervisor, persons, outsider
):
    services.create_campaign(
        acting_user=supervisor,
        name="他チームの計画",
        channel="call",
        starts_on=dt.date(2025, 10, 1),
        ends_on=dt.date(2026, 3, 31),
        conditions={"revenue_types": ["resident_tax"]},
        operators=[outsider],
    )
    sign_in(client, operator)
    page = client.get(reverse("dunning:campaigns")).content.decode()
    assert "他チームの計画" not in page
    assert reverse("dunning:campaign_new") not in page


def test_the_form_preview_shows_the_counts_and_saves_nothing(client, supervisor, persons):
    sign_in(client, supervisor)
    response = client.post(reverse("dunning:campaign_new"), form_data())

    assert response.status_code == 200
    preview = response.context["preview"]
    expected = expected_selection(persons, types=TYPES, today=timezone.localdate())
    assert preview.obligors == len(expected)
    assert preview.no_phone == sum(not usable_phone(persons[k]) for k in expected)
    page = response.content.decode()
    assert f'data-testid="preview-obligors">{len(expected)} 人' in page
    assert "令和7年度 早期架電" in page  # the form keeps what was typed
    assert not Campaign.objects.exists()
    assert AccessLogEntry.objects.filter(action="search").count() == 1


def test_saving_the_form_creates_the_campaign_with_every_setting(
    client, supervisor, persons, nhi_team, operator
):
    sign_in(client, supervisor)
    data = form_data(
        action="save",
        fiscal_years="令和7年度, 2024",
        unpaid_min="1000",
        has_phone="yes",
        account_transfer="no",
        towns=["東陽"],
        chome="4",
        teams=[str(nhi_team.pk)],
        operators=[str(operator.pk)],
    )
    response = client.post(reverse("dunning:campaign_new"), data)

    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("dunning:campaign_detail", args=[campaign.pk])
    assert campaign.ends_on == dt.date(2026, 3, 31)
    assert campaign.conditions == {
        "revenue_types": TYPES,
        "fiscal_years": [2024, 2025],
        "unpaid_min": 1000,
        "has_phone": True,
        "towns": ["東陽"],
        "chome": 4,
        "account_transfer": False,
    }
    assert campaign.retry_rules == {
        "busy": {"minutes": 5, "other_time_of_day": False},
        "no_answer": {"minutes": 60, "other_time_of_day": True},
        "voicemail": {"minutes": 120, "other_time_of_day": False},
    }
    assert list(campaign.teams.all()) == [nhi_team]
    assert list(campaign.operators.all()) == [operator]
    assert campaign.built_at is not None
    detail = client.get(response.url).content.decode()
    assert "催告計画を作成しました" in detail
    assert "東陽 4丁目" in detail


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"ends_on": "2025-09-01"}, "ends_on", "終了日は開始日以降"),
        ({"revenue_types": []}, "revenue_types", "税目・保険料を 1 つ以上"),
        ({"unpaid_min": "5000", "unpaid_max": "10"}, "unpaid_max", "上限が下限"),
        ({"chome": "3"}, "chome", "町名を 1 つ"),
        ({"fiscal_years": "昭和"}, "fiscal_years", "年度"),
        ({"starts_on": "あした"}, "starts_on", "開始日を日付"),
        ({"max_attempts": "0"}, "max_attempts", "最大架電回数は 1 以上"),
        ({"name": ""}, "name", "計画名を入力"),
    ],
)
def test_form_errors_are_japanese_and_name_the_field(
    client, supervisor, persons, overrides, field, words
):
    sign_in(client, supervisor)
    for action in ("preview", "save"):
        response = client.post(
            reverse("dunning:campaign_new"), form_data(action=action, **overrides)
        )
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert field in errors, errors
        assert any(words in message for message in errors[field]), errors[field]
    assert not Campaign.objects.exists()


def test_rebuild_and_status_buttons_work_without_javascript(client, supervisor, campaign):
    sign_in(client, supervisor)
    detail = reverse("dunning:campaign_detail", args=[campaign.pk])
    page = client.get(detail).content.decode()
    assert reverse("dunning:campaign_rebuild", args=[campaign.pk]) in page
    assert 'value="paused"' in page

    response = client.post(reverse("dunning:campaign_rebuild", args=[campaign.pk]), follow=True)
    assert "対象を再抽出しました" in response.content.decode()

    client.post(reverse("dunning:campaign_status", args=[campaign.pk]), {"status": "paused"})
    assert Campaign.objects.get().status == CampaignStatus.PAUSED
    response = client.post(
        reverse("dunning:campaign_status", args=[campaign.pk]), {"status": "bogus"}, follow=True
    )
    assert "状態が正しくありません" in response.content.decode()
    assert client.get(reverse("dunning:campaign_rebuild", args=[campaign.pk])).status_code == 405


def test_staff_read_the_detail_without_buttons(client, staff, campaign):
    sign_in(client, staff)
    page = client.get(reverse("dunning:campaign_detail", args=[campaign.pk])).content.decode()
    assert "既存の計画" in page
    assert WorkItem.objects.filter(campaign=campaign).count() > 0
    assert f'data-testid="count-total">{WorkItem.objects.count()}<' in page
    assert reverse("dunning:campaign_rebuild", args=[campaign.pk]) not in page
