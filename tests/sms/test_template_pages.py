"""The SMS template pages: who may open what, the preview fragment, saving from the page and
errors shown next to their fields."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from civicdesk.audit.models import AccessLogEntry
from civicdesk.core.models import Municipality
from civicdesk.sms.models import SmsTemplate
from civicdesk.sms.services import templates as services
from tests.conftest import sign_in
from tests.sms.test_templates import CENTER_NAME, CENTER_PHONE, center

SHARED_FIXTURES = (center,)
ROLES = ["operator", "outsider", "visitor", "supervisor", "staff", "inspector", "admin"]
EDITORS = {"supervisor", "staff"}
READERS = EDITORS | {"inspector"}


@pytest.fixture
def template(center, supervisor):
    return services.save_sms_template(
        acting_user=supervisor,
        name="国保・お知らせ",
        revenue_type="nhi",
        body="国民健康保険料の納付が確認できません。{問合せ先}",
        allows_personal_values=False,
    )


@pytest.fixture
def people(users_by_role, outsider):
    return {**users_by_role, "outsider": outsider}


def form_data(**values) -> dict:
    data = {
        "name": "税・納期限後",
        "revenue_type": "resident_tax",
        "body": "住民税の納付が確認できません。{問合せ先}（{受付時間}）",
        "is_active": "on",
        "action": "save",
    }
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}


def text_of(response) -> str:
    return response.content.decode()


# --- Who may open what -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_of_the_template_pages(client, people, template, role):
    sign_in(client, people[role])
    edit = reverse("sms:template_edit", args=[template.pk])
    expected = {
        "list": 200 if role in READERS else 403,
        "new": 200 if role in EDITORS else 403,
        "edit": 200 if role in READERS else 403,  # inspectors read the template
        "edit_post": 200 if role in EDITORS else 403,  # 200: the form again (action=preview)
        "preview": 200 if role in EDITORS else 403,
    }
    assert client.get(reverse("sms:templates")).status_code == expected["list"]
    assert client.get(reverse("sms:template_new")).status_code == expected["new"]
    assert client.get(edit).status_code == expected["edit"]
    answer = client.post(edit, form_data(action="preview"))
    assert answer.status_code == expected["edit_post"]
    preview = client.post(reverse("sms:template_preview"), {"body": "テスト"})
    assert preview.status_code == expected["preview"]
    assert SmsTemplate.objects.get(pk=template.pk).name == "国保・お知らせ"


def test_anonymous_users_are_sent_to_sign_in(client, template):
    urls = [
        reverse("sms:templates"),
        reverse("sms:template_new"),
        reverse("sms:template_edit", args=[template.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url, url
    response = client.post(reverse("sms:template_preview"), {"body": "テスト"})
    assert response.status_code == 302 and "login" in response.url


def test_the_preview_answers_only_posts(client, supervisor, center):
    sign_in(client, supervisor)
    assert client.get(reverse("sms:template_preview")).status_code == 405


def test_a_template_of_another_municipality_is_not_found(client, supervisor, template):
    other = Municipality.objects.create(code="999999", name="別の市")
    SmsTemplate.objects.filter(pk=template.pk).update(municipality=other)
    sign_in(client, supervisor)
    edit = reverse("sms:template_edit", args=[template.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, form_data()).status_code == 404
    assert "国保・お知らせ" not in text_of(client.get(reverse("sms:templates")))


def test_inspectors_see_the_template_without_a_form_to_send(client, inspector, template):
    sign_in(client, inspector)
    page = text_of(client.get(reverse("sms:template_edit", args=[template.pk])))
    assert "国民健康保険料の納付が確認できません。" in page
    assert "hx-post" not in page and 'value="save"' not in page
    assert "disabled" in page
    listing = text_of(client.get(reverse("sms:templates")))
    assert "国保・お知らせ" in listing and reverse("sms:template_new") not in listing


# --- The list --------------------------------------------------------------------------------


def test_the_list_shows_type_personal_values_active_and_sample_segments(client, staff, center):
    services.save_sms_template(
        acting_user=staff, name="長い国保", revenue_type="nhi", body="あ" * 71,
        allows_personal_values=True, is_active=False,
    )  # fmt: skip
    sign_in(client, staff)
    page = text_of(client.get(reverse("sms:templates")))
    row = page.split('data-testid="sms-template-')[1].split("</tr>")[0]
    assert "長い国保" in row and "国民健康保険料" in row
    assert "含める" in row and "使用しない" in row
    # 71 UCS-2 characters: more than 70, so two parts of at most 67.
    assert "2 通" in row and "71 文字" in row


# --- The preview fragment --------------------------------------------------------------------


def test_the_preview_fragment_shows_the_text_and_its_counts(client, supervisor, center):
    sign_in(client, supervisor)
    body = "{問合せ先}まで" + "あ" * 60
    response = client.post(reverse("sms:template_preview"), {"body": body, "revenue_type": "nhi"})
    fragment = text_of(response)
    assert "<html" not in fragment  # a fragment for htmx, not a page
    expected = f"{CENTER_NAME} {CENTER_PHONE}まで" + "あ" * 60
    units = len(expected)
    assert expected in fragment
    assert re.search(r'sms-preview-encoding">UCS-2', fragment)
    assert f'sms-preview-characters">{units} 文字' in fragment
    assert f'sms-preview-segments">{-(-units // 67)} 通' in fragment
    assert f"{units} 文字（{-(-units // 67)} 通）／ 上限 660 文字" in fragment


def test_the_preview_fragment_lists_problems_while_typing(client, supervisor, center):
    sign_in(client, supervisor)
    fragment = text_of(
        client.post(reverse("sms:template_preview"), {"body": "{氏名}様 " + "a" * 700})
    )
    assert "上限を超えています" in fragment
    assert "{氏名}（宛名の氏名" in fragment and "許可されていません" in fragment


def test_an_empty_preview_explains_itself(client, supervisor, center):
    sign_in(client, supervisor)
    fragment = text_of(client.post(reverse("sms:template_preview"), {"body": "  "}))
    assert "本文を入力すると" in fragment


def test_the_edit_page_asks_for_the_preview_with_htmx_and_lists_the_variables(
    client, supervisor, template
):
    sign_in(client, supervisor)
    page = text_of(client.get(reverse("sms:template_edit", args=[template.pk])))
    assert f'hx-post="{reverse("sms:template_preview")}"' in page
    assert 'hx-trigger="input changed delay:300ms' in page
    for variable in ("{氏名}", "{未納額}", "{納期限}", "{問合せ先}", "{受付時間}"):
        assert variable in page
    assert "電話の受付時間（業務カレンダーから）" in page
    assert f"{CENTER_NAME} {CENTER_PHONE}" in page  # the preview is there without JavaScript


# --- Saving from the page --------------------------------------------------------------------


def test_a_supervisor_saves_a_valid_template(client, supervisor, center):
    sign_in(client, supervisor)
    before = AccessLogEntry.objects.count()
    response = client.post(reverse("sms:template_new"), form_data())
    assert response.status_code == 302 and response.url == reverse("sms:templates")
    saved = SmsTemplate.objects.get(name="税・納期限後")
    assert (saved.revenue_type, saved.allows_personal_values, saved.is_active) == (
        "resident_tax", False, True,
    )  # fmt: skip
    assert saved.created_by == supervisor and AccessLogEntry.objects.count() == before + 1
    listing = text_of(client.get(reverse("sms:templates")))
    assert "「税・納期限後」を登録しました" in listing


def test_the_preview_button_saves_nothing(client, supervisor, center):
    sign_in(client, supervisor)
    response = client.post(reverse("sms:template_new"), form_data(action="preview"))
    assert response.status_code == 200 and not SmsTemplate.objects.exists()
    assert "見本のデータで作った本文" in text_of(response)


def test_deactivating_from_the_edit_page(client, supervisor, template):
    sign_in(client, supervisor)
    data = form_data(name=template.name, revenue_type="nhi", body=template.body, is_active=None)
    response = client.post(reverse("sms:template_edit", args=[template.pk]), data)
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.is_active is False


def test_errors_are_shown_in_japanese_next_to_their_fields(client, supervisor, template):
    sign_in(client, supervisor)
    data = form_data(
        name=template.name,
        body="{氏名}様 {宛名}" + "あ" * 700,
        allows_personal_values="on",
    )
    response = client.post(reverse("sms:template_new"), data)
    page = text_of(response)
    assert response.status_code == 200 and SmsTemplate.objects.count() == 1
    assert 'data-testid="error-summary"' in page

    def field_errors(name: str) -> str:
        return " ".join(re.findall(rf'<p class="error" id="id_{name}_error">([^<]*)</p>', page))

    assert "すでにあります" in field_errors("name")
    assert "{宛名}" in field_errors("body") and "長すぎます" in field_errors("body")
    assert "自治体の職員" in field_errors("allows_personal_values")
    assert '<a href="#id_allows_personal_values">' in page  # the summary links to the box


def test_staff_allow_personal_values_from_the_page(client, staff, center):
    sign_in(client, staff)
    data = form_data(body="{氏名}様 {未納額}が未納です。{問合せ先}", allows_personal_values="on")
    assert client.post(reverse("sms:template_new"), data).status_code == 302
    assert SmsTemplate.objects.get(name="税・納期限後").allows_personal_values is True
