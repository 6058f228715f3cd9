"""Reception (窓口受付): issuing from a procedure or a queue, the ticket page and its 80 mm slip,
counter hours, a resent form, and who may open the page."""

from __future__ import annotations

import uuid

import pytest
import time_machine
from django.urls import reverse

from civicdesk.counter.choices import TicketEventKind
from civicdesk.counter.models import Queue, Ticket, TicketEvent
from civicdesk.counter.services import tickets
from tests.conftest import TEST_NOW, _user, sign_in
from tests.factories import MunicipalityFactory
from tests.pdf import pdftotext

pytestmark = pytest.mark.django_db

URL = reverse("counter:reception")


@pytest.fixture
def at_reception(client, reception, desk):
    sign_in(client, reception)
    return client


def test_the_page_offers_each_procedure_by_category_and_each_queue(at_reception, desk):
    page = at_reception.get(URL).content.decode()
    assert "各種証明書" in page and "住民異動" in page
    assert f'name="procedure" value="{desk.certificate.pk}"' in page
    assert f'name="queue" value="{desk.moves.pk}"' in page
    assert "受付中（本日の受付時間 8:30〜17:15）" in page


def test_a_procedure_tap_issues_a_ticket_in_its_queue_and_shows_it_large(at_reception, desk):
    response = at_reception.post(URL, {"procedure": desk.move.pk, "client_key": str(uuid.uuid4())})
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("counter:reception_ticket", args=[ticket.pk])
    assert (ticket.queue, ticket.procedure, ticket.number) == (desk.moves, desk.move, 1)
    page = at_reception.get(response["Location"]).content.decode()
    assert "B-001" in page and "転入届" in page
    assert 'data-testid="ahead">0<' in page


def test_a_queue_tap_issues_without_a_procedure_and_counts_who_waits_ahead(at_reception, desk):
    for _ in range(2):
        at_reception.post(URL, {"queue": desk.certificates.pk, "client_key": str(uuid.uuid4())})
    third = at_reception.post(URL, {"queue": desk.certificates.pk})
    ticket = Ticket.objects.get(number=3)
    assert ticket.procedure is None and ticket.client_key is None
    page = at_reception.get(third["Location"]).content.decode()
    assert "A-003" in page and 'data-testid="ahead">2<' in page


def test_a_resent_form_returns_the_first_ticket_and_uses_no_number(at_reception, desk):
    key = str(uuid.uuid4())
    first = at_reception.post(URL, {"procedure": desk.certificate.pk, "client_key": key})
    again = at_reception.post(URL, {"procedure": desk.certificate.pk, "client_key": key})
    assert first["Location"] == again["Location"]
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.filter(kind=TicketEventKind.ISSUED).count() == 1
    following = at_reception.post(URL, {"queue": desk.certificates.pk, "client_key": uuid.uuid4()})
    assert Ticket.objects.get(pk=following.url.split("/")[-2]).number == 2


def test_outside_counter_hours_the_page_says_so_and_issuing_is_refused(client, reception, desk):
    with time_machine.travel(TEST_NOW.replace(hour=18), tick=False):
        at_reception = client
        sign_in(client, reception)  # a session signed in hours ago would have expired
        page = at_reception.get(URL).content.decode()
        assert "受付時間外です（本日の受付時間 8:30〜17:15）" in page
        response = at_reception.post(URL, {"procedure": desk.certificate.pk})
    assert response.status_code == 200
    assert (
        "受付時間外です。番号札は窓口の開庁時間内にだけ発券できます。" in response.content.decode()
    )
    assert not Ticket.objects.exists()


def test_on_a_closed_day_the_page_names_the_day(client, reception, desk):
    sunday = TEST_NOW.replace(day=14)
    with time_machine.travel(sunday, tick=False):
        sign_in(client, reception)
        page = client.get(URL).content.decode()
    assert "受付時間外です（本日は日曜日のため閉庁）" in page


def test_a_procedure_of_another_municipality_is_not_a_choice(at_reception, desk):
    other = MunicipalityFactory(code="012025", name="他市")
    foreign = Queue.objects.create(municipality=other, code="A", name="他市の証明書")
    response = at_reception.post(URL, {"queue": foreign.pk})
    assert response.status_code == 200
    assert "待ち行列が見つかりません" in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_post_without_a_choice_is_refused_in_japanese(at_reception, desk):
    response = at_reception.post(URL, {"client_key": str(uuid.uuid4())})
    assert "手続か待ち行列を選んでください。" in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_slip_is_an_80_mm_pdf_with_queue_number_time_and_who_waits_ahead(at_reception, desk):
    tickets.issue_ticket(acting_user=None, queue=desk.certificates)
    response = at_reception.post(URL, {"procedure": desk.certificate.pk})
    ticket = Ticket.objects.get(number=2)
    slip = at_reception.get(reverse("counter:ticket_slip", args=[ticket.pk]))
    assert response.status_code == 302
    assert slip["Content-Type"] == "application/pdf"
    text = pdftotext(slip.content)
    assert "A-002" in text and "証明書" in text
    assert "2026年6月10日 10:00" in text
    assert "前にお待ちの方 1 人" in text
    assert "住民票の写し" not in text  # the slip names the queue only: nothing about the visit


def test_another_municipalitys_ticket_is_404(at_reception, desk):
    other = MunicipalityFactory(code="012025", name="他市")
    queue = Queue.objects.create(municipality=other, code="A", name="証明書")
    foreign = tickets.issue_ticket(acting_user=None, queue=queue, check_hours=False)
    assert (
        at_reception.get(reverse("counter:reception_ticket", args=[foreign.pk])).status_code == 404
    )
    assert at_reception.get(reverse("counter:ticket_slip", args=[foreign.pk])).status_code == 404


def test_a_supervisor_may_open_reception_but_issues_only_with_the_permission(
    client, supervisor, desk
):
    sign_in(client, supervisor)
    page = client.get(URL)
    assert page.status_code == 200
    expected = 302 if supervisor.has_perm("counter.add_ticket") else 403
    assert client.post(URL, {"queue": desk.certificates.pk}).status_code == expected


@pytest.mark.parametrize("role", ["counter_clerk", "cashier", "staff", "operator", "inspector"])
def test_other_roles_may_not_open_reception(client, municipality, desk, role):
    sign_in(client, _user(role, municipality))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"queue": desk.certificates.pk}).status_code == 403
    assert not Ticket.objects.exists()


def test_reception_links_to_the_bereavement_desks_check_in(at_reception):
    page = at_reception.get(URL).content.decode()
    assert f'href="{reverse("counter:bereavement_reception")}"' in page
