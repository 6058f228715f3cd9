"""Opt-outs (受信拒否, issue 6 §3/§5): the services' rules, batches leaving the number out, the
page, and who may open each SMS opt-out and reply page."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from civicdesk.audit.context import serving_client
from civicdesk.audit.models import AccessLogEntry
from civicdesk.dunning.choices import CampaignChannel
from civicdesk.sms.choices import OptOutSource
from civicdesk.sms.models import OptOut
from civicdesk.sms.selectors.batches import campaign_targets
from civicdesk.sms.selectors.optouts import (
    is_opted_out,
    may_change_opt_outs,
    may_view_opt_outs,
    opt_outs_for,
    search_opt_outs,
)
from civicdesk.sms.services.optouts import add_opt_out, remove_opt_out
from tests.conftest import sign_in
from tests.dunning.factories import CampaignFactory, WorkItemFactory
from tests.factories import MunicipalityFactory, UserFactory
from tests.registry.factories import AccountFactory, InstallmentFactory, PhoneFactory
from tests.sms.factories import OptOutFactory

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
ROLES = ["operator", "visitor", "supervisor", "staff", "inspector", "admin"]
VIEWERS = {"supervisor", "staff", "inspector"}
CHANGERS = {"supervisor", "staff"}


@pytest.fixture
def elsewhere(db):
    other = MunicipalityFactory(code="271004", name="大阪市")
    return other, UserFactory(username="osaka_staff", role="staff", municipality=other)


# --- add_opt_out ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["090-1234-5678", "09012345678", "+81 90 1234 5678", "０９０－１２３４－５６７８"]
)
def test_a_number_in_any_notation_is_stored_in_e164_with_its_display(staff, typed):
    opt_out = add_opt_out(acting_user=staff, number=typed, note="  電話で申出  ")
    assert (opt_out.number, opt_out.display) == ("+819012345678", "090-1234-5678")
    assert (opt_out.source, opt_out.created_by, opt_out.note) == (
        OptOutSource.STAFF,
        staff,
        "電話で申出",
    )
    assert opt_out.municipality == staff.municipality


@pytest.mark.parametrize("typed", ["", "090-1234", "abc", "+1 415 555 0100", "090-0000-0000"])
def test_a_number_that_is_not_a_valid_japanese_number_is_a_field_error(staff, typed):
    with pytest.raises(ValidationError) as caught:
        add_opt_out(acting_user=staff, number=typed)
    assert list(caught.value.message_dict) == ["number"]
    assert not OptOut.objects.exists()


def test_every_problem_is_named_at_once(staff):
    with pytest.raises(ValidationError) as caught:
        add_opt_out(acting_user=staff, number="abc", note="x" * 201)
    assert sorted(caught.value.message_dict) == ["note", "number"]


def test_a_number_already_opted_out_is_a_field_error_in_any_notation(staff):
    add_opt_out(acting_user=staff, number="090-1234-5678")
    with pytest.raises(ValidationError) as caught:
        add_opt_out(acting_user=staff, number="+819012345678")
    assert "既に受信拒否に登録されています" in caught.value.message_dict["number"][0]
    assert OptOut.objects.count() == 1


def test_another_municipality_may_opt_out_the_same_number(staff, elsewhere):
    _, osaka_staff = elsewhere
    add_opt_out(acting_user=staff, number="090-1234-5678")
    add_opt_out(acting_user=osaka_staff, number="090-1234-5678")
    assert OptOut.objects.count() == 2


@pytest.mark.parametrize("role", ["operator", "visitor", "inspector", "admin"])
def test_only_supervisors_and_staff_add_opt_outs(users_by_role, role):
    with pytest.raises(PermissionDenied):
        add_opt_out(acting_user=users_by_role[role], number="090-1234-5678")
    assert not OptOut.objects.exists()


def test_adding_is_logged_with_the_user_and_address(supervisor):
    with serving_client("10.0.0.8"):
        opt_out = add_opt_out(acting_user=supervisor, number="09012345678")
    entry = AccessLogEntry.objects.get(object_type="sms.optout")
    assert (entry.actor, entry.action, entry.object_id) == (supervisor, "create", str(opt_out.pk))
    assert entry.fields == ["phone"]
    assert entry.ip_address == "10.0.0.8"


# --- remove_opt_out -------------------------------------------------------------------------------


def test_removing_deletes_the_opt_out_and_logs_it(staff, municipality):
    opt_out = OptOutFactory(municipality=municipality, source=OptOutSource.REPLY)
    remove_opt_out(acting_user=staff, opt_out=opt_out)
    assert not OptOut.objects.exists()
    entry = AccessLogEntry.objects.get(object_type="sms.optout", action="delete")
    assert (entry.actor, entry.object_id) == (staff, str(opt_out.pk))
    assert "返信（停止ワード）" in entry.reason


def test_another_municipalitys_opt_out_cannot_be_removed(staff, elsewhere):
    other, _ = elsewhere
    theirs = OptOutFactory(municipality=other)
    with pytest.raises(OptOut.DoesNotExist):
        remove_opt_out(acting_user=staff, opt_out=theirs)
    assert OptOut.objects.filter(pk=theirs.pk).exists()


def test_inspectors_cannot_remove(inspector, municipality):
    opt_out = OptOutFactory(municipality=municipality)
    with pytest.raises(PermissionDenied):
        remove_opt_out(acting_user=inspector, opt_out=opt_out)
    assert OptOut.objects.filter(pk=opt_out.pk).exists()


# --- Selectors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_may_view_and_change(users_by_role, role):
    user = users_by_role[role]
    assert may_view_opt_outs(user) is (role in VIEWERS)
    assert may_change_opt_outs(user) is (role in CHANGERS)


def test_each_user_sees_their_municipalitys_opt_outs_only(staff, operator, elsewhere, municipality):
    mine = OptOutFactory(municipality=municipality)
    OptOutFactory(municipality=elsewhere[0])
    assert list(opt_outs_for(staff)) == [mine]
    assert not opt_outs_for(operator).exists()


def test_is_opted_out_reads_any_notation_in_one_municipality(municipality, elsewhere):
    OptOutFactory(municipality=municipality, display="090-1234-5678", number="+819012345678")
    assert is_opted_out(municipality.pk, "０９０１２３４５６７８") is True
    assert is_opted_out(municipality.pk, "090-1234-5679") is False
    assert is_opted_out(elsewhere[0].pk, "090-1234-5678") is False
    assert is_opted_out(municipality.pk, "not a number") is False


def test_search_by_whole_number_or_four_digits(staff, municipality):
    first = OptOutFactory(
        municipality=municipality, display="090-1234-5678", number="+819012345678"
    )
    second = OptOutFactory(
        municipality=municipality, display="080-9999-5678", number="+818099995678"
    )
    assert search_opt_outs(staff, "09012345678").rows == [first]
    assert set(search_opt_outs(staff, "5678").rows) == {first, second}
    assert search_opt_outs(staff, "090-1234").rows == [first]
    short = search_opt_outs(staff, "56")
    assert (short.rows, bool(short.error)) == ([], True)
    assert search_opt_outs(staff, "").count == 2


def test_a_batch_leaves_an_opted_out_number_out(staff, supervisor, municipality):
    campaign = CampaignFactory(
        municipality=municipality, channel=CampaignChannel.SMS, min_days_between_contacts=0
    )
    account = AccountFactory(obligor__municipality=municipality, revenue_type="nhi")
    InstallmentFactory(account=account, assessed=8_000, paid=0)
    PhoneFactory(obligor=account.obligor, display="090-1234-5678")
    item = WorkItemFactory(campaign=campaign, obligor=account.obligor)
    item.accounts.set([account])
    now = dt.datetime(2025, 6, 10, 10, tzinfo=TOKYO)
    before = campaign_targets(campaign, "nhi", user=supervisor, now=now)
    assert [target.obligor_id for target in before.people] == [account.obligor_id]
    add_opt_out(acting_user=staff, number="+81 90 1234 5678")
    after = campaign_targets(campaign, "nhi", user=supervisor, now=now)
    assert (after.people, after.skipped) == ([], {"opted_out": 1})


# --- The page -------------------------------------------------------------------------------------


def test_the_page_lists_numbers_newest_first_and_logs_the_view(client, staff, municipality):
    OptOutFactory(municipality=municipality, display="090-1111-2222", number="+819011112222")
    OptOutFactory(municipality=municipality, display="090-3333-4444", number="+819033334444")
    sign_in(client, staff)
    response = client.get(reverse("sms:optouts"))
    page = response.content.decode()
    assert page.index("090-3333-4444") < page.index("090-1111-2222")
    entry = AccessLogEntry.objects.get(actor=staff, action="view")
    assert entry.fields == ["phone"]
    assert "2件" in entry.reason


def test_an_empty_list_logs_no_view(client, staff, municipality):
    sign_in(client, staff)
    assert client.get(reverse("sms:optouts")).status_code == 200
    assert not AccessLogEntry.objects.filter(actor=staff, action="view").exists()


def test_the_page_searches_by_number(client, staff, municipality):
    OptOutFactory(municipality=municipality, display="090-1111-2222", number="+819011112222")
    OptOutFactory(municipality=municipality, display="090-3333-4444", number="+819033334444")
    sign_in(client, staff)
    page = client.get(reverse("sms:optouts"), {"q": "09033334444"}).content.decode()
    assert "090-3333-4444" in page and "090-1111-2222" not in page
    short = client.get(reverse("sms:optouts"), {"q": "12"}).content.decode()
    assert "4 桁以上" in short


def test_adding_from_the_page_redirects_to_the_list(client, supervisor, municipality):
    sign_in(client, supervisor)
    response = client.post(reverse("sms:optouts"), {"number": "09012345678", "note": "窓口で申出"})
    assert response.status_code == 302
    assert response.url == reverse("sms:optouts")
    opt_out = OptOut.objects.get()
    assert (opt_out.number, opt_out.note, opt_out.created_by) == (
        "+819012345678",
        "窓口で申出",
        supervisor,
    )
    assert "090-1234-5678 を受信拒否に登録しました" in client.get(response.url).content.decode()


def test_a_wrong_number_shows_the_error_summary_and_keeps_the_input(client, staff, municipality):
    sign_in(client, staff)
    response = client.post(reverse("sms:optouts"), {"number": "0901234", "note": "メモ"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="error-summary"' in page
    assert "電話番号として正しくありません" in page
    assert 'value="0901234"' in page
    assert not OptOut.objects.exists()


def test_a_duplicate_from_the_page_is_a_field_error(client, staff, municipality):
    OptOutFactory(municipality=municipality, display="090-1234-5678", number="+819012345678")
    sign_in(client, staff)
    response = client.post(reverse("sms:optouts"), {"number": "090 1234 5678"})
    assert response.status_code == 200
    assert "既に受信拒否に登録されています" in response.content.decode()


def test_inspectors_read_the_list_without_the_form_or_buttons(client, inspector, municipality):
    opt_out = OptOutFactory(municipality=municipality)
    sign_in(client, inspector)
    page = client.get(reverse("sms:optouts")).content.decode()
    assert opt_out.display in page
    assert 'data-testid="optout-form"' not in page
    assert reverse("sms:optout_delete", args=[opt_out.pk]) not in page


def test_removing_from_the_page(client, staff, municipality):
    opt_out = OptOutFactory(municipality=municipality)
    sign_in(client, staff)
    response = client.post(reverse("sms:optout_delete", args=[opt_out.pk]))
    assert response.status_code == 302
    assert not OptOut.objects.exists()


def test_removing_another_municipalitys_number_is_404(client, staff, elsewhere):
    theirs = OptOutFactory(municipality=elsewhere[0])
    sign_in(client, staff)
    assert client.post(reverse("sms:optout_delete", args=[theirs.pk])).status_code == 404
    assert OptOut.objects.filter(pk=theirs.pk).exists()


def test_removing_needs_a_post(client, staff, municipality):
    opt_out = OptOutFactory(municipality=municipality)
    sign_in(client, staff)
    assert client.get(reverse("sms:optout_delete", args=[opt_out.pk])).status_code == 405
    assert OptOut.objects.exists()


# --- Who may open what ----------------------------------------------------------------------------


@pytest.fixture
def all_users(users_by_role, outsider):
    return {**users_by_role, "outsider": outsider}


PAGE_EXPECTED = {
    "anonymous": 302,
    "operator": 403,
    "outsider": 403,
    "visitor": 403,
    "supervisor": 200,
    "staff": 200,
    "inspector": 200,
    "admin": 403,
}
CHANGE_EXPECTED = {**PAGE_EXPECTED, "inspector": 403, "supervisor": 302, "staff": 302}


def _client_for(client, all_users, who):
    if who != "anonymous":
        sign_in(client, all_users[who])
    return client


@pytest.mark.parametrize("who", list(PAGE_EXPECTED))
@pytest.mark.parametrize("name", ["sms:optouts", "sms:replies"])
def test_reading_pages_permission_matrix(client, all_users, who, name):
    response = _client_for(client, all_users, who).get(reverse(name))
    assert response.status_code == PAGE_EXPECTED[who]
    if who == "anonymous":
        assert "login" in response.url


@pytest.mark.parametrize("who", list(CHANGE_EXPECTED))
def test_adding_permission_matrix(client, all_users, who):
    response = _client_for(client, all_users, who).post(
        reverse("sms:optouts"), {"number": "090-1234-5678"}
    )
    assert response.status_code == CHANGE_EXPECTED[who]
    assert OptOut.objects.exists() is (CHANGE_EXPECTED[who] == 302 and who != "anonymous")


@pytest.mark.parametrize("who", list(CHANGE_EXPECTED))
def test_removing_permission_matrix(client, all_users, municipality, who):
    opt_out = OptOutFactory(municipality=municipality)
    response = _client_for(client, all_users, who).post(
        reverse("sms:optout_delete", args=[opt_out.pk])
    )
    assert response.status_code == CHANGE_EXPECTED[who]
    removed = not OptOut.objects.filter(pk=opt_out.pk).exists()
    assert removed is (who in CHANGERS)


@pytest.mark.parametrize("who", list(PAGE_EXPECTED))
def test_the_replies_page_refuses_a_post(client, all_users, who):
    response = _client_for(client, all_users, who).post(reverse("sms:replies"))
    assert response.status_code == {"anonymous": 302}.get(who, 405)
