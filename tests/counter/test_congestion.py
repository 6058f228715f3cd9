"""The congestion view: per queue the tickets waiting now, the longest wait now, today's
average and p90 wait, the share called within the target and the counters open — replayed
from the ticket events and checked against values worked out by hand below."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from civicdesk.counter.models import Ticket
from civicdesk.counter.selectors import tickets as selectors
from civicdesk.counter.services import tickets
from tests.conftest import TEST_NOW, _user, sign_in

pytestmark = pytest.mark.django_db


def at(hhmm: str) -> dt.datetime:
    hour, minute = map(int, hhmm.split(":"))
    return TEST_NOW.replace(hour=hour, minute=minute, second=0, microsecond=0)


@pytest.fixture
def morning(desk, clerk):
    """A morning at two windows (targets: 15 minutes in both queues), as of 10:00:

    A-001 08:40 → 1番 08:45 (waited 5) → done 08:55
    A-002 08:50 → 1番 09:10 (waited 20) → 不在 09:11
    A-003 09:00 → 1番 09:12 (waited 12) → started 09:13 → 転送 to B 09:20
    B-001 09:05 → 2番 09:15 (waited 10) → started 09:16 → done 09:40
    A-003 in B  → 2番 09:50 (waited 30 in B) → started 09:51, served now
    A-004 09:30, A-005 09:45, B-002 09:55: waiting at 10:00
    """
    A, B = desk.certificates, desk.moves
    w1, w2 = desk.window1, desk.window2
    a1 = tickets.issue_ticket(acting_user=None, queue=A, at=at("08:40"))
    tickets.call_next(acting_user=clerk, counter=w1, at=at("08:45"))
    tickets.finish(acting_user=clerk, ticket=a1, at=at("08:55"))
    a2 = tickets.issue_ticket(acting_user=None, queue=A, at=at("08:50"))
    a3 = tickets.issue_ticket(acting_user=None, queue=A, at=at("09:00"))
    b1 = tickets.issue_ticket(acting_user=None, queue=B, at=at("09:05"))
    assert tickets.call_next(acting_user=clerk, counter=w1, at=at("09:10")).pk == a2.pk
    tickets.mark_no_show(acting_user=clerk, ticket=a2, at=at("09:11"))
    assert tickets.call_next(acting_user=clerk, counter=w1, at=at("09:12")).pk == a3.pk
    tickets.start_service(acting_user=clerk, ticket=a3, at=at("09:13"))
    assert tickets.call_next(acting_user=clerk, counter=w2, at=at("09:15")).pk == b1.pk
    tickets.start_service(acting_user=clerk, ticket=b1, at=at("09:16"))
    tickets.transfer(acting_user=clerk, ticket=a3, queue=B, at=at("09:20"))
    tickets.issue_ticket(acting_user=None, queue=A, at=at("09:30"))
    tickets.finish(acting_user=clerk, ticket=b1, at=at("09:40"))
    tickets.issue_ticket(acting_user=None, queue=A, at=at("09:45"))
    assert tickets.call_next(acting_user=clerk, counter=w2, at=at("09:50")).pk == a3.pk
    tickets.start_service(acting_user=clerk, ticket=a3, at=at("09:51"))
    tickets.issue_ticket(acting_user=None, queue=B, at=at("09:55"))
    return desk


def minutes(*values):
    return [dt.timedelta(minutes=v) for v in values]


def by_code(figures):
    return {row.queue.code: row for row in figures.queues}


def test_waiting_now_and_the_longest_wait_per_queue(morning, municipality):
    rows = by_code(selectors.congestion(municipality.pk, now=at("10:00")))
    assert (rows["A"].waiting, rows["A"].longest_wait) == (2, dt.timedelta(minutes=30))
    assert (rows["B"].waiting, rows["B"].longest_wait) == (1, dt.timedelta(minutes=5))
    assert rows["A"].over_target and not rows["B"].over_target


def test_waits_today_average_p90_and_share_within_target(morning, municipality):
    rows = by_code(selectors.congestion(municipality.pk, now=at("10:00")))
    a_waits, b_waits = minutes(5, 20, 12), minutes(10, 30)
    assert sorted(rows["A"].waits) == sorted(a_waits)
    assert sorted(rows["B"].waits) == sorted(b_waits)  # a transfer waits again, in B
    assert rows["A"].average_wait == dt.timedelta(minutes=37 / 3)
    assert rows["A"].average_wait_minutes == 12.3
    assert rows["A"].p90_wait == dt.timedelta(minutes=20)  # nearest rank: 3rd of 3
    assert rows["B"].p90_wait == dt.timedelta(minutes=30)  # 2nd of 2
    assert (rows["A"].within_target, rows["A"].called) == (2, 3)
    assert rows["A"].within_target_percent == 67
    assert rows["B"].within_target_percent == 50
    assert (rows["A"].issued, rows["B"].issued) == (5, 2)


def test_counters_open_are_those_serving_now_or_active_in_the_last_30_minutes(
    morning, municipality
):
    now = selectors.congestion(municipality.pk, now=at("10:00"))
    state = {row.counter.code: (row.open, row.serving) for row in now.counters}
    assert state == {"1": (False, []), "2": (True, ["A-003"]), "9": (False, [])}
    assert now.counters_open == 1
    assert {r.queue.code: r.counters_open for r in now.queues} == {"A": 1, "B": 1}
    # At 09:40 window 1 had recorded its last move (09:13) 27 minutes before: still open.
    earlier = selectors.congestion(municipality.pk, now=at("09:40"))
    assert {r.counter.code: r.open for r in earlier.counters} == {"1": True, "2": True, "9": False}


def test_the_figures_as_of_an_earlier_moment_use_only_the_events_before_it(morning, municipality):
    rows = by_code(selectors.congestion(municipality.pk, now=at("09:14")))
    # 09:14: not yet issued; called; B-001 waiting 9 minutes.
    assert (rows["A"].waiting, rows["A"].called, rows["A"].issued) == (0, 3, 3)
    assert (rows["B"].waiting, rows["B"].longest_wait) == (1, dt.timedelta(minutes=9))


def test_the_figures_come_from_the_events_not_the_tickets_columns(morning, municipality):
    before = by_code(selectors.congestion(municipality.pk, now=at("10:00")))
    Ticket.objects.update(status="done", counter=None, calls=0)
    after = by_code(selectors.congestion(municipality.pk, now=at("10:00")))
    for code in ("A", "B"):
        assert (after[code].waiting, after[code].waits) == (
            before[code].waiting,
            before[code].waits,
        )


def test_yesterdays_tickets_do_not_count(morning, municipality):
    tomorrow = selectors.congestion(municipality.pk, now=at("10:00") + dt.timedelta(days=1))
    assert all(row.waiting == row.issued == row.called == 0 for row in tomorrow.queues)


def test_percentile_is_the_nearest_rank():
    values = list(range(1, 11))
    assert selectors.percentile(values, 90) == 9
    assert selectors.percentile(values, 50) == 5
    assert selectors.percentile([7], 90) == 7
    assert selectors.percentile([], 90) is None


# --- The page ---------------------------------------------------------------------------------

URL = reverse("counter:congestion")


def test_the_page_shows_the_figures(client, supervisor, morning, time_machine):
    time_machine.move_to(at("10:00"), tick=False)
    sign_in(client, supervisor)
    page = client.get(URL).content.decode()
    row_a = page.split('data-testid="queue-A"')[1].split("</tr>")[0]
    assert 'data-figure="waiting">2 人' in row_a
    assert 'class="num congestion-over" data-figure="longest">30.0 分' in row_a
    assert 'data-figure="average">12.3 分' in row_a
    assert 'data-figure="p90">20.0 分' in row_a
    assert 'data-figure="within">67%（15分）' in row_a
    assert 'data-testid="total-waiting">3<' in page
    assert 'data-counter="2" data-open="1"' in page
    panel = client.get(reverse("counter:congestion_panel")).content.decode()
    assert 'data-figure="waiting">1 人' in panel.split('data-testid="queue-B"')[1]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("supervisor", 200),
        ("staff", 200),
        ("reception", 403),
        ("counter_clerk", 403),
        ("cashier", 403),
        ("inspector", 403),
        ("operator", 403),
        ("admin", 403),
    ],
)
def test_who_may_open_the_congestion_view(client, municipality, desk, role, status):
    sign_in(client, _user(role, municipality))
    assert client.get(URL).status_code == status
    assert client.get(reverse("counter:congestion_panel")).status_code == status
