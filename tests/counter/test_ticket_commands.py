"""``civicdesk counter issue | call-next | display-key``: JSON answers, refusals in Japanese on
stderr with exit 1, ``--at`` only in development settings."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from civicdesk.core.calendar import TOKYO
from civicdesk.counter.models import DisplayDevice, Ticket
from civicdesk.counter.services import tickets
from civicdesk.counter.services.displays import key_sha256
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("counter", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue().strip(), err.getvalue().strip()


def answer(*args) -> dict:
    code, out, err = run(*args)
    assert code == 0, err
    return json.loads(out)


# --- issue ------------------------------------------------------------------------------------


def test_issue_prints_the_ticket_number_queue_and_day(desk):
    tickets.issue_ticket(acting_user=None, queue=desk.certificates)
    data = answer("issue", "--queue", "A", "--json")
    ticket = Ticket.objects.get(number=2)
    assert data == {
        "ticket": ticket.pk,
        "number": 2,
        "label": "A-002",
        "queue": "A",
        "day": "2026-06-10",
        "status": "waiting",
        "issued_at": ticket.issued_at.astimezone(TOKYO).isoformat(),
        "waiting_ahead": 1,
    }


def test_issue_without_json_says_it_in_one_line(desk):
    code, out, _ = run("issue", "--queue", "B")
    assert (code, out) == (0, "B-001（住民異動）を発券しました。")


def test_issue_at_another_moment_in_development(desk, settings):
    settings.DEBUG, settings.PRODUCTION = False, False
    data = answer("issue", "--queue", "A", "--at", "2026-06-11T09:00+09:00", "--json")
    assert (data["day"], data["number"], data["issued_at"]) == (
        "2026-06-11",
        1,
        "2026-06-11T09:00:00+09:00",
    )


def test_at_is_refused_outside_development(desk, settings):
    settings.DEBUG, settings.PRODUCTION = False, True
    code, out, err = run("issue", "--queue", "A", "--at", "2026-06-11T09:00+09:00", "--json")
    assert (code, out) == (1, "")
    assert err == "--at は開発環境でだけ使えます（本番環境では現在時刻で発券します）。"
    assert not Ticket.objects.exists()


def test_issue_outside_hours_exits_1_with_the_reason(desk):
    code, out, err = run("issue", "--queue", "A", "--at", "2026-06-10T18:00+09:00", "--json")
    assert (code, out) == (1, "")
    assert err == "受付時間外です。番号札は窓口の開庁時間内にだけ発券できます。"
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--queue", "Z"], "--queue: テスト市に待ち行列 Z はありません。"),
        (["--queue", "A", "--municipality", "999999"], "--municipality: 自治体 999999 が登録"),
        (["--queue", "A", "--at", "2026-06-10 10:00"], "--at: 時差（例: +09:00）を付けてください"),
        (["--queue", "A", "--at", "昨日"], "--at: 日時を ISO 8601 で指定してください"),
    ],
)
def test_issue_refusals(desk, municipality, args, message):
    code, _, err = run("issue", *args, "--json")
    assert code == 1
    assert err.startswith(message.replace("テスト市", municipality.name))


def test_issue_in_another_municipality_by_its_code(desk):
    other = MunicipalityFactory(code="012025", name="他市")
    tickets.Queue.objects.create(municipality=other, code="A", name="証明書")
    code, _, err = run("issue", "--queue", "A", "--municipality", "012025", "--json")
    # The other municipality has no counter calendar: the calendar's reason, nothing issued.
    assert code == 1 and "業務カレンダーが登録されていません" in err
    assert not Ticket.objects.exists()


# --- call-next --------------------------------------------------------------------------------


def test_call_next_prints_the_called_ticket_then_null(desk, clerk):
    ticket = tickets.issue_ticket(acting_user=None, queue=desk.moves)
    data = answer("call-next", "--counter", "2", "--user", clerk.username, "--json")
    assert (data["ticket"], data["label"], data["counter"], data["calls"]) == (
        ticket.pk,
        "B-001",
        "2",
        1,
    )
    tickets.finish(acting_user=clerk, ticket=ticket)
    assert answer("call-next", "--counter", "2", "--user", clerk.username, "--json") == {
        "ticket": None,
        "counter": "2",
    }


def test_a_second_call_next_while_one_is_called_is_refused(desk, clerk):
    tickets.issue_ticket(acting_user=None, queue=desk.certificates)
    tickets.issue_ticket(acting_user=None, queue=desk.certificates)
    answer("call-next", "--counter", "1", "--user", clerk.username, "--json")
    code, out, err = run("call-next", "--counter", "1", "--user", clerk.username, "--json")
    assert (code, out) == (1, "")
    assert err.startswith("1番窓口はすでに A-001 を呼び出しています")


@pytest.mark.parametrize(
    ("counter", "user", "message"),
    [
        ("1", "nobody", "--user: 有効なユーザー nobody はいません。"),
        ("1", "reception", "--user: {user} には番号札を呼び出す権限がありません。"),
        ("7", "clerk", "--counter: {user} が担当できる使用中の窓口 7 はありません。"),
        ("9", "clerk", "--counter: {user} が担当できる使用中の窓口 9 はありません。"),
    ],
)
def test_call_next_refusals(desk, reception, clerk, counter, user, message):
    username = {"reception": reception.username, "clerk": clerk.username}.get(user, user)
    code, _, err = run("call-next", "--counter", counter, "--user", username, "--json")
    assert (code, err) == (1, message.format(user=username))


# --- display-key ------------------------------------------------------------------------------


def test_display_key_prints_the_key_and_address_once_and_keeps_its_hash(desk, supervisor, client):
    code, out, err = run(
        "display-key", "--name", "1階待合", "--kind", "waiting_room", "--user", supervisor.username
    )
    data = json.loads(out)
    device = DisplayDevice.objects.get()
    assert code == 0 and "一度だけ" in err
    assert data == {
        "device": device.pk,
        "name": "1階待合",
        "kind": "waiting_room",
        "key": data["key"],
        "url": f"/counter/display/{data['key']}/",
    }
    assert device.key_hash == key_sha256(data["key"])
    assert client.get(data["url"]).status_code == 200


def test_display_key_needs_a_user_who_manages_screens(desk, clerk):
    code, _, err = run(
        "display-key", "--name", "待合", "--kind", "cashier", "--user", clerk.username
    )
    assert (code, err) == (1, f"--user: {clerk.username} には表示端末を登録する権限がありません。")
    assert not DisplayDevice.objects.exists()


def test_the_pinned_clock_is_what_issue_uses(desk):
    data = answer("issue", "--queue", "A", "--json")
    assert data["issued_at"].startswith("2026-06-10T10:00")
    assert data["issued_at"].endswith("+09:00")
