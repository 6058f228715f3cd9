"""SMS providers (issue 6 §1): one interface, four classes, chosen in settings.

The HTTP provider is tried against the fake service on loopback (tests/sms/fake_provider.py)
and, where the request itself is under test, against a small recording server here. Twilio is
tried with a fake client and with the real client over a canned HTTP client: no network.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import multiprocessing
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
import requests
from django.utils import timezone
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from urllib3.exceptions import ProtocolError

from civicdesk.sms.providers import (
    Accepted,
    OutgoingMessage,
    PermanentError,
    Provider,
    TemporaryError,
    UncertainError,
    get_provider,
    provider_class,
)
from civicdesk.sms.providers.console import ConsoleProvider
from civicdesk.sms.providers.file import FileProvider, read_outbox
from civicdesk.sms.providers.http import HttpProvider
from civicdesk.sms.providers.twilio import TwilioProvider
from tests.sms.fake_provider import TOKEN, FakeSmsService

NUMBER = "+819012345678"
TEXT = "江東区役所です。納期限を過ぎた国民健康保険料があります。お問い合わせください。"


def message(key: str = "b1-o1-p1", to: str = NUMBER, text: str = TEXT) -> OutgoingMessage:
    return OutgoingMessage(key=key, to=to, text=text)


def free_port() -> int:
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- console -------------------------------------------------------------------------------


def test_console_prints_number_key_and_text_and_returns_an_id():
    stream = io.StringIO()
    provider = ConsoleProvider(stream=stream)

    accepted = provider.send(message(key="k-console"))

    printed = stream.getvalue()
    assert NUMBER in printed and "k-console" in printed and TEXT in printed
    assert accepted.provider_message_id


def test_console_gives_each_message_its_own_id():
    provider = ConsoleProvider(stream=io.StringIO())
    first = provider.send(message(key="a"))
    second = provider.send(message(key="b"))
    assert first.provider_message_id != second.provider_message_id


def test_console_writes_to_standard_output_by_default(capsys):
    ConsoleProvider().send(message(key="k-stdout"))
    out = capsys.readouterr().out
    assert NUMBER in out and "k-stdout" in out and TEXT in out


# --- file outbox ---------------------------------------------------------------------------


def raw_lines(path) -> list[dict]:
    """The outbox read without read_outbox, so that function is tested too."""
    return [json.loads(line) for line in path.read_bytes().decode("utf-8").splitlines()]


def test_file_appends_one_json_line_per_message_with_key_to_text_and_time(tmp_path):
    path = tmp_path / "outbox.jsonl"
    provider = FileProvider(path)
    before = timezone.now()

    first = provider.send(message(key="k1"))
    provider.send(message(key="k2", to="+818012345678", text="二通目"))

    lines = raw_lines(path)
    assert [(e["key"], e["to"], e["text"]) for e in lines] == [
        ("k1", NUMBER, TEXT),
        ("k2", "+818012345678", "二通目"),
    ]
    assert lines[0]["id"] == first.provider_message_id != ""
    at = dt.datetime.fromisoformat(lines[0]["at"])
    assert before <= at <= timezone.now()


def test_file_keeps_japanese_readable_in_the_outbox(tmp_path):
    path = tmp_path / "outbox.jsonl"
    FileProvider(path).send(message())
    assert TEXT in path.read_text(encoding="utf-8")


def test_file_answers_a_repeated_key_with_the_first_id_and_writes_nothing(tmp_path):
    path = tmp_path / "outbox.jsonl"
    provider = FileProvider(path)
    first = provider.send(message(key="k1"))
    size = path.stat().st_size

    again = provider.send(message(key="k1", text="違う本文でも同じ鍵なら同じ通知"))

    assert again.provider_message_id == first.provider_message_id
    assert path.stat().st_size == size and len(raw_lines(path)) == 1


def test_file_deduplicates_across_two_providers_on_one_outbox_as_two_processes_would(tmp_path):
    path = tmp_path / "outbox.jsonl"
    worker_a, worker_b = FileProvider(path), FileProvider(path)

    first = worker_a.send(message(key="k1"))
    assert worker_b.send(message(key="k1")).provider_message_id == first.provider_message_id
    second = worker_b.send(message(key="k2"))
    assert worker_a.send(message(key="k2")).provider_message_id == second.provider_message_id

    assert [entry["key"] for entry in raw_lines(path)] == ["k1", "k2"]


def test_file_reads_again_from_the_start_when_the_outbox_was_replaced(tmp_path):
    """A worker that remembers where it stopped must not seek into the middle of a line of a
    new file that another process has meanwhile written past that point."""
    path = tmp_path / "outbox.jsonl"
    worker_a, worker_b = FileProvider(path), FileProvider(path)
    worker_a.send(message(key="k"))
    where_a_stopped = path.stat().st_size
    path.unlink()
    for number in range(3):
        worker_b.send(message(key=f"replaced-{number}-" + "x" * number))
    first_line = len(path.read_bytes().splitlines(keepends=True)[0])
    assert first_line > where_a_stopped  # A's old offset now points inside the first line

    repeated = worker_a.send(message(key="replaced-1-x"))
    worker_a.send(message(key="k"))  # the old file is gone: a new line

    entries = raw_lines(path)
    assert repeated.provider_message_id == entries[1]["id"]
    assert [e["key"] for e in entries] == [
        "replaced-0-",
        "replaced-1-x",
        "replaced-2-xx",
        "k",
    ]


def _send_keys(path: str, keys: list[str], results) -> None:
    provider = FileProvider(path)
    results.put({key: provider.send(message(key=key)).provider_message_id for key in keys})


def test_file_two_processes_sending_the_same_keys_write_each_key_once(tmp_path):
    path = tmp_path / "outbox.jsonl"
    keys = [f"batch-7-{n}" for n in range(40)]
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [
        context.Process(target=_send_keys, args=(str(path), order, results))
        for order in (keys, list(reversed(keys)))
    ]
    for worker in workers:
        worker.start()
    answers = [results.get(timeout=30) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)

    entries = raw_lines(path)
    assert sorted(entry["key"] for entry in entries) == sorted(keys)
    first_ids = {entry["key"]: entry["id"] for entry in entries}
    assert answers[0] == answers[1] == first_ids


def test_read_outbox_gives_back_every_message_in_order(tmp_path):
    path = tmp_path / "outbox.jsonl"
    provider = FileProvider(path)
    ids = [provider.send(message(key=f"k{n}", text=f"本文{n}")).provider_message_id for n in (1, 2)]

    entries = read_outbox(path)

    assert [(e["id"], e["key"], e["text"]) for e in entries] == [
        (ids[0], "k1", "本文1"),
        (ids[1], "k2", "本文2"),
    ]


def test_read_outbox_of_a_missing_file_is_empty(tmp_path):
    assert read_outbox(tmp_path / "none.jsonl") == []


def test_file_creates_the_outbox_folder(tmp_path):
    path = tmp_path / "var" / "sms" / "outbox.jsonl"
    FileProvider(path).send(message())
    assert len(raw_lines(path)) == 1


def test_file_unwritable_outbox_is_a_temporary_error_naming_the_path(tmp_path):
    # A regular file where the folder should be: unwritable even for root.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    path = blocker / "outbox.jsonl"

    with pytest.raises(TemporaryError) as failure:
        FileProvider(path).send(message())

    assert str(path) in failure.value.reason and failure.value.code == "outbox"


# --- generic HTTP, against the fake service ------------------------------------------------


@pytest.fixture
def service():
    with FakeSmsService() as running:
        yield running


def http_provider(service, **options) -> HttpProvider:
    return HttpProvider(service.url, TOKEN, **{"timeout": 5.0, **options})


def test_http_success_returns_the_services_id(service):
    accepted = http_provider(service).send(message(key="k1"))
    assert accepted.provider_message_id == service.accepted["k1"]["id"] != ""
    assert service.delivered_per_number() == {NUMBER: 1}


def test_http_body_has_the_default_field_names_and_the_key_header(service):
    http_provider(service, sender="KOTO-CITY").send(message(key="k1"))
    # The fake records the Idempotency-Key header as "key" next to the JSON body.
    assert service.requests == [
        {
            "key": "k1",
            "to": NUMBER,
            "text": TEXT,
            "idempotency_key": "k1",
            "from": "KOTO-CITY",
        }
    ]


def test_http_repeated_key_reaches_the_person_once(service):
    provider = http_provider(service)
    first = provider.send(message(key="k1"))
    again = provider.send(message(key="k1"))
    assert again.provider_message_id == first.provider_message_id
    assert len(service.requests) == 2 and len(service.accepted) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 429, 408])
def test_http_busy_or_failing_service_is_a_temporary_error(service, status):
    service.fail_next(1, status)
    with pytest.raises(TemporaryError) as failure:
        http_provider(service).send(message())
    assert failure.value.code == f"http_{status}"
    assert failure.value.reason == f"fake failure {status}"
    assert service.accepted == {}


@pytest.mark.parametrize("status", [400, 401, 422])
def test_http_refusal_is_a_permanent_error_with_the_services_reason(service, status):
    service.fail_next(1, status)
    with pytest.raises(PermanentError) as failure:
        http_provider(service).send(message())
    assert failure.value.code == f"http_{status}"
    assert failure.value.reason == f"fake failure {status}"


def test_http_invalid_number_is_permanent_with_the_services_words(service):
    with pytest.raises(PermanentError) as failure:
        http_provider(service).send(message(to="09012345678"))
    assert (failure.value.code, failure.value.reason) == ("http_400", "invalid number")


def test_http_wrong_token_is_permanent(service):
    with pytest.raises(PermanentError) as failure:
        HttpProvider(service.url, "wrong-token", timeout=5.0).send(message())
    assert (failure.value.code, failure.value.reason) == ("http_401", "bad token")
    assert service.requests == []


def test_http_late_answer_is_temporary_and_a_resend_with_the_key_delivers_once(service):
    # Why the provider must deduplicate: the service took the message, the client gave up.
    service.answer_late(1, 1.5)
    provider = http_provider(service, timeout=0.3)

    with pytest.raises(TemporaryError) as failure:
        provider.send(message(key="k-late"))
    assert failure.value.code == "timeout"
    assert list(service.accepted) == ["k-late"]

    again = provider.send(message(key="k-late"))
    assert again.provider_message_id == service.accepted["k-late"]["id"]
    assert len(service.accepted) == 1 and service.delivered_per_number() == {NUMBER: 1}


def test_http_refused_connection_is_temporary():
    provider = HttpProvider(f"http://127.0.0.1:{free_port()}/messages", TOKEN, timeout=2.0)
    with pytest.raises(TemporaryError) as failure:
        provider.send(message())
    assert failure.value.code == "connection"


def test_http_provider_says_it_deduplicates_and_twilio_does_not():
    # services.sending resends a message in doubt only to a provider that keeps keys.
    assert HttpProvider.deduplicates and FileProvider.deduplicates
    assert not TwilioProvider.deduplicates and not ConsoleProvider.deduplicates


# --- generic HTTP, against a recording server ----------------------------------------------


class RecordingServer:
    """Answers every POST with one canned status, headers and body; records what came."""

    def __init__(self, status=200, body=b'{"id": "m-1"}', headers=None):
        self.status, self.body, self.headers = status, body, headers or {}
        self.seen: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                server.seen.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length),
                    }
                )
                self.send_response(server.status)
                for name, value in server.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            do_POST = do_GET = _answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1/sms"
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def recording():
    servers = []

    def start(**kwargs):
        servers.append(RecordingServer(**kwargs))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_http_sends_a_json_post_with_the_bearer_token_and_idempotency_key(recording):
    server = recording()
    HttpProvider(server.url, "secret-token-1", timeout=5.0).send(message(key="k-headers"))

    (request,) = server.seen
    assert (request["method"], request["path"]) == ("POST", "/v1/sms")
    assert request["headers"]["Authorization"] == "Bearer secret-token-1"
    assert request["headers"]["Idempotency-Key"] == "k-headers"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert json.loads(request["body"].decode("utf-8"))["text"] == TEXT


def test_http_custom_field_names_nested_id_and_key_header(recording):
    server = recording(body=json.dumps({"result": {"id": 4711, "state": "queued"}}).encode())
    provider = HttpProvider(
        server.url,
        "t",
        fields=(("to", "phone"), ("text", "message"), ("key", "request_id"), ("id", "result.id")),
        sender="0120000000",
        key_header="X-Request-Id",
        timeout=5.0,
    )

    accepted = provider.send(message(key="k-custom"))

    assert accepted == Accepted(provider_message_id="4711")
    (request,) = server.seen
    assert json.loads(request["body"]) == {
        "phone": NUMBER,
        "message": TEXT,
        "request_id": "k-custom",
        "from": "0120000000",
    }
    assert request["headers"]["X-Request-Id"] == "k-custom"


def test_http_empty_key_field_leaves_the_key_to_the_header_only(recording):
    server = recording()
    HttpProvider(server.url, "t", fields={"key": ""}, timeout=5.0).send(message(key="k-hdr"))
    (request,) = server.seen
    assert json.loads(request["body"]) == {"to": NUMBER, "text": TEXT}
    assert request["headers"]["Idempotency-Key"] == "k-hdr"


@pytest.mark.parametrize(
    "body",
    [b"", b"OK", b'{"status": "queued"}', b'{"id": null}', b"[]", b'{"id": {"x": 1}}'],
)
def test_http_success_without_a_json_id_is_accepted_with_an_empty_id(recording, body):
    # Documented choice: the service took the message; a missing id is no reason to resend.
    server = recording(body=body)
    accepted = HttpProvider(server.url, "t", timeout=5.0).send(message())
    assert accepted == Accepted(provider_message_id="")


def test_http_accepted_status_202_counts_as_success(recording):
    server = recording(status=202, body=b'{"id": "q-9"}')
    assert HttpProvider(server.url, "t", timeout=5.0).send(message()).provider_message_id == "q-9"


def test_http_redirect_is_not_followed_and_refused_naming_the_setting(recording):
    # urllib would follow it as a GET without the message: nothing sent, yet "accepted".
    target = recording()
    server = recording(status=301, body=b"", headers={"Location": target.url})

    with pytest.raises(PermanentError) as failure:
        HttpProvider(server.url, "secret", timeout=5.0).send(message())

    assert failure.value.code == "http_301"
    assert "CIVICDESK_SMS_HTTP_URL" in failure.value.reason and target.url in failure.value.reason
    assert target.seen == [] and len(server.seen) == 1


def test_http_error_reason_is_read_from_a_nested_json_error(recording):
    body = json.dumps({"error": {"message": "宛先の番号が不正です", "code": "E101"}}).encode()
    server = recording(status=422, body=body)
    with pytest.raises(PermanentError) as failure:
        HttpProvider(server.url, "t", timeout=5.0).send(message())
    assert failure.value.reason == "宛先の番号が不正です"


def raw_server(answer: bytes) -> tuple[str, socket.socket]:
    """A socket that reads one request and answers ``answer`` as is, then closes."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve():
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(answer)

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}/m", listener


@pytest.mark.parametrize(
    "answer",
    [b"garbage\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}"],
    ids=["bad-status-line", "cut-off-body"],
)
def test_http_broken_answer_is_temporary_not_an_unknown_exception(answer):
    url, listener = raw_server(answer)
    with listener, pytest.raises(TemporaryError) as failure:
        HttpProvider(url, "t", timeout=5.0).send(message())
    assert failure.value.code in ("protocol", "connection")


# --- Twilio with a fake client -------------------------------------------------------------


class FakeTwilioClient:
    """Stands in for twilio.rest.Client: records create() calls, answers or raises."""

    def __init__(self, raises: Exception | None = None, sid: str = "SM0123456789abcdef"):
        self.calls: list[dict] = []
        self.raises, self.sid = raises, sid
        self.messages = SimpleNamespace(create=self._create)

    def _create(self, **kwargs):
        self.calls.append(kwargs)
        if self.raises is not None:
            raise self.raises
        return SimpleNamespace(sid=self.sid)


def twilio(sender: str = "+815012345678", **client) -> tuple[TwilioProvider, FakeTwilioClient]:
    fake = FakeTwilioClient(**client)
    return TwilioProvider("AC" + "0" * 32, "token", sender, client=fake), fake


def rest_error(status: int, code: int | None = None, msg: str = "") -> TwilioRestException:
    uri = "/2010-04-01/Accounts/AC/Messages.json"
    return TwilioRestException(status, uri, msg=msg, code=code, method="POST")


def test_twilio_success_returns_the_message_sid():
    provider, fake = twilio(sid="SMabc")
    assert provider.send(message()) == Accepted(provider_message_id="SMabc")
    assert fake.calls == [{"to": NUMBER, "body": TEXT, "from_": "+815012345678"}]


def test_twilio_messaging_service_sid_goes_as_messaging_service_sid():
    provider, fake = twilio(sender="MG" + "1" * 32)
    provider.send(message())
    assert fake.calls == [{"to": NUMBER, "body": TEXT, "messaging_service_sid": "MG" + "1" * 32}]


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (429, 20429, TemporaryError),
        (503, None, TemporaryError),
        (500, 20500, UncertainError),
        (502, None, UncertainError),
        (400, 21211, PermanentError),
        (401, 20003, PermanentError),
    ],
)
def test_twilio_error_statuses_map_to_what_the_sender_may_do(status, code, expected):
    words = f"Unable to create record: status {status}"
    provider, _ = twilio(raises=rest_error(status, code, words))
    with pytest.raises(expected) as failure:
        provider.send(message())
    assert type(failure.value) is expected
    assert failure.value.reason == words
    assert failure.value.code == (str(code) if code else f"http_{status}")


def test_twilio_invalid_number_is_permanent_with_twilios_message():
    words = "Unable to create record: The 'To' number +8112 is not a valid phone number."
    provider, _ = twilio(raises=rest_error(400, 21211, words))
    with pytest.raises(PermanentError) as failure:
        provider.send(message(to="+8112"))
    assert (failure.value.code, failure.value.reason) == ("21211", words)


@pytest.mark.parametrize(
    ("status", "expected"),
    [(429, TemporaryError), (400, PermanentError), (500, UncertainError)],
)
def test_twilio_rfc9457_errors_are_mapped_like_the_legacy_ones(status, expected):
    error = TwilioServiceException(
        type_uri="https://www.twilio.com/docs/errors/21211",
        title="Invalid 'To' Phone Number",
        status=status,
        code=21211,
        detail="The 'To' number +8112 is not a valid phone number.",
        method="POST",
    )
    provider, _ = twilio(raises=error)
    with pytest.raises(expected) as failure:
        provider.send(message())
    assert failure.value.reason == "The 'To' number +8112 is not a valid phone number."
    assert failure.value.code == "21211"


@pytest.mark.parametrize(
    ("error", "expected", "code"),
    [
        (
            requests.exceptions.ConnectTimeout("connect timed out"),
            TemporaryError,
            "connect_timeout",
        ),
        (requests.exceptions.ReadTimeout("read timed out"), UncertainError, "read_timeout"),
        (requests.exceptions.ConnectionError("refused"), TemporaryError, "connection"),
        (
            requests.exceptions.ConnectionError(
                ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
            ),
            UncertainError,
            "connection_aborted",
        ),
    ],
    ids=["connect-timeout", "read-timeout", "refused", "aborted-after-request"],
)
def test_twilio_network_failures_say_whether_the_text_may_have_gone(error, expected, code):
    provider, _ = twilio(raises=error)
    with pytest.raises(expected) as failure:
        provider.send(message())
    assert type(failure.value) is expected and failure.value.code == code


# --- Twilio's real client, no network ------------------------------------------------------

ACCOUNT_SID = "AC" + "a1" * 16
AUTH_TOKEN = "b" * 32


class CannedHttpClient(HttpClient):
    """Twilio's HTTP client interface answering one canned response, recording the request."""

    def __init__(self, status: int, payload: dict):
        super().__init__(logger=logging.getLogger("tests.twilio"), is_async=False)
        self.answer = Response(status, json.dumps(payload), headers={})
        self.requests: list[dict] = []

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, **kwargs):
        self.requests.append({"method": method, "uri": uri, "data": data, "auth": auth})
        return self.answer


def real_twilio(status: int, payload: dict, sender: str = "+815012345678"):
    http = CannedHttpClient(status, payload)
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=http)
    return TwilioProvider(ACCOUNT_SID, AUTH_TOKEN, sender, client=client), http


def test_twilio_real_client_posts_to_from_and_body_and_reads_the_sid():
    sid = "SM" + "c3" * 16
    provider, http = real_twilio(201, {"sid": sid, "status": "queued", "to": NUMBER})

    assert provider.send(message()).provider_message_id == sid

    (request,) = http.requests
    assert request["method"] == "POST"
    assert request["uri"].endswith(f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json")
    assert request["data"]["To"] == NUMBER
    assert request["data"]["From"] == "+815012345678"
    assert request["data"]["Body"] == TEXT
    assert request["auth"] == (ACCOUNT_SID, AUTH_TOKEN)


def test_twilio_real_client_sends_a_messaging_service_sid_instead_of_from():
    provider, http = real_twilio(201, {"sid": "SMx"}, sender="MG" + "d4" * 16)
    provider.send(message())
    data = http.requests[0]["data"]
    assert data["MessagingServiceSid"] == "MG" + "d4" * 16 and "From" not in data


def test_twilio_real_client_invalid_number_answer_is_permanent_with_twilios_message():
    words = "The 'To' number +8112 is not a valid phone number."
    provider, _ = real_twilio(400, {"code": 21211, "message": words, "status": 400})
    with pytest.raises(PermanentError) as failure:
        provider.send(message(to="+8112"))
    assert failure.value.code == "21211" and words in failure.value.reason


def test_twilio_real_client_too_many_requests_is_temporary():
    provider, _ = real_twilio(429, {"code": 20429, "message": "Too Many Requests", "status": 429})
    with pytest.raises(TemporaryError):
        provider.send(message())


def test_twilio_builds_its_client_with_the_configured_timeout():
    provider = TwilioProvider(ACCOUNT_SID, AUTH_TOKEN, "+815012345678", timeout=7.5)
    assert isinstance(provider.client, Client)
    assert isinstance(provider.client.http_client, TwilioHttpClient)
    assert provider.client.http_client.timeout == 7.5


class LoopbackTwilioHttpClient(TwilioHttpClient):
    """Twilio's own requests-based client, sent to a loopback address instead of Twilio."""

    def __init__(self, url: str, timeout: float):
        super().__init__(timeout=timeout)
        self.loopback = url

    def request(self, method, url, *args, **kwargs):
        return super().request(method, self.loopback, *args, **kwargs)


def loopback_twilio(url: str, timeout: float = 2.0) -> TwilioProvider:
    client = Client(
        ACCOUNT_SID, AUTH_TOKEN, http_client=LoopbackTwilioHttpClient(url, timeout=timeout)
    )
    return TwilioProvider(ACCOUNT_SID, AUTH_TOKEN, "+815012345678", client=client)


def test_twilio_connection_cut_after_the_request_is_uncertain_over_real_requests():
    # The request reached the server: Twilio may have sent the text, and it keeps no keys.
    url, listener = raw_server(b"")
    with listener, pytest.raises(UncertainError) as failure:
        loopback_twilio(url).send(message())
    assert failure.value.code == "connection_aborted"


def test_twilio_refused_connection_is_temporary_over_real_requests():
    with pytest.raises(TemporaryError) as failure:
        loopback_twilio(f"http://127.0.0.1:{free_port()}/x").send(message())
    assert failure.value.code == "connection"


def test_twilio_no_answer_in_time_is_uncertain_over_real_requests():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts the connection (the kernel does), never answers
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/x"
    started = time.monotonic()
    with listener, pytest.raises(UncertainError) as failure:
        loopback_twilio(url, timeout=0.3).send(message())
    assert failure.value.code == "read_timeout" and time.monotonic() - started < 5


# --- chosen in settings --------------------------------------------------------------------


@pytest.fixture
def fresh_provider():
    get_provider.cache_clear()
    yield
    get_provider.cache_clear()  # the next test must not get this test's provider


def test_get_provider_builds_the_class_named_in_settings_with_its_options(
    settings, tmp_path, fresh_provider
):
    settings.SMS_PROVIDER = "file"
    settings.SMS_PROVIDER_OPTIONS = {"path": str(tmp_path / "outbox.jsonl")}

    provider = get_provider()

    assert type(provider) is FileProvider and provider.path == tmp_path / "outbox.jsonl"
    assert get_provider() is provider  # one per process: the outbox's key cache is kept


def test_get_provider_follows_changed_settings_after_cache_clear(settings, fresh_provider):
    settings.SMS_PROVIDER = "console"
    settings.SMS_PROVIDER_OPTIONS = {}
    assert type(get_provider()) is ConsoleProvider

    settings.SMS_PROVIDER = "http"
    settings.SMS_PROVIDER_OPTIONS = {
        "url": "https://sms.example.lg.jp/v1/messages",
        "token": "tok",
        "fields": (("id", "result.id"), ("to", "phone")),
        "sender": "KOTO",
        "key_header": "X-Key",
        "timeout": 3.0,
    }
    get_provider.cache_clear()
    provider = get_provider()

    assert type(provider) is HttpProvider
    assert (provider.url, provider.token, provider.sender) == (
        "https://sms.example.lg.jp/v1/messages",
        "tok",
        "KOTO",
    )
    assert (provider.fields["to"], provider.fields["id"], provider.fields["text"]) == (
        "phone",
        "result.id",
        "text",
    )
    assert (provider.key_header, provider.timeout) == ("X-Key", 3.0)


def test_get_provider_builds_twilio_with_its_real_client(settings, fresh_provider):
    settings.SMS_PROVIDER = "twilio"
    settings.SMS_PROVIDER_OPTIONS = {
        "account_sid": ACCOUNT_SID,
        "auth_token": AUTH_TOKEN,
        "sender": "+815012345678",
        "timeout": 4.0,
    }
    provider = get_provider()
    assert type(provider) is TwilioProvider and provider.sender == "+815012345678"
    assert provider.client.http_client.timeout == 4.0


@pytest.mark.parametrize("name", ["console", "file", "http", "twilio"])
def test_provider_class_is_found_by_its_name(name):
    cls = provider_class(name)
    assert issubclass(cls, Provider) and cls.name == name


def test_provider_class_of_an_unknown_name_fails():
    with pytest.raises(KeyError):
        provider_class("carrier-pigeon")


def test_outgoing_message_text_survives_the_outbox_unchanged_with_emoji(tmp_path):
    path = tmp_path / "outbox.jsonl"
    text = "お支払いの確認 📞 ０３－１２３４－５６７８ ｶﾀｶﾅ"
    FileProvider(path).send(message(text=text))
    assert read_outbox(path)[0]["text"] == text
