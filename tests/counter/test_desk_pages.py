"""The desk screen (窓口担当・会計担当): choosing a counter, every button as a plain POST, a racing
second 次の方, recalls up to 不在, transfer, park and resume, the cashier's calls, and who may
act on which ticket."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from civicdesk.counter.choices import TicketEventKind, TicketStatus
from civicdesk.counter.models import Counter, Queue, Ticket, TicketEvent
from civicdesk.counter.services import tickets
from civicdesk.counter.views.desk import SESSION_KEY
from tests.conftest import _user, sign_in
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

DESK = reverse("counter:desk")


def at_counter(client, user, counter):
    sign_in(client, user)
    response = client.post(reverse("counter:desk_counter"), {"counter": counter.pk}, follow=True)
    assert said(response) == [f"{counter.name}で受け付けます。"], response.content.decode()
    return client


def press_next(client):
    # Followed, as a browser does: the page shows (and so uses up) the message.
    return client.post(reverse("counter:desk_next"), follow=True)


def act(client, name, ticket):
    return client.post(reverse(f"counter:{name}", args=[ticket.pk]), follow=True)


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def issue(desk, queue=None, count=1):
    return [
        tickets.issue_ticket(acting_user=None, queue=queue or desk.certificates)
        for _ in range(count)
    ]


def events_of(ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))


def test_without_a_counter_the_desk_asks_for_one_of_the_users_kind(client, clerk, desk):
    sign_in(client, clerk)
    page = client.get(DESK).content.decode()
    assert "担当する窓口を選んでください" in page
    assert "1番窓口" in page and "2番窓口" in page
    assert "会計" not in page.split("<main")[1]  # a clerk's choice holds no cashier counter


def test_the_chosen_counter_is_kept_in_the_session(client, clerk, desk):
    at_counter(client, clerk, desk.window2)
    assert client.session[SESSION_KEY] == desk.window2.pk
    page = client.get(DESK).content.decode()
    assert "<h1>2番窓口" in page
    assert 'data-key="n"' in page


def test_a_clerk_cannot_choose_the_cashier(client, clerk, desk):
    sign_in(client, clerk)
    response = client.post(reverse("counter:desk_counter"), {"counter": desk.cash.pk})
    assert response.status_code == 200
    assert "その窓口は選べません" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_next_calls_and_shows_the_ticket_with_its_buttons(client, clerk, desk):
    issue(desk, count=2)
    at_counter(client, clerk, desk.window1)
    response = press_next(client)
    page = response.content.decode()
    assert said(response) == ["A-001 を呼び出しました。"]
    assert 'data-testid="current-number">A-001<' in page
    for key in ('data-key="enter"', 'data-key="r"', 'data-key="f"', 'data-key="h"', 'data-key="c"'):
        assert key in page
    assert re.search(r'data-testid="next"\s+disabled', page)  # 次の方 waits for this one
    transfer = page.split('data-testid="transfer-form"')[1].split("</form>")[0]
    assert f'value="{desk.moves.pk}"' in transfer
    assert f'value="{desk.certificates.pk}"' not in transfer  # it waits there already


def test_a_racing_second_next_is_refused_cleanly(client, clerk, desk):
    issue(desk, count=2)
    at_counter(client, clerk, desk.window1)
    press_next(client)
    response = press_next(client)
    assert response.status_code == 200
    assert said(response) == [
        "1番窓口はすでに A-001 を呼び出しています（呼出中）。完了・保留・不在のいずれかにしてから"
        "次の方を呼んでください。"
    ]
    assert Ticket.objects.get(number=2).status == TicketStatus.WAITING


def test_next_with_nobody_waiting_says_so(client, clerk, desk):
    at_counter(client, clerk, desk.window1)
    response = press_next(client)
    assert said(response) == ["お待ちの方はいません。"]


def test_recalls_then_the_one_past_the_limit_makes_a_no_show(client, clerk, desk):
    (ticket,) = issue(desk)
    at_counter(client, clerk, desk.window1)
    press_next(client)
    for call in range(2, desk.certificates.recall_limit + 2):
        response = act(client, "desk_recall", ticket)
        assert said(response) == [f"A-001 を再呼出しました（{call}回目の呼出）。"]
    response = act(client, "desk_recall", ticket)
    assert said(response) == ["A-001 は再呼出の上限を超えたため不在にしました。"]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NO_SHOW
    assert events_of(ticket).count(TicketEventKind.RECALLED) == desk.certificates.recall_limit
    assert "呼び出している番号はありません" in response.content.decode()


def test_no_show_start_park_resume_finish(client, clerk, desk):
    first, second = issue(desk, count=2)
    at_counter(client, clerk, desk.window1)
    press_next(client)
    assert said(act(client, "desk_no_show", first)) == ["A-001 を不在にしました。"]
    press_next(client)
    act(client, "desk_start", second)
    response = client.post(
        reverse("counter:desk_park", args=[second.pk]), {"note": "書類を取りに戻る"}, follow=True
    )
    assert said(response) == ["A-002 を保留にしました。"]
    assert f'data-testid="resume-{second.pk}"' in response.content.decode()
    assert TicketEvent.objects.get(ticket=second, kind="parked").note == "書類を取りに戻る"
    act(client, "desk_resume", second)
    response = act(client, "desk_finish", second)
    assert said(response) == ["A-002 を完了にしました。"]
    assert events_of(second) == ["issued", "called", "started", "parked", "resumed", "done"]
    assert events_of(first) == ["issued", "called", "no_show"]


def test_transfer_sends_the_ticket_to_wait_in_the_chosen_queue(client, clerk, desk):
    (ticket,) = issue(desk)
    at_counter(client, clerk, desk.window1)
    press_next(client)
    response = client.post(
        reverse("counter:desk_transfer", args=[ticket.pk]),
        {"queue": desk.moves.pk, "note": "転入も"},
        follow=True,
    )
    assert said(response) == ["A-001 を「住民異動」へ転送しました。"]
    ticket.refresh_from_db()
    assert (ticket.status, ticket.waiting_in, ticket.counter) == (
        TicketStatus.WAITING,
        desk.moves,
        None,
    )
    event = TicketEvent.objects.get(ticket=ticket, kind="transferred")
    assert (event.queue, event.note) == (desk.moves, "転入も")


def test_transfer_without_a_queue_is_refused_and_changes_nothing(client, clerk, desk):
    (ticket,) = issue(desk)
    at_counter(client, clerk, desk.window1)
    press_next(client)
    response = act(client, "desk_transfer", ticket)
    assert said(response) == ["転送先の待ち行列を選んでください。"]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CALLED


def test_a_ticket_at_another_counter_is_404(client, clerk, desk):
    (ticket,) = issue(desk)
    tickets.call_next(acting_user=clerk, counter=desk.window2)
    at_counter(client, clerk, desk.window1)
    for name in ("desk_recall", "desk_no_show", "desk_finish", "desk_transfer"):
        assert client.post(reverse(f"counter:{name}", args=[ticket.pk])).status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CALLED


def test_a_ticket_of_another_municipality_is_404(client, clerk, desk):
    other = MunicipalityFactory(code="012025", name="他市")
    queue = Queue.objects.create(municipality=other, code="A", name="証明書")
    window = Counter.objects.create(municipality=other, code="1", name="1番窓口")
    window.counterqueue_set.create(queue=queue, position=1)
    foreign = tickets.issue_ticket(acting_user=None, queue=queue, check_hours=False)
    tickets.call_next(acting_user=None, counter=window)
    at_counter(client, clerk, desk.window1)
    assert client.post(reverse("counter:desk_finish", args=[foreign.pk])).status_code == 404
    sign_in(client, clerk)
    session = client.session
    session[SESSION_KEY] = window.pk  # a counter of another municipality is not this desk's
    session.save()
    assert "担当する窓口を選んでください" in client.get(DESK).content.decode()


def test_the_cashier_calls_the_tickets_waiting_for_pickup(client, clerk, cashier, desk):
    (ticket,) = issue(desk)
    tickets.call_next(acting_user=clerk, counter=desk.window1)
    tickets.send_to_pickup(acting_user=clerk, ticket=ticket)
    at_counter(client, cashier, desk.cash)
    page = client.get(DESK).content.decode()
    assert "交付・会計待ち" in page
    response = press_next(client)
    assert said(response) == ["A-001 を呼び出しました。"]
    page = response.content.decode()
    assert 'data-key="r"' in page and 'data-key="c"' in page
    assert 'data-key="h"' not in page and "transfer-form" not in page
    act(client, "desk_recall", ticket)
    act(client, "desk_finish", ticket)
    assert events_of(ticket) == [
        "issued",
        "called",
        "to_pickup",
        "pickup_called",
        "recalled",
        "done",
    ]


def test_the_desk_shows_the_waiting_counts_of_its_queues(client, clerk, desk):
    issue(desk, count=3)
    issue(desk, queue=desk.moves)
    at_counter(client, clerk, desk.window2)
    panel = client.get(reverse("counter:desk_waiting")).content.decode()
    assert 'data-queue="A"' in panel and 'data-queue="B"' in panel
    counts = panel.split('data-queue="B"')[1]
    assert '<strong class="desk-waiting-count">1</strong>' in counts
    assert '<strong class="desk-waiting-count">3</strong>' in panel


def test_the_desk_includes_the_work_area_for_the_current_ticket(client, clerk, desk):
    issue(desk)
    at_counter(client, clerk, desk.window1)
    response = press_next(client)
    assert 'id="ticket-work"' in response.content.decode()
    assert "counter/desk/_work.html" in [t.name for t in response.templates]


def test_actions_need_a_chosen_counter(client, clerk, desk):
    sign_in(client, clerk)
    response = press_next(client)
    assert said(response) == ["担当する窓口を選んでください。"]


@pytest.mark.parametrize("role", ["reception", "supervisor", "staff", "operator", "inspector"])
def test_only_clerks_and_cashiers_open_the_desk(client, municipality, desk, role):
    sign_in(client, _user(role, municipality))
    assert client.get(DESK).status_code == 403
    assert client.post(reverse("counter:desk_next")).status_code == 403
