"""The case screen (dunning:case): scope, history per revenue type, logging, the result form."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from civicdesk.audit.models import AccessLogEntry
from civicdesk.dunning.choices import ContactChannel, ContactOutcome, ContactParty, WorkItemStatus
from civicdesk.dunning.models import Contact, InboundCall, WorkItem
from civicdesk.dunning.selectors.cases import case_view
from civicdesk.registry.models import Obligor
from tests.conftest import sign_in
from tests.dunning.factories import CampaignFactory, ContactFactory, WorkItemFactory, cover
from tests.registry.factories import (
    AccountFactory,
    InstallmentFactory,
    ObligorFactory,
    PhoneFactory,
)

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY_10 = dt.datetime(2025, 6, 2, 10, 0, tzinfo=TOKYO)
# Session, user, obligor_view's own queries, ours (accounts, phones, history + 2 prefetches,
# hand-overs, lease) and the access-log append: none of them per row.
MAX_QUERIES = 30


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(MONDAY_10, tick=True):
        yield


@pytest.fixture
def person(municipality, calendars):
    obligor = ObligorFactory(municipality=municipality, name="江東 花子")
    nhi = AccountFactory(obligor=obligor, revenue_type="nhi", case_no="N-0001")
    tax = AccountFactory(obligor=obligor, revenue_type="resident_tax", case_no="R-0001")
    InstallmentFactory(account=nhi, period="1", assessed=12_000, due_date=dt.date(2025, 4, 30))
    InstallmentFactory(
        account=nhi, period="2", assessed=8_000, paid=3_000, due_date=dt.date(2025, 5, 31)
    )
    InstallmentFactory(account=tax, period="1", assessed=50_000, due_date=dt.date(2025, 4, 30))
    phone = PhoneFactory(obligor=obligor, display="090-1234-5678")
    nhi_contact = cover(
        ContactFactory(obligor=obligor, note="国保の話をした", at=MONDAY_10 - dt.timedelta(days=7)),
        nhi,
    )
    tax_contact = cover(
        ContactFactory(
            obligor=obligor, note="住民税の話をした", at=MONDAY_10 - dt.timedelta(days=6)
        ),
        tax,
    )
    return SimpleNamespace(
        obligor=obligor,
        nhi=nhi,
        tax=tax,
        phone=phone,
        nhi_contact=nhi_contact,
        tax_contact=tax_contact,
    )


@pytest.fixture
def nhi_only(municipality):
    obligor = ObligorFactory(municipality=municipality)
    InstallmentFactory(account=AccountFactory(obligor=obligor, revenue_type="nhi"))
    return obligor


def url(obligor, **query) -> str:
    base = reverse("dunning:case", args=[obligor.pk if hasattr(obligor, "pk") else obligor])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def leased(municipality, operator, person):
    campaign = CampaignFactory(municipality=municipality, script="こちらは江東区役所です。")
    item = WorkItemFactory(
        campaign=campaign,
        obligor=person.obligor,
        lease_owner=operator,
        lease_expires_at=MONDAY_10 + dt.timedelta(minutes=10),
    )
    item.accounts.set([person.nhi])
    return item


def result(**values) -> dict:
    data = {
        "party": "self",
        "outcome": "will_pay",
        "revenue_types": ["nhi"],
        "promise_amount_1": "17000",
    }
    data.update(values)
    return data


# --- who sees what -----------------------------------------------------------------------------


def test_operator_sees_person_phones_accounts_and_the_nhi_history_only(client, operator, person):
    sign_in(client, operator)
    response = client.get(url(person.obligor))
    assert response.status_code == 200
    page = response.content.decode()
    assert "江東 花子" in page
    assert 'href="tel:+819012345678"' in page
    assert "N-0001" in page and "R-0001" not in page
    assert "国保の話をした" in page
    assert "住民税の話をした" not in page
    view = response.context["case"]
    assert [entry.contact.pk for entry in view.history] == [person.nhi_contact.pk]
    assert view.phones[0].pk == person.phone.pk
    assert view.default_promise_amount == 17_000  # 12,000 + (8,000 − 3,000), nhi only


def test_another_team_sees_its_own_history_and_not_the_nhi_one(client, outsider, person):
    sign_in(client, outsider)
    page = client.get(url(person.obligor)).content.decode()
    assert "住民税の話をした" in page
    assert "国保の話をした" not in page


def test_a_contact_covering_both_types_shows_only_the_visible_type(client, operator, person):
    both = cover(ContactFactory(obligor=person.obligor, note="両方"), person.nhi, person.tax)
    sign_in(client, operator)
    view = client.get(url(person.obligor)).context["case"]
    entry = next(e for e in view.history if e.contact.pk == both.pk)
    assert entry.revenue_type_labels == ["国民健康保険料"]


def test_an_outsider_gets_the_same_404_as_for_a_missing_person(client, outsider, nhi_only):
    sign_in(client, outsider)
    out_of_scope = client.get(url(nhi_only))
    missing = client.get(url(Obligor.objects.order_by("-pk").first().pk + 1000))
    assert out_of_scope.status_code == missing.status_code == 404
    assert out_of_scope.content == missing.content
    assert client.post(url(nhi_only), result()).status_code == 404


@pytest.mark.parametrize(
    ("role", "get_status", "post_status"),
    [
        ("operator", 200, 302),
        ("visitor", 200, 302),
        ("supervisor", 200, 302),
        ("staff", 200, 403),
        ("inspector", 403, 403),
        ("admin", 403, 403),
    ],
)
def test_who_may_open_the_case_and_record(
    client, users_by_role, person, role, get_status, post_status
):
    sign_in(client, users_by_role[role])
    response = client.get(url(person.obligor))
    assert response.status_code == get_status
    if get_status == 200:
        assert ('data-testid="result-form"' in response.content.decode()) is (post_status == 302)
    assert client.post(url(person.obligor), result()).status_code == post_status


def test_anonymous_visitors_are_sent_to_sign_in(client, person):
    response = client.get(url(person.obligor))
    assert response.status_code == 302 and "login" in response.url


def test_every_view_is_logged_with_the_fields_shown(client, operator, person):
    sign_in(client, operator)
    client.get(url(person.obligor))
    entry = AccessLogEntry.objects.filter(action="view", object_type="registry.obligor").get()
    assert entry.actor == operator
    assert entry.object_id == str(person.obligor.pk)
    assert {"name", "phone", "unpaid", "due_date", "contacts", "note"} <= set(entry.fields)
    assert entry.fields == case_view(operator, person.obligor).fields_shown


def test_the_case_page_makes_a_bounded_number_of_queries(
    client, operator, person, leased, django_assert_max_num_queries
):
    sign_in(client, operator)
    client.get(url(person.obligor))  # warm caches (content types, calendars)
    with django_assert_max_num_queries(MAX_QUERIES), CaptureQueriesContext(connection) as few:
        assert client.get(url(person.obligor)).status_code == 200
    for n in range(20):
        cover(ContactFactory(obligor=person.obligor, note=f"追加{n}"), person.nhi)
        PhoneFactory(obligor=person.obligor, display=f"03-1234-{5600 + n}")
        InstallmentFactory(account=person.nhi, period=str(3 + n % 10), fiscal_year=2000 + n)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url(person.obligor)).status_code == 200
    assert len(many) == len(few), "queries grow with the number of contacts, phones or installments"


def test_the_campaign_script_shows_for_the_held_item(client, operator, person, leased):
    sign_in(client, operator)
    page = client.get(url(person.obligor)).content.decode()
    assert "こちらは江東区役所です。" in page
    assert "保存して次の案件" in page


# --- recording a result ------------------------------------------------------------------------


def test_a_result_for_queue_work_is_saved_and_ends_the_lease(client, operator, person, leased):
    sign_in(client, operator)
    response = client.post(
        url(person.obligor),
        result(note="給料日に払う", phone=str(person.phone.pk), hot_voice="on"),
    )
    assert response.status_code == 302
    try:
        assert response.url == reverse("dunning:work")
    except NoReverseMatch:
        assert response.url == url(person.obligor)
    contact = Contact.objects.get(work_item=leased)
    assert (contact.channel, contact.party, contact.outcome) == (
        "outbound_call",
        "self",
        "will_pay",
    )
    assert (contact.note, contact.hot_voice, contact.phone) == ("給料日に払う", True, person.phone)
    assert list(contact.accounts.all()) == [person.nhi]
    leased.refresh_from_db()
    assert leased.lease_owner is None and leased.status == WorkItemStatus.DONE


def test_a_promise_and_a_collected_number_are_saved_from_the_form(client, operator, person):
    sign_in(client, operator)
    response = client.post(
        url(person.obligor),
        result(
            outcome="promise",
            promise_date_1="2025-06-10",
            promise_amount_2="3000",
            promise_date_2="2025-06-20",
            new_phone="080-9999-0000",
        ),
    )
    assert response.status_code == 302
    contact = Contact.objects.filter(outcome=ContactOutcome.PROMISE).get()
    assert [
        (p.amount, p.promised_on.isoformat()) for p in contact.promises.order_by("promised_on")
    ] == [
        (17_000, "2025-06-10"),
        (3_000, "2025-06-20"),
    ]
    assert person.obligor.phones.filter(number="+818099990000", source="collected").exists()
    page = client.get(response.url).content.decode()
    assert "折衝記録を登録しました" in page


def test_errors_are_shown_in_japanese_next_to_the_fields_and_summarised(client, operator, person):
    sign_in(client, operator)
    response = client.post(
        url(person.obligor),
        result(party="none", outcome="promise", promise_date_1="2025-06-07", revenue_types=[]),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "対象の税目・保険料を1つ以上選んでください。" in form.errors["revenue_types"]
    page = response.content.decode()
    assert 'id="error-summary"' in page and "autofocus" in page
    # A checkbox group's error links to its first box, a single field's to the field itself.
    revenue_types = form["revenue_types"].auto_id
    assert f'href="#{revenue_types}_0"' in page and f'id="{revenue_types}_0"' in page
    assert f'href="#{form["promise_amount_1"].auto_id}"' not in page
    assert not Contact.objects.exclude(
        pk__in=[person.nhi_contact.pk, person.tax_contact.pk]
    ).exists()


def test_service_errors_land_on_their_fields(client, operator, person):
    sign_in(client, operator)
    response = client.post(
        url(person.obligor),
        result(party="none", outcome="promise", promise_date_1="2025-06-07"),
    )
    form = response.context["form"]
    assert form.errors["outcome"][0].startswith("結果: 相手が不通のときは")
    assert "閉庁日（土曜日）" in form.errors["promise_date_1"][0]
    assert "閉庁日（土曜日）" in response.content.decode()


def test_save_and_next_claims_the_next_case(client, operator, person, leased, municipality):
    following = WorkItemFactory(
        campaign=leased.campaign, obligor=ObligorFactory(municipality=municipality), priority=10
    )
    InstallmentFactory(account=AccountFactory(obligor=following.obligor, revenue_type="nhi"))
    following.accounts.set(following.obligor.accounts.all())
    sign_in(client, operator)
    response = client.post(url(person.obligor), result(next="1"))
    assert response.status_code == 302
    assert response.url == url(following.obligor)
    following.refresh_from_db()
    assert following.lease_owner == operator


def test_an_inbound_call_is_recorded_as_such(client, operator, person, municipality, leased):
    call = InboundCall.objects.create(
        municipality=municipality,
        caller="+819012345678",
        caller_display="090-1234-5678",
        received_at=MONDAY_10,
    )
    sign_in(client, operator)
    page = client.get(url(person.obligor, inbound=call.pk)).content.decode()
    assert "受電" in page and "保存して次の案件" not in page
    response = client.post(url(person.obligor, inbound=call.pk), result(outcome="inquiry"))
    assert response.status_code == 302
    contact = Contact.objects.get(channel=ContactChannel.INBOUND_CALL)
    assert contact.work_item is None  # the held queue item is left as it is
    call.refresh_from_db()
    assert call.taken_by == operator
    assert WorkItem.objects.get(pk=leased.pk).lease_owner == operator


def test_the_recorded_contact_appears_in_the_history(client, operator, person):
    sign_in(client, operator)
    client.post(
        url(person.obligor), result(party="family", outcome="message_left", note="妻に伝言")
    )
    view = client.get(url(person.obligor)).context["case"]
    latest = view.history[0].contact
    assert (latest.party, latest.note) == (ContactParty.FAMILY, "妻に伝言")
