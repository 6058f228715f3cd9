"""The request pages: the clerk's form for the ticket at the counter (the procedure's checklist,
only its personal items), bad input shown in Japanese with nothing saved, the request page
and the review pages logging what they show, the desk's work panel, paper and plates; who
may open them and another municipality's request answering 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from civicdesk.audit.models import AccessLogEntry
from civicdesk.counter.choices import RequestStatus
from civicdesk.counter.models import PaperMovement, PlateLoan, Request
from civicdesk.counter.services import plates, requests
from tests.conftest import TEST_NOW, _user, sign_in
from tests.counter.factories import ProcedureFactory, QueueFactory
from tests.counter.flow import NAME, open_full, serving_ticket
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db


def _views_logged(request_pk=None):
    entries = AccessLogEntry.objects.filter(action="view")
    if request_pk is not None:
        entries = entries.filter(object_type="counter.request", object_id=str(request_pk))
    return list(entries.order_by("seq"))


def _form_data(procedure, **overrides):
    data = {
        "procedure": procedure.pk,
        "requester_kind": "self",
        "quantity": "1",
        "checks": list(procedure.checklist),
        "identity_document": "運転免許証",
        "requester_name": NAME,
    }
    data.update(overrides)
    return data


def test_the_form_shows_the_checklist_and_only_the_procedures_personal_items(
    client, desk, reception, clerk
):
    ticket = serving_ticket(desk, reception, clerk)
    sign_in(client, clerk)
    url = reverse("counter:request_new", args=[ticket.pk])
    page = client.get(url, {"procedure": desk.certificate.pk}).content.decode()
    for item in desk.certificate.checklist:
        assert item in page
    assert 'name="requester_name"' in page
    for absent in ("subject_name", "mailing_address", "vehicle_chassis_no"):
        assert f'name="{absent}"' not in page


def test_a_request_taken_through_the_form_and_its_page_logs_the_items_shown(
    client, desk, reception, clerk
):
    ticket = serving_ticket(desk, reception, clerk)
    sign_in(client, clerk)
    url = reverse("counter:request_new", args=[ticket.pk])
    # A personal item the procedure does not record is not on the form: never stored.
    response = client.post(url, _form_data(desk.certificate, mailing_address="一関市竹山町"))
    made = Request.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("counter:request_detail", args=[made.pk])
    assert (made.requester_name, made.mailing_address, made.identity_document) == (
        NAME,
        "",
        "運転免許証",
    )
    page = client.get(response.url).content.decode()
    assert NAME in page and "審査依頼" in page
    [entry] = _views_logged(made.pk)
    assert entry.fields == ["requester_name"] and entry.actor_id == clerk.pk


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"quantity": "0"}, "通数は1〜99の整数で入力してください。"),
        ({"quantity": "100"}, "通数は1〜99の整数で入力してください。"),
        ({"requester_kind": "official"}, "公用請求では請求機関"),
    ],
)
def test_bad_input_is_shown_in_japanese_and_nothing_is_saved(
    client, desk, reception, clerk, overrides, message
):
    ticket = serving_ticket(desk, reception, clerk)
    sign_in(client, clerk)
    url = reverse("counter:request_new", args=[ticket.pk])
    response = client.post(url, _form_data(desk.certificate, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Request.objects.exists()


def test_a_postal_request_is_taken_without_a_ticket(client, desk, clerk):
    sign_in(client, clerk)
    url = reverse("counter:request_new_postal")
    response = client.post(url, _form_data(desk.certificate, requester_kind="postal"))
    assert response.status_code == 302
    assert Request.objects.get().ticket is None


def test_the_list_shows_no_personal_items(client, desk, reception, clerk):
    open_full(clerk, desk.certificate, serving_ticket(desk, reception, clerk))
    sign_in(client, clerk)
    page = client.get(reverse("counter:requests")).content.decode()
    assert "住民票の写し" in page and NAME not in page
    assert not _views_logged()


def test_reception_and_outsiders_get_no_request_page(
    client, desk, reception, clerk, operator, inspector
):
    made = open_full(clerk, desk.certificate, serving_ticket(desk, reception, clerk))
    ticket_url = reverse("counter:request_new", args=[made.ticket_id])
    for user in (reception, operator, inspector):
        sign_in(client, user)
        for url in (
            reverse("counter:requests"),
            reverse("counter:request_detail", args=[made.pk]),
            ticket_url,
            reverse("counter:reviews"),
        ):
            response = client.get(url)
            assert response.status_code == 403, (user.role, url)
            assert NAME not in response.content.decode()


def test_a_request_of_another_municipality_answers_404(client, desk, reception, clerk):
    made = open_full(clerk, desk.certificate, serving_ticket(desk, reception, clerk))
    elsewhere = MunicipalityFactory(code="032093", name="一関市（テスト）")
    other_clerk = _user("counter_clerk", elsewhere, username="clerk_elsewhere")
    sign_in(client, other_clerk)
    assert client.get(reverse("counter:request_detail", args=[made.pk])).status_code == 404
    queue = QueueFactory(municipality=elsewhere, code="A")
    other = ProcedureFactory(municipality=elsewhere, queue=queue)
    url = reverse("counter:request_new", args=[made.ticket_id])
    assert client.get(url, {"procedure": other.pk}).status_code == 404


def test_staff_review_page_logs_the_items_and_approves(client, desk, reception, clerk, staff):
    made = open_full(clerk, desk.certificate, serving_ticket(desk, reception, clerk))
    requests.submit_for_review(acting_user=clerk, request=made)
    sign_in(client, staff)
    queue = client.get(reverse("counter:reviews")).content.decode()
    assert "住民票の写し" in queue and NAME not in queue
    url = reverse("counter:request_review", args=[made.pk])
    page = client.get(url).content.decode()
    assert NAME in page
    assert _views_logged(made.pk)[-1].actor_id == staff.pk
    response = client.post(url, {"decision": "return", "reason": ""})
    assert "差戻しの理由を入力してください。" in response.content.decode()
    made.refresh_from_db()
    assert made.status == RequestStatus.REVIEW
    response = client.post(url, {"decision": "approve", "reason": ""})
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.status == RequestStatus.APPROVED


def test_a_clerk_cannot_open_or_post_the_review_page(client, desk, reception, clerk):
    made = open_full(clerk, desk.certificate, serving_ticket(desk, reception, clerk))
    requests.submit_for_review(acting_user=clerk, request=made)
    sign_in(client, clerk)
    url = reverse("counter:request_review", args=[made.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"decision": "approve"}).status_code == 403
    made.refresh_from_db()
    assert made.status == RequestStatus.REVIEW


def test_issuing_before_approval_is_refused_on_the_page(client, desk, reception, clerk):
    made = open_full(clerk, desk.certificate, serving_ticket(desk, reception, clerk))
    sign_in(client, clerk)
    response = client.post(reverse("counter:request_issue", args=[made.pk]), follow=True)
    assert "承認されるまで交付できません" in response.content.decode()
    made.refresh_from_db()
    assert made.status == RequestStatus.INTAKE


def test_the_desk_panel_lists_the_requests_and_sends_them_for_review_back_to_the_desk(
    client, desk, reception, clerk
):
    ticket = serving_ticket(desk, reception, clerk)
    made = open_full(clerk, desk.certificate, ticket)
    page = RequestFactory().get("/counter/desk/1/")
    page.user = clerk
    html = Template("{% load counter_work %}{% ticket_work ticket %}").render(
        Context({"ticket": ticket, "user": clerk, "request": page, "csrf_token": "x"})
    )
    assert "住民票の写し 1通" in html and NAME not in html
    assert reverse("counter:request_new", args=[ticket.pk]) in html
    assert reverse("counter:request_submit", args=[made.pk]) in html
    sign_in(client, clerk)
    response = client.post(
        reverse("counter:request_submit", args=[made.pk]), {"next": "/counter/desk/1/"}
    )
    assert response.status_code == 302 and response.url == "/counter/desk/1/"
    response = client.post(
        reverse("counter:request_withdraw", args=[made.pk]),
        {"reason": "取りやめ", "next": "https://elsewhere.example/"},
    )
    assert response.url == reverse("counter:request_detail", args=[made.pk])


def test_the_desk_panel_shows_nothing_to_reception(desk, reception, clerk):
    ticket = serving_ticket(desk, reception, clerk)
    open_full(clerk, desk.certificate, ticket)
    html = Template("{% load counter_work %}{% ticket_work ticket %}").render(
        Context({"ticket": ticket, "user": reception})
    )
    assert "住民票の写し" not in html


def test_the_paper_page_records_a_delivery_and_refuses_spoilage_without_reason(
    client, desk, clerk, staff
):
    sign_in(client, clerk)
    url = reverse("counter:paper")
    assert client.post(url, {"kind": "received", "sheets": "500", "note": ""}).status_code == 302
    response = client.post(url, {"kind": "spoiled", "sheets": "2", "note": ""})
    assert "書損の理由を入力してください" in response.content.decode()
    assert PaperMovement.objects.count() == 1
    sign_in(client, staff)
    page = client.get(url).content.decode()
    assert "500枚" in page and 'data-testid="paper-form"' not in page
    assert client.post(url, {"kind": "received", "sheets": "5"}).status_code == 403


def test_the_plate_pages_lend_return_and_log_the_ledger(client, desk, reception, clerk, staff):
    permit = ProcedureFactory(
        municipality=desk.certificate.municipality,
        code="rinji",
        name="自動車臨時運行許可",
        category="vehicle_permit",
        queue=desk.certificates,
        data_items=["requester_name", "vehicle_chassis_no"],
        requires_review=False,
        has_fee=False,
    )
    plate = plates.add_plate(acting_user=staff, number="一関 臨 7")
    made = open_full(
        clerk,
        permit,
        serving_ticket(desk, reception, clerk),
        items={"requester_name": NAME, "vehicle_chassis_no": "XYZ-0000001"},
    )
    sign_in(client, clerk)
    lend_url = reverse("counter:plate_lend", args=[made.pk])
    too_long = (TEST_NOW.date() + dt.timedelta(days=9)).isoformat()
    response = client.post(
        lend_url, {"plate": plate.pk, "permit_no": "R8-1", "valid_until": too_long}
    )
    assert "5日以内" in response.content.decode() and not PlateLoan.objects.exists()
    until = (TEST_NOW.date() + dt.timedelta(days=2)).isoformat()
    response = client.post(lend_url, {"plate": plate.pk, "permit_no": "R8-1", "valid_until": until})
    assert response.status_code == 302
    ledger = client.get(reverse("counter:plates")).content.decode()
    assert "XYZ-0000001" in ledger and "R8-1" in ledger
    assert _views_logged()[-1].fields == ["vehicle_chassis_no"]
    loan = PlateLoan.objects.get()
    client.post(reverse("counter:plate_return", args=[loan.pk]), {"returned_on": ""})
    loan.refresh_from_db()
    assert loan.returned_on == TEST_NOW.date()


def test_the_desk_page_shows_the_panel_of_the_ticket_at_the_counter(client, desk, reception, clerk):
    ticket = serving_ticket(desk, reception, clerk)
    made = open_full(clerk, desk.certificate, ticket)
    sign_in(client, clerk)
    client.post(reverse("counter:desk_counter"), {"counter": desk.window1.pk})
    page = client.get(reverse("counter:desk")).content.decode()
    assert 'data-testid="ticket-work"' in page and "住民票の写し 1通" in page
    assert f'data-testid="work-submit-{made.pk}"' in page and NAME not in page
    response = client.post(
        reverse("counter:request_submit", args=[made.pk]), {"next": reverse("counter:desk")}
    )
    assert response.url == reverse("counter:desk")
    made.refresh_from_db()
    assert made.status == RequestStatus.REVIEW
