"""Public call displays: a device key (shown once, only its hash kept), 403 without a valid key,
numbers and counter names only, the state polled with ETag → 304, the cashier's screen, the
cost of a poll, and the page that registers and stops screens."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

import pytest
from django.urls import reverse

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.counter.choices import DisplayKind
from civicdesk.counter.models import DisplayDevice, Request
from civicdesk.counter.selectors import displays as selectors
from civicdesk.counter.services import displays, tickets
from tests.conftest import TEST_NOW, _user, sign_in
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

PERSON = "窓口太郎"


@pytest.fixture
def screen(municipality, supervisor):
    device, key = displays.register_display(
        acting_user=supervisor, municipality=municipality, name="1階待合", kind="waiting_room"
    )
    return device, key


@pytest.fixture
def cashier_screen(municipality, supervisor):
    return displays.register_display(
        acting_user=supervisor, municipality=municipality, name="会計前", kind="cashier"
    )


def page_url(key):
    return reverse("counter:display", kwargs={"key": key})


def state_url(key):
    return reverse("counter:display_state", kwargs={"key": key})


def state(client, key, **headers):
    response = client.get(state_url(key), **headers)
    assert response.status_code == 200, response.status_code
    return response, json.loads(response.content)


def call(desk, clerk, counter=None, queue=None):
    tickets.issue_ticket(acting_user=None, queue=queue or desk.certificates)
    return tickets.call_next(acting_user=clerk, counter=counter or desk.window1)


# --- Keys ---------------------------------------------------------------------------------------


def test_only_the_keys_hash_is_kept_and_the_key_opens_the_screen(client, screen):
    device, key = screen
    assert len(key) >= 40
    stored = DisplayDevice.objects.get(pk=device.pk)
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in json.dumps(list(DisplayDevice.objects.values()), default=str)
    response = client.get(page_url(key))
    assert response.status_code == 200
    assert "待合表示" in response.content.decode()
    assert response["Referrer-Policy"] == "no-referrer"
    assert "sessionid" not in response.cookies  # anonymous: no session is made


@pytest.mark.parametrize("key", ["nope", "x" * 43, "x" * 200])
def test_an_unknown_key_is_403_without_detail(client, screen, key):
    for url in (page_url(key), state_url(key)):
        response = client.get(url)
        assert response.status_code == 403
        assert "キー" not in response.content.decode()


def test_a_stopped_screen_is_refused_from_its_next_request(client, screen, supervisor):
    device, key = screen
    assert client.get(state_url(key)).status_code == 200
    displays.revoke_display(acting_user=supervisor, device=device)
    assert client.get(state_url(key)).status_code == 403
    assert client.get(page_url(key)).status_code == 403


def test_registering_and_stopping_are_access_logged(screen, supervisor):
    device, _ = screen
    displays.revoke_display(acting_user=supervisor, device=device)
    displays.revoke_display(acting_user=supervisor, device=device)  # twice: nothing more
    actions = list(
        AccessLogEntry.objects.filter(object_id=str(device.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [AccessAction.CREATE, AccessAction.CHANGE]


def test_a_device_needs_a_name_and_a_known_kind(municipality, supervisor):
    with pytest.raises(Exception) as refused:
        displays.register_display(
            acting_user=supervisor, municipality=municipality, name=" ", kind="lobby"
        )
    assert refused.value.message_dict == {
        "name": ["名称を入力してください（例: 1階待合 東側）。"],
        "kind": ["種類は待合表示・会計呼び出しのいずれかを選んでください。"],
    }
    assert not DisplayDevice.objects.exists()


# --- What a screen shows --------------------------------------------------------------------


def test_the_state_lists_the_newest_call_first_with_its_counter(client, screen, desk, clerk):
    _, key = screen
    first = call(desk, clerk)
    tickets.finish(acting_user=clerk, ticket=first)
    call(desk, clerk, counter=desk.window2, queue=desk.moves)
    _, body = state(client, key)
    assert [(c["label"], c["counter"]) for c in body["calls"]] == [
        ("B-001", "2番窓口"),
        ("A-001", "1番窓口"),
    ]
    assert body["waiting"] == [
        {"code": "A", "name": "証明書", "count": 0},
        {"code": "B", "name": "住民異動", "count": 0},
    ]


def test_a_recall_moves_the_number_up_once_and_rings_again(client, screen, desk, clerk):
    _, key = screen
    first = call(desk, clerk)
    tickets.finish(acting_user=clerk, ticket=first)
    second = call(desk, clerk)
    tickets.park(acting_user=clerk, ticket=second)
    _, before = state(client, key)
    third = call(desk, clerk)
    tickets.recall(acting_user=clerk, ticket=third)
    _, after = state(client, key)
    assert [c["label"] for c in after["calls"]] == ["A-003", "A-002", "A-001"]
    assert after["calls"][0]["recall"] is True
    assert after["calls"][0]["event"] > before["calls"][0]["event"]


def test_only_the_last_calls_of_today_are_listed(client, screen, desk, clerk):
    _, key = screen
    for _ in range(selectors.DISPLAY_CALLS + 2):
        tickets.finish(acting_user=clerk, ticket=call(desk, clerk))
    _, body = state(client, key)
    assert len(body["calls"]) == selectors.DISPLAY_CALLS
    tomorrow = selectors.display_state(
        DisplayDevice.objects.get(), now=TEST_NOW + dt.timedelta(days=1)
    )
    assert tomorrow.calls == []


def test_the_page_shows_the_numbers_large_without_javascript(client, screen, desk, clerk):
    _, key = screen
    call(desk, clerk)
    page = client.get(page_url(key)).content.decode()
    assert '<p class="display-latest-number" data-number>A-001</p>' in page
    assert 'data-counter>1番窓口</span><span class="display-latest-please">へお越しください' in page
    assert '<meta http-equiv="refresh" content="5">' in page  # inside <noscript>
    assert "counter-display.js" in page
    assert "style=" not in page and "<script>" not in page  # the CSP allows neither


def test_the_screen_never_shows_personal_data(client, screen, cashier_screen, desk, clerk):
    ticket = call(desk, clerk)
    Request.objects.create(
        municipality=desk.certificates.municipality,
        ticket=ticket,
        procedure=desk.certificate,
        day=ticket.day,
        requester_kind="self",
        requester_name=PERSON,
        subject_name=PERSON,
        mailing_address="岩手県一関市竹山町7番2号",
        created_by=clerk,
        created_at=ticket.issued_at,
    )
    tickets.start_service(acting_user=clerk, ticket=ticket)
    tickets.send_to_pickup(acting_user=clerk, ticket=ticket)
    for _, key in (screen, cashier_screen):
        for url in (page_url(key), state_url(key)):
            text = client.get(url).content.decode()
            assert PERSON not in text and "竹山町" not in text and "住民票" not in text
    _, body = state(client, screen[1])
    assert set(body) == {"kind", "title", "calls", "waiting", "ready"}
    assert set(body["calls"][0]) == {"event", "label", "counter", "at", "recall"}


def test_the_cashier_screen_shows_cashier_calls_and_the_numbers_ready(
    client, screen, cashier_screen, desk, clerk, cashier
):
    _, waiting_key = screen
    _, cashier_key = cashier_screen
    first, second = (call(desk, clerk, counter=w) for w in (desk.window1, desk.window2))
    for ticket in (first, second):
        tickets.send_to_pickup(acting_user=clerk, ticket=ticket)
    _, body = state(client, cashier_key)
    assert body["title"] == "会計呼び出し"
    assert body["calls"] == [] and body["ready"] == ["A-001", "A-002"]
    tickets.call_next(acting_user=cashier, counter=desk.cash)
    _, body = state(client, cashier_key)
    assert [(c["label"], c["counter"]) for c in body["calls"]] == [("A-001", "会計")]
    assert body["ready"] == ["A-002"]
    _, waiting_room = state(client, waiting_key)
    assert [c["counter"] for c in waiting_room["calls"]] == ["2番窓口", "1番窓口"]


def test_another_municipalitys_calls_stay_off_the_screen(client, screen, desk, clerk):
    _, key = screen
    other = MunicipalityFactory(code="012025", name="他市")
    queue = tickets.Queue.objects.create(municipality=other, code="A", name="証明書")
    window = tickets.Counter.objects.create(municipality=other, code="1", name="他市1番")
    window.counterqueue_set.create(queue=queue, position=1)
    tickets.issue_ticket(acting_user=None, queue=queue, check_hours=False)
    tickets.call_next(acting_user=None, counter=window)
    _, body = state(client, key)
    assert body["calls"] == []


# --- Polling ------------------------------------------------------------------------------------


def test_an_unchanged_state_is_304_and_a_new_call_changes_the_etag(client, screen, desk, clerk):
    _, key = screen
    response, _ = state(client, key)
    etag = response["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert "no-cache" in response["Cache-Control"]
    same = client.get(state_url(key), HTTP_IF_NONE_MATCH=etag)
    assert same.status_code == 304 and same.content == b"" and same["ETag"] == etag
    call(desk, clerk)
    changed, body = state(client, key, HTTP_IF_NONE_MATCH=etag)
    assert changed["ETag"] != etag and body["calls"][0]["label"] == "A-001"


def test_a_poll_costs_three_indexed_queries(client, screen, desk, clerk, django_assert_num_queries):
    _, key = screen
    for _ in range(3):
        tickets.finish(acting_user=clerk, ticket=call(desk, clerk))
    with django_assert_num_queries(3):
        client.get(state_url(key))


def test_thirty_screens_polling_are_not_rate_limited(client, municipality, supervisor, desk):
    keys = [
        displays.register_display(
            acting_user=supervisor, municipality=municipality, name=f"画面{n}", kind="waiting_room"
        )[1]
        for n in range(30)
    ]
    statuses = {client.get(state_url(key)).status_code for _ in range(3) for key in keys}
    assert statuses == {200}


# --- The devices page -------------------------------------------------------------------------

DEVICES = reverse("counter:displays")


def test_a_supervisor_registers_a_screen_and_sees_its_key_once(client, supervisor, desk):
    sign_in(client, supervisor)
    response = client.post(DEVICES, {"name": "会計前", "kind": "cashier"})
    page = response.content.decode()
    key = re.search(r'data-testid="display-key">([^<]+)<', page).group(1)
    url = re.search(r'data-testid="display-url">([^<]+)<', page).group(1)
    assert url == f"http://testserver/counter/display/{key}/"
    device = DisplayDevice.objects.get()
    assert (device.name, device.kind) == ("会計前", DisplayKind.CASHIER)
    assert key not in client.get(DEVICES).content.decode()
    assert client.get(page_url(key)).status_code == 200


def test_the_form_refuses_a_missing_name(client, supervisor, desk):
    sign_in(client, supervisor)
    response = client.post(DEVICES, {"name": "", "kind": "cashier"})
    assert "名称を入力してください" in response.content.decode()
    assert not DisplayDevice.objects.exists()


def test_a_screen_is_stopped_from_the_page(client, supervisor, screen):
    device, key = screen
    sign_in(client, supervisor)
    response = client.post(reverse("counter:display_revoke", args=[device.pk]))
    assert response.status_code == 302
    assert client.get(state_url(key)).status_code == 403


def test_another_municipalitys_screen_cannot_be_stopped(client, supervisor, desk):
    other = MunicipalityFactory(code="012025", name="他市")
    device, _ = displays.register_display(
        acting_user=None, municipality=other, name="他市の待合", kind="waiting_room"
    )
    sign_in(client, supervisor)
    assert client.post(reverse("counter:display_revoke", args=[device.pk])).status_code == 404
    assert "他市の待合" not in client.get(DEVICES).content.decode()


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
    ],
)
def test_who_may_open_the_devices_page(client, municipality, role, status):
    sign_in(client, _user(role, municipality))
    assert client.get(DEVICES).status_code == status
