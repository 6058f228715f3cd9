"""SMS templates (issue 6 §2): what a template may say, who may allow personal values, and how
long it may become. Expected lengths are computed here from the rules (70 / 67 UCS-2 units,
160 / 153 GSM-7 septets, two septets for € and the like), not read from the code.

test_template_pages imports the fixtures at the top.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civicdesk.audit.context import serving_client
from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.core.calendar import TOKYO
from civicdesk.core.models import Municipality
from civicdesk.core.services import setup_demo_calendars
from civicdesk.dunning.services.letter_documents import hours_summary
from civicdesk.privacy import field_policy
from civicdesk.registry.selectors import Scope
from civicdesk.sms.forms.templates import SmsTemplateForm
from civicdesk.sms.models import SmsTemplate
from civicdesk.sms.selectors import templates as selectors
from civicdesk.sms.services import templates as services

CENTER_NAME = "江東区納付案内センター（テスト）"
CENTER_PHONE = "03-0000-0000"
# The longest values a personal variable is taken to have, as issue 6 §2 and rendering say:
# 30 characters of name, 9,999,999,999円, a date like 令和10年12月31日.
WORST_NAME_LENGTH = 30
WORST_UNPAID = "9,999,999,999円"
WORST_DUE_DATE = "令和10年12月31日"
TODAY = dt.date(2025, 6, 10)

# nhi may show names and amounts but no due dates; ltc may show no name at all.
POLICY = """\
revenue_types:
  resident_tax: {calls: [name, address, due_date, unpaid], visits: [name, address]}
  light_vehicle_tax: {calls: [name, address, due_date, unpaid], visits: [name, address]}
  nhi: {calls: [name, address, fiscal_year, period, unpaid], visits: [name, address]}
  late_elderly: {calls: [name, address, due_date, unpaid], visits: [name, address]}
  ltc: {calls: [address, due_date, unpaid], visits: [address]}
"""


@pytest.fixture
def center(municipality):
    """The municipality with the center's name and phone and the demo calendars."""
    Municipality.objects.filter(pk=municipality.pk).update(
        contact_center_name=CENTER_NAME, contact_center_phone=CENTER_PHONE
    )
    municipality.refresh_from_db()
    setup_demo_calendars(acting_user=None, municipality=municipality)
    return municipality


@pytest.fixture
def test_policy(settings, tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    settings.FIELD_POLICY_FILE = str(path)
    field_policy._load.cache_clear()
    yield path
    field_policy._load.cache_clear()


def save(user, **values):
    arguments = {
        "name": "国保・納期限後のお知らせ",
        "revenue_type": "nhi",
        "body": "国民健康保険料の納付が確認できません。{問合せ先}",
        "allows_personal_values": False,
    }
    arguments.update(values)
    return services.save_sms_template(acting_user=user, **arguments)


def problems(error: pytest.ExceptionInfo, field: str) -> list[str]:
    return error.value.message_dict.get(field, [])


def counts():
    return SmsTemplate.objects.count(), AccessLogEntry.objects.count()


# --- Personal values: off by default, staff allow them ---------------------------------------


def test_a_new_template_carries_no_personal_values_unless_asked(center, supervisor):
    assert SmsTemplate(name="x", revenue_type="nhi", body="x").allows_personal_values is False
    # The new-template form starts with the box unchecked; a form sent without it says no.
    assert "checked" not in str(SmsTemplateForm()["allows_personal_values"])
    form = SmsTemplateForm({"name": "既定", "revenue_type": "nhi", "body": "お知らせです。"})
    assert form.is_valid()
    template = services.save_sms_template(acting_user=supervisor, **form.values())
    template.refresh_from_db()
    assert template.allows_personal_values is False


@pytest.mark.parametrize("variable", ["氏名", "未納額", "納期限"])
@pytest.mark.parametrize("role", ["supervisor", "staff"])
def test_each_personal_variable_is_refused_while_personal_values_are_off(
    center, users_by_role, variable, role
):
    before = counts()
    with pytest.raises(ValidationError) as error:
        save(users_by_role[role], body=f"{{{variable}}}様 お支払いをお願いします。")
    messages = problems(error, "body")
    assert len(messages) == 1 and f"{{{variable}}}" in messages[0]
    assert "許可されていません" in messages[0]
    assert counts() == before


def test_staff_may_allow_personal_values(center, staff):
    template = save(
        staff, body="{氏名}様 {未納額}（納期限 {納期限}）が未納です。{問合せ先}",
        allows_personal_values=True,
    )  # fmt: skip
    template.refresh_from_db()
    assert template.allows_personal_values is True


def test_a_supervisor_may_not_allow_personal_values_even_without_using_them(center, supervisor):
    before = counts()
    with pytest.raises(ValidationError) as error:
        save(supervisor, body="{氏名}様 お知らせです。", allows_personal_values=True)
    [message] = problems(error, "allows_personal_values")
    assert "職員" in message and "許可" in message
    assert "body" not in error.value.message_dict  # the variable itself would be allowed
    with pytest.raises(ValidationError) as error:
        save(supervisor, body="お知らせです。", allows_personal_values=True)
    assert problems(error, "allows_personal_values")
    assert counts() == before


def test_a_supervisor_may_not_switch_on_personal_values_of_an_existing_template(center, supervisor):
    template = save(supervisor)
    with pytest.raises(ValidationError) as error:
        save(supervisor, template=template, allows_personal_values=True)
    assert problems(error, "allows_personal_values")
    template.refresh_from_db()
    assert template.allows_personal_values is False


def test_a_supervisor_may_rename_or_deactivate_a_staff_allowed_template_but_not_rewrite_it(
    center, staff, supervisor
):
    body = "{氏名}様 未納があります。{問合せ先}"
    template = save(staff, body=body, allows_personal_values=True)
    renamed = save(
        supervisor, template=template, name="改名", body=body, allows_personal_values=True,
        is_active=False,
    )  # fmt: skip
    assert (renamed.name, renamed.is_active) == ("改名", False)
    assert renamed.allows_personal_values is True
    with pytest.raises(ValidationError) as error:
        save(
            supervisor, template=template, name="改名", body=body + "至急",
            allows_personal_values=True,
        )  # fmt: skip
    assert problems(error, "allows_personal_values")
    with pytest.raises(ValidationError) as error:
        save(
            supervisor, template=template, name="改名", body=body, revenue_type="ltc",
            allows_personal_values=True,
        )  # fmt: skip
    assert problems(error, "allows_personal_values")
    # Switching personal values off is always the center's to do.
    off = save(supervisor, template=template, name="改名", body="未納があります。")
    assert off.allows_personal_values is False


@pytest.mark.parametrize(
    "revenue_type, variable, refused",
    [
        ("nhi", "納期限", True),  # nhi's calls show no due_date in this policy
        ("nhi", "未納額", False),
        ("nhi", "氏名", False),
        ("ltc", "氏名", True),  # ltc's calls show no name
        ("ltc", "納期限", False),
    ],
)
def test_personal_variables_follow_the_field_policy_of_the_revenue_type(
    center, staff, test_policy, revenue_type, variable, refused
):
    body = f"{{{variable}}}についてお知らせします。"
    if not refused:
        assert save(staff, revenue_type=revenue_type, body=body, allows_personal_values=True)
        return
    before = counts()
    with pytest.raises(ValidationError) as error:
        save(staff, revenue_type=revenue_type, body=body, allows_personal_values=True)
    [message] = problems(error, "body")
    assert f"{{{variable}}}" in message and "取扱い方針" in message
    assert counts() == before


# --- The body's variables --------------------------------------------------------------------


def test_unknown_variables_are_named_with_the_known_ones(center, supervisor):
    with pytest.raises(ValidationError) as error:
        save(supervisor, body="{宛名}様 {金額}円です。{問合せ先}")
    [message] = problems(error, "body")
    assert "{宛名}" in message and "{金額}" in message
    assert "{問合せ先}" in message.split("使える変数")[1]


def test_one_save_names_every_problem_at_once(center, supervisor):
    save(supervisor, name="既存")
    with pytest.raises(ValidationError) as error:
        save(supervisor, name="既存", revenue_type="", body="{宛名} {氏名}")
    found = error.value.message_dict
    assert set(found) == {"name", "revenue_type", "body"}
    assert "既存" in found["name"][0]
    assert len(found["body"]) == 2  # the unknown {宛名} and the personal {氏名}


def test_a_name_and_a_body_are_required(center, supervisor):
    with pytest.raises(ValidationError) as error:
        save(supervisor, name="  ", body=" \n ")
    assert problems(error, "name") == ["テンプレート名を入力してください。"]
    assert problems(error, "body") == ["本文を入力してください。"]


def test_names_are_unique_per_municipality_only(center, supervisor):
    first = save(supervisor, name="同じ名前")
    with pytest.raises(ValidationError) as error:
        save(supervisor, name="同じ名前")
    assert "同じ名前" in problems(error, "name")[0]
    assert save(supervisor, template=first, name="同じ名前").pk == first.pk  # itself is fine
    other = Municipality.objects.create(code="999999", name="別の市")
    SmsTemplate.objects.filter(pk=first.pk).update(municipality=other)
    assert save(supervisor, name="同じ名前").pk != first.pk


def test_the_revenue_type_must_be_one_the_user_works_on(center, supervisor, monkeypatch):
    with pytest.raises(ValidationError) as error:
        save(supervisor, revenue_type="dog_tax")
    assert problems(error, "revenue_type")
    # Supervisors and staff work on every type today; a narrower scope is still respected.
    narrow = Scope(center.pk, ("resident_tax",), "calls", False)
    monkeypatch.setattr(services, "scope_for", lambda user: narrow)
    with pytest.raises(ValidationError) as error:
        save(supervisor, revenue_type="nhi")
    assert "担当" in problems(error, "revenue_type")[0]
    assert save(supervisor, revenue_type="resident_tax").revenue_type == "resident_tax"


def test_hours_need_the_calls_calendar(municipality, supervisor):
    Municipality.objects.filter(pk=municipality.pk).update(contact_center_phone=CENTER_PHONE)
    with pytest.raises(ValidationError) as error:
        save(supervisor, body="受付時間: {受付時間}")
    [message] = problems(error, "body")
    assert "{受付時間}" in message and "業務カレンダー" in message
    assert save(supervisor, body="お知らせです。").pk  # without {受付時間} no calendar is needed


def test_the_contact_variable_needs_the_center_registered(municipality, supervisor):
    with pytest.raises(ValidationError) as error:
        save(supervisor, body="{問合せ先}へお電話ください。")
    assert "{問合せ先}" in problems(error, "body")[0]


# --- Length: the worst case against the maximum ----------------------------------------------


def ucs2_segments(units: int) -> int:
    return 1 if units <= 70 else math.ceil(units / 67)


def test_a_body_exactly_at_the_maximum_is_saved_and_one_more_character_is_refused(
    center, supervisor
):
    assert save(supervisor, name="ちょうど", body="あ" * 660).pk
    before = counts()
    with pytest.raises(ValidationError) as error:
        save(supervisor, name="超過", body="あ" * 661)
    [message] = problems(error, "body")
    assert "661 文字" in message and "660 文字" in message
    assert f"{ucs2_segments(661)} 通" in message and ucs2_segments(661) == 10
    assert counts() == before


def test_personal_variables_count_at_their_longest(center, staff):
    # {氏名} is taken as 30 characters: the rest of the body may have 660 − 30.
    body = "{氏名}" + "あ" * (660 - WORST_NAME_LENGTH)
    assert save(staff, name="氏名あり", body=body, allows_personal_values=True).pk
    with pytest.raises(ValidationError) as error:
        save(staff, name="氏名超過", body=body + "あ", allows_personal_values=True)
    assert "661 文字" in problems(error, "body")[0]
    # Amount and due date at their longest, e.g. 9,999,999,999円 and 令和10年12月31日.
    rest = 660 - len(WORST_UNPAID) - len(WORST_DUE_DATE)
    body = "{未納額}{納期限}" + "い" * rest
    assert save(staff, name="金額あり", body=body, allows_personal_values=True).pk
    with pytest.raises(ValidationError):
        save(staff, name="金額超過", body=body + "い", allows_personal_values=True)


def test_the_center_contact_is_counted_as_registered(center, supervisor):
    contact = f"{CENTER_NAME} {CENTER_PHONE}"
    body = "{問合せ先}" + "あ" * (660 - len(contact))
    assert save(supervisor, name="連絡先", body=body).pk
    with pytest.raises(ValidationError):
        save(supervisor, name="連絡先超過", body=body + "あ")


def test_the_hours_are_counted_as_the_calendar_gives_them(center, supervisor):
    hours = hours_summary(center, timezone.localdate(timezone.now(), TOKYO))
    assert "平日 8:30〜17:15" in hours  # the demo calls calendar
    body = "{受付時間}" + "あ" * (660 - len(hours))
    assert save(supervisor, name="受付時間", body=body).pk
    with pytest.raises(ValidationError):
        save(supervisor, name="受付時間超過", body=body + "あ")


def test_a_changed_maximum_is_honoured(center, supervisor, settings):
    settings.SMS_MAX_CHARACTERS = 100
    assert save(supervisor, name="百", body="あ" * 100).pk
    with pytest.raises(ValidationError) as error:
        save(supervisor, name="百一", body="あ" * 101)
    assert "上限の 100 文字" in problems(error, "body")[0]


def test_gsm7_bodies_count_septets_and_escapes_take_two(center, supervisor):
    assert save(supervisor, name="英字", body="a" * 660).pk
    with pytest.raises(ValidationError):
        save(supervisor, name="英字超過", body="a" * 661)
    # € is an escape plus the character: 330 of them are 660 septets, 331 are 662, and
    # a part of 153 septets holds 76 (an escape is never split from its character).
    assert save(supervisor, name="ユーロ", body="€" * 330).pk
    with pytest.raises(ValidationError) as error:
        save(supervisor, name="ユーロ超過", body="€" * 331)
    [message] = problems(error, "body")
    assert "662 文字" in message and "GSM-7" in message
    assert f"{math.ceil(331 / (153 // 2))} 通" in message


# --- Writing and its log ---------------------------------------------------------------------


def test_saving_writes_one_log_entry_without_personal_fields(center, supervisor):
    before = AccessLogEntry.objects.count()
    with serving_client("192.0.2.7"):
        template = save(supervisor)
    created = AccessLogEntry.objects.order_by("-seq").first()
    assert AccessLogEntry.objects.count() == before + 1
    assert (created.action, created.object_id, created.fields) == (
        AccessAction.CREATE, str(template.pk), ["sms_template"],
    )  # fmt: skip
    assert created.actor == supervisor and created.ip_address == "192.0.2.7"
    save(supervisor, template=template, name="改名")
    changed = AccessLogEntry.objects.order_by("-seq").first()
    assert (changed.action, changed.object_id) == (AccessAction.CHANGE, str(template.pk))
    template.refresh_from_db()
    assert (template.created_by, template.updated_by, template.name) == (
        supervisor, supervisor, "改名",
    )  # fmt: skip


def test_a_refused_change_leaves_the_template_as_it_was(center, supervisor):
    template = save(supervisor)
    before = counts()
    with pytest.raises(ValidationError):
        save(supervisor, template=template, name="新しい名前", body="あ" * 700)
    template.refresh_from_db()
    assert template.name == "国保・納期限後のお知らせ" and counts() == before


@pytest.mark.parametrize("role", ["operator", "visitor", "inspector", "admin"])
def test_roles_without_the_permission_may_not_save(center, users_by_role, role):
    before = counts()
    with pytest.raises(PermissionDenied):
        save(users_by_role[role])
    assert counts() == before


def test_a_template_of_another_municipality_is_not_changed(center, supervisor):
    template = save(supervisor)
    other = Municipality.objects.create(code="999999", name="別の市")
    SmsTemplate.objects.filter(pk=template.pk).update(municipality=other)
    with pytest.raises(PermissionDenied):
        save(supervisor, template=template, name="乗っ取り")
    assert SmsTemplate.objects.get(pk=template.pk).name == "国保・納期限後のお知らせ"


# --- Preview ---------------------------------------------------------------------------------


def test_the_preview_renders_sample_values_and_the_center_and_counts_them(center):
    body = "{氏名}様 {未納額}（{納期限}）{問合せ先} {受付時間}"
    preview = services.preview_sms_template(
        municipality=center, body=body, revenue_type="nhi", allows_personal_values=True,
        today=TODAY,
    )  # fmt: skip
    hours = hours_summary(center, TODAY)
    expected = f"江東 花子様 12,345円（令和7年5月31日）{CENTER_NAME} {CENTER_PHONE} {hours}"
    assert preview.text == expected and preview.problems == []
    assert preview.sample.encoding == "UCS-2"
    assert preview.sample.characters == len(expected)
    assert preview.sample.segments == ucs2_segments(len(expected))
    worst = len(expected) - len("江東 花子") + WORST_NAME_LENGTH
    worst += len(WORST_UNPAID) - len("12,345円") + len(WORST_DUE_DATE) - len("令和7年5月31日")
    assert preview.worst_case.characters == worst and preview.maximum == 660


def test_the_preview_names_the_problems_of_an_invalid_body(center):
    preview = services.preview_sms_template(
        municipality=center, body="{氏名}様 {宛名}" + "あ" * 700, revenue_type="nhi",
        allows_personal_values=False, today=TODAY,
    )  # fmt: skip
    assert preview.text.startswith("江東 花子様 {宛名}")
    assert len(preview.problems) == 3 and preview.over_maximum
    assert any("{宛名}" in p for p in preview.problems)
    assert any("{氏名}" in p for p in preview.problems)
    assert any("長すぎます" in p for p in preview.problems)


def test_a_gsm7_preview_is_counted_in_septets(center):
    preview = services.preview_sms_template(
        municipality=center, body="Pay [now]", revenue_type="nhi", allows_personal_values=False
    )
    # [ and ] are escapes: 9 characters, 11 septets, one message.
    assert (str(preview.sample.encoding), preview.sample.characters) == ("GSM-7", 11)
    assert preview.sample.segments == 1


# --- Selectors -------------------------------------------------------------------------------


def test_selectors_show_only_the_own_municipality_and_active_ones(
    center, supervisor, inspector, operator
):
    kept = save(supervisor, name="国保")
    save(supervisor, name="介護", revenue_type="ltc")
    save(supervisor, name="休止", is_active=False)
    hidden = save(supervisor, name="よその")
    other = Municipality.objects.create(code="999999", name="別の市")
    SmsTemplate.objects.filter(pk=hidden.pk).update(municipality=other)
    assert {t.name for t in selectors.templates_for(inspector)} == {"国保", "介護", "休止"}
    assert {t.name for t in selectors.active_templates(supervisor)} == {"国保", "介護"}
    assert list(selectors.active_templates(supervisor, "nhi")) == [kept]
    assert not selectors.templates_for(operator).exists()
    assert selectors.may_view_templates(inspector) and not selectors.may_edit_templates(inspector)
