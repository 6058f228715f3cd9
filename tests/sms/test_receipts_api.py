"""POST /api/sms/receipts: the provider's signed webhook for delivery receipts and replies
(issue 6 §5). Signature, validation before anything is applied, the precedence of receipts,
idempotency, and answers without personal data."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from civicdesk.audit.models import AccessLogEntry
from civicdesk.dunning.choices import ContactChannel, ContactOutcome
from civicdesk.dunning.models import Contact
from civicdesk.sms.choices import SmsMessageStatus
from civicdesk.sms.models import OptOut, SmsMessage, SmsReply
from civicdesk.sms.services import sending
from tests.conftest import sign_in
from tests.factories import MunicipalityFactory
from tests.registry.factories import AccountFactory
from tests.sms.factories import SmsBatchFactory, SmsMessageFactory

pytestmark = pytest.mark.django_db

SECRET = "sms-webhook-secret-0123456789abcdefghij"
URL = "/api/sms/receipts"
AT = "2025-06-10T10:05:00+09:00"
AT_TIME = dt.datetime(2025, 6, 10, 1, 5, tzinfo=dt.UTC)


def sign(body: bytes, timestamp: str, secret: str = SECRET) -> str:
    # Computed here from the documented recipe, not with the code under test.
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def post(client, payload, *, timestamp=None, signature=None, raw=None, headers=True):
    body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    extra = {}
    if headers:
        extra = {
            "HTTP_X_CIVICDESK_TIMESTAMP": timestamp,
            "HTTP_X_CIVICDESK_SIGNATURE": signature or sign(body, timestamp),
        }
    return client.post(URL, body, content_type="application/json", **extra)


@pytest.fixture
def api(settings):
    settings.SMS_WEBHOOK_SECRET = SECRET
    # A browser-like client that would enforce CSRF: the API must not need it.
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def message(municipality):
    """A message the provider accepted, with its contact (as the sending worker leaves it)."""
    account = AccountFactory(municipality=municipality, obligor__municipality=municipality)
    sent = SmsMessageFactory(
        batch__municipality=municipality,
        obligor=account.obligor,
        phone__obligor=account.obligor,
        account_ids=[account.pk],
    )
    sending.record_accepted(sent, provider_message_id="SM-accepted-1", at=timezone.now())
    sent.refresh_from_db()
    return sent


def status_event(message, status, **extra):
    return {"type": "status", "message_id": message.provider_message_id, "status": status,
            "at": AT, **extra}  # fmt: skip


def reply_event(number="070-3000-0000", text="来週払います", reply_id="R-1"):
    return {"type": "reply", "from": number, "text": text, "at": AT, "id": reply_id}


def counts(updated=0, replies=0, opted_out=0, unmatched=0):
    return {"updated": updated, "replies": replies, "opted_out": opted_out, "unmatched": unmatched}


def state(message) -> tuple:
    message.refresh_from_db()
    note = message.contact.note if message.contact_id else None
    return (message.status, message.delivered_at, message.error_reason, note)


# --- Where and who -----------------------------------------------------------------------------


def test_the_url_is_where_the_provider_posts():
    assert reverse("api-sms-receipts") == URL


def test_an_unset_secret_refuses_every_request_with_503(api, settings, message):
    settings.SMS_WEBHOOK_SECRET = None
    response = post(api, {"events": [status_event(message, "delivered")]})
    assert response.status_code == 503
    assert "CIVICDESK_SMS_WEBHOOK_SECRET" in response.json()["detail"]
    assert state(message)[0] == SmsMessageStatus.SENT


def test_a_good_signature_is_accepted_without_a_session_or_csrf(api, message):
    response = post(api, {"events": [status_event(message, "delivered")]})
    assert response.status_code == 200, response.content
    assert response.json() == counts(updated=1)


def test_missing_headers_are_401(api, message):
    response = post(api, {"events": [status_event(message, "delivered")]}, headers=False)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("CivicDesk-HMAC-SHA256")
    assert state(message)[0] == SmsMessageStatus.SENT


@pytest.mark.parametrize("missing", ["HTTP_X_CIVICDESK_TIMESTAMP", "HTTP_X_CIVICDESK_SIGNATURE"])
def test_each_missing_header_is_401(api, message, missing):
    body = json.dumps({"events": [status_event(message, "delivered")]}).encode()
    timestamp = str(int(time.time()))
    headers = {
        "HTTP_X_CIVICDESK_TIMESTAMP": timestamp,
        "HTTP_X_CIVICDESK_SIGNATURE": sign(body, timestamp),
    }
    del headers[missing]
    response = api.post(URL, body, content_type="application/json", **headers)
    assert response.status_code == 401
    assert state(message)[0] == SmsMessageStatus.SENT


def test_a_signature_with_another_secret_is_401(api, message):
    payload = {"events": [status_event(message, "delivered")]}
    body = json.dumps(payload).encode()
    timestamp = str(int(time.time()))
    response = post(api, payload, timestamp=timestamp, signature=sign(body, timestamp, "x" * 40))
    assert response.status_code == 401
    assert state(message)[0] == SmsMessageStatus.SENT


def test_a_body_changed_after_signing_is_401(api, message):
    timestamp = str(int(time.time()))
    signed = json.dumps({"events": [status_event(message, "delivered")]}).encode()
    changed = json.dumps({"events": [status_event(message, "failed")]}).encode()
    response = post(api, None, raw=changed, timestamp=timestamp, signature=sign(signed, timestamp))
    assert response.status_code == 401
    assert state(message)[0] == SmsMessageStatus.SENT


def test_a_signature_without_its_prefix_is_401(api, message):
    body = json.dumps({"events": [status_event(message, "delivered")]}).encode()
    timestamp = str(int(time.time()))
    bare = sign(body, timestamp).removeprefix("sha256=")
    response = post(api, None, raw=body, timestamp=timestamp, signature=bare)
    assert response.status_code == 401


def test_the_hex_may_be_upper_case(api, message):
    body = json.dumps({"events": [status_event(message, "delivered")]}).encode()
    timestamp = str(int(time.time()))
    upper = "sha256=" + sign(body, timestamp).removeprefix("sha256=").upper()
    response = post(api, None, raw=body, timestamp=timestamp, signature=upper)
    assert response.status_code == 200


@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_a_timestamp_more_than_five_minutes_away_is_401_as_a_replay(api, message, offset):
    timestamp = str(int(time.time()) + offset)
    response = post(api, {"events": [status_event(message, "delivered")]}, timestamp=timestamp)
    assert response.status_code == 401
    assert "300" in response.json()["detail"]
    assert state(message)[0] == SmsMessageStatus.SENT


@pytest.mark.parametrize("offset", [-290, 290])
def test_a_timestamp_within_five_minutes_is_accepted(api, message, offset):
    timestamp = str(int(time.time()) + offset)
    response = post(api, {"events": [status_event(message, "delivered")]}, timestamp=timestamp)
    assert response.status_code == 200


@pytest.mark.parametrize("timestamp", ["2025-06-10T10:00:00", "-1", "12.5", "abc"])
def test_a_timestamp_that_is_not_unix_seconds_is_401(api, message, timestamp):
    response = post(api, {"events": [status_event(message, "delivered")]}, timestamp=timestamp)
    assert response.status_code == 401


def test_the_access_log_names_the_provider_for_what_it_changed(api, message):
    post(api, {"events": [status_event(message, "delivered")]})
    entry = AccessLogEntry.objects.get(object_type="sms.smsmessage", object_id=str(message.pk))
    assert entry.actor is None
    assert entry.actor_username == "SMS 配信結果（API）"
    assert entry.action == "change"


# --- Validation: everything first, nothing applied on an error ---------------------------------


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"type": "status", "message_id": "SM1", "at": AT}, "status"),
        ({"type": "status", "message_id": "SM1", "status": "read", "at": AT}, "status"),
        ({"type": "status", "status": "delivered", "at": AT}, "message_id"),
        ({"type": "status", "message_id": "SM1", "status": "delivered", "at": "昨日"}, "at"),
        ({"type": "reply", "text": "はい", "at": AT, "id": "R9"}, "from"),
        ({"type": "reply", "from": "09010000000", "text": "はい", "at": AT}, "id"),
        ({"type": "letter", "at": AT}, "type"),
    ],
)
def test_one_bad_event_is_400_naming_its_index_and_nothing_is_applied(api, message, bad, field):
    payload = {"events": [status_event(message, "delivered"), reply_event(), bad]}
    response = post(api, payload)
    assert response.status_code == 400
    errors = response.json()["events"]
    assert list(errors) == ["2"]
    assert field in errors["2"]
    assert state(message)[0] == SmsMessageStatus.SENT
    assert not SmsReply.objects.exists()


def test_every_bad_event_is_named_at_once(api, message):
    payload = {"events": [{"type": "status", "at": AT}, status_event(message, "x"), reply_event()]}
    response = post(api, payload)
    assert response.status_code == 400
    assert sorted(response.json()["events"]) == ["0", "1"]


@pytest.mark.parametrize(
    "payload",
    [{}, {"events": "none"}, {"events": {"0": {}}}, [], {"events": [1, 2]}],
)
def test_a_body_of_the_wrong_shape_is_400(api, message, payload):
    assert post(api, payload).status_code == 400


def test_a_body_that_is_not_json_is_400(api, message):
    assert post(api, None, raw=b"events=1").status_code == 400


def test_more_than_1000_events_is_400_and_1000_is_fine(api, message):
    event = {"type": "status", "message_id": "nobody", "status": "delivered", "at": AT}
    too_many = post(api, {"events": [event] * 1001})
    assert too_many.status_code == 400
    assert "1,000" in json.dumps(too_many.json(), ensure_ascii=False)
    allowed = post(api, {"events": [event] * 1000})
    assert allowed.status_code == 200
    assert allowed.json() == counts(unmatched=1000)


def test_no_events_is_fine(api, municipality):
    response = post(api, {"events": []})
    assert response.status_code == 200
    assert response.json() == counts()


# --- What each receipt does ----------------------------------------------------------------------


def test_delivered_marks_the_message_delivered_at_the_receipts_time(api, message):
    note = message.contact.note
    response = post(api, {"events": [status_event(message, "delivered")]})
    assert response.json() == counts(updated=1)
    status, delivered_at, reason, new_note = state(message)
    assert status == SmsMessageStatus.DELIVERED
    assert delivered_at == AT_TIME
    assert (reason, new_note) == ("", note)


def test_failed_keeps_the_reason_and_notes_it_on_the_contact(api, message):
    note = message.contact.note
    post(api, {"events": [status_event(message, "failed", reason="宛先不明（圏外）")]})
    status, _, reason, new_note = state(message)
    assert status == SmsMessageStatus.FAILED
    assert reason == "宛先不明（圏外）"
    assert new_note == f"{note}\n配信失敗: 宛先不明（圏外）"
    # A text that never arrived does not hold back the next call (pacing).
    assert Contact.objects.get(pk=message.contact_id).paces is False


def test_a_long_reason_is_cut_to_what_the_message_keeps(api, message):
    post(api, {"events": [status_event(message, "failed", reason="あ" * 700)]})
    assert state(message)[2] == "あ" * 500


def test_unknown_marks_a_sent_message_unknown(api, message):
    post(api, {"events": [status_event(message, "unknown")]})
    assert state(message)[0] == SmsMessageStatus.UNKNOWN


def test_a_receipt_may_name_the_message_by_our_key(api, message):
    event = {"type": "status", "key": message.key, "status": "delivered", "at": AT}
    assert post(api, {"events": [event]}).json() == counts(updated=1)
    assert state(message)[0] == SmsMessageStatus.DELIVERED


def test_the_key_wins_over_a_provider_id_of_another_message(api, message, municipality):
    other = SmsMessageFactory(batch=message.batch, sent=True)
    event = {"type": "status", "key": message.key, "message_id": other.provider_message_id,
             "status": "delivered", "at": AT}  # fmt: skip
    post(api, {"events": [event]})
    assert state(message)[0] == SmsMessageStatus.DELIVERED
    assert state(other)[0] == SmsMessageStatus.SENT


@pytest.mark.parametrize(
    "left", [SmsMessageStatus.SENDING, SmsMessageStatus.RETRY, SmsMessageStatus.UNKNOWN]
)
@pytest.mark.parametrize("receipt", ["delivered", "failed"])
def test_a_message_left_in_doubt_was_accepted_after_all_and_gets_its_contact(
    api, municipality, left, receipt
):
    account = AccountFactory(municipality=municipality, obligor__municipality=municipality)
    doubt = SmsMessageFactory(
        batch__municipality=municipality,
        obligor=account.obligor,
        phone__obligor=account.obligor,
        account_ids=[account.pk],
        status=left,
        attempts=1,
    )
    event = {"type": "status", "key": doubt.key, "message_id": "SM-late", "status": receipt,
             "at": AT, "reason": "圏外"}  # fmt: skip
    assert post(api, {"events": [event]}).json() == counts(updated=1)
    doubt.refresh_from_db()
    assert doubt.status == receipt
    assert doubt.provider_message_id == "SM-late"
    assert doubt.sent_at == AT_TIME
    contact = Contact.objects.get(obligor=account.obligor)
    assert doubt.contact == contact
    assert (contact.channel, contact.outcome) == (ContactChannel.SMS, ContactOutcome.SENT)
    assert list(contact.covered.values_list("account_id", flat=True)) == [account.pk]
    assert ("配信失敗: 圏外" in contact.note) == (receipt == "failed")


# --- Precedence ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "then", "final"),
    [
        ("delivered", "unknown", SmsMessageStatus.DELIVERED),
        ("failed", "unknown", SmsMessageStatus.FAILED),
        ("delivered", "failed", SmsMessageStatus.DELIVERED),
        ("failed", "delivered", SmsMessageStatus.DELIVERED),
        ("unknown", "delivered", SmsMessageStatus.DELIVERED),
        ("unknown", "failed", SmsMessageStatus.FAILED),
    ],
)
@pytest.mark.parametrize("together", [True, False], ids=["one request", "two requests"])
def test_delivered_and_failed_are_final_and_delivered_corrects_failed(
    api, message, first, then, final, together
):
    events = [status_event(message, first, reason="圏外"), status_event(message, then)]
    if together:
        post(api, {"events": events})
    else:
        post(api, {"events": events[:1]})
        post(api, {"events": events[1:]})
    assert state(message)[0] == final


def test_failed_after_delivered_changes_nothing_at_all(api, message):
    post(api, {"events": [status_event(message, "delivered")]})
    before = state(message)
    response = post(api, {"events": [status_event(message, "failed", reason="圏外")]})
    assert response.json() == counts()
    assert state(message) == before


def test_a_correction_to_delivered_clears_the_reason_and_says_so_on_the_contact(api, message):
    note = message.contact.note
    post(api, {"events": [status_event(message, "failed", reason="圏外")]})
    post(api, {"events": [status_event(message, "delivered")]})
    status, delivered_at, reason, new_note = state(message)
    assert (status, delivered_at, reason) == (SmsMessageStatus.DELIVERED, AT_TIME, "")
    assert new_note == f"{note}\n配信失敗: 圏外\n配信済み（配信結果の訂正）"
    assert Contact.objects.get(pk=message.contact_id).paces is True


# --- Idempotency and unmatched ids ----------------------------------------------------------------


def test_the_same_request_twice_changes_nothing_more(api, message):
    payload = {
        "events": [
            status_event(message, "failed", reason="圏外"),
            reply_event(number=message.phone.display, reply_id="R-42"),
            reply_event(number=message.phone.display, text="ＳＴＯＰ", reply_id="R-43"),
        ]
    }
    first = post(api, payload)
    assert first.json() == counts(updated=1, replies=2, opted_out=1)
    before = (
        state(message),
        Contact.objects.count(),
        SmsReply.objects.count(),
        OptOut.objects.count(),
        AccessLogEntry.objects.count(),
    )
    again = post(api, payload)
    assert again.status_code == 200
    assert again.json() == counts()
    after = (
        state(message),
        Contact.objects.count(),
        SmsReply.objects.count(),
        OptOut.objects.count(),
        AccessLogEntry.objects.count(),
    )
    assert after == before


def test_ids_that_match_no_message_are_counted_not_refused(api, message):
    elsewhere = SmsMessageFactory(
        batch=SmsBatchFactory(municipality=MunicipalityFactory(code="271004", name="大阪市")),
        sent=True,
    )
    events = [
        {"type": "status", "message_id": "SM-nobody", "status": "delivered", "at": AT},
        {"type": "status", "key": "b0-o0-none", "status": "failed", "at": AT},
        # Another municipality's message is not this installation's default municipality's.
        {"type": "status", "key": elsewhere.key, "status": "delivered", "at": AT},
        status_event(message, "delivered"),
    ]
    response = post(api, {"events": events})
    assert response.status_code == 200
    assert response.json() == counts(updated=1, unmatched=3)
    assert state(elsewhere)[0] == SmsMessageStatus.SENT


# --- Nothing personal in any answer ---------------------------------------------------------------


def test_no_answer_carries_personal_data(api, settings, message):
    person = message.obligor
    secret_bits = [
        person.name,
        person.resident_no,
        message.phone.display,
        message.number,
        message.number.removeprefix("+81"),
        "来週払います",
    ]
    good = {
        "events": [
            status_event(message, "failed", reason="圏外"),
            reply_event(number=message.phone.display, text="来週払います"),
        ]
    }
    bad = {"events": [reply_event(number=message.phone.display, text="来週払います") | {"at": "x"}]}
    wrong_status = {"events": [status_event(message, message.number)]}
    answers = [post(api, good), post(api, bad), post(api, wrong_status)]
    answers.append(post(api, good, signature="sha256=00"))
    settings.SMS_WEBHOOK_SECRET = None
    answers.append(post(api, good))
    assert [a.status_code for a in answers] == [200, 400, 400, 401, 503]
    for answer in answers:
        text = answer.content.decode()
        for bit in secret_bits:
            assert bit not in text, (answer.status_code, bit)


# --- The OpenAPI schema ---------------------------------------------------------------------------


def test_the_schema_documents_the_endpoint_and_its_signature():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][URL]["post"]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "429", "503"}
    assert operation["security"] == [{"smsSignature": []}]
    scheme = schema["components"]["securitySchemes"]["smsSignature"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == (
        "apiKey",
        "header",
        "X-CivicDesk-Signature",
    )
    event = schema["components"]["schemas"]["ReceiptEvent"]
    assert {"type", "message_id", "key", "status", "at", "from", "text", "id"} <= set(
        event["properties"]
    )


def test_the_schema_page_lists_it(client, staff):
    sign_in(client, staff)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert URL in response.content.decode()


def test_message_rows_are_untouched_by_a_refused_request(api, message):
    before = SmsMessage.objects.filter(pk=message.pk).values().get()
    post(api, {"events": [status_event(message, "delivered")]}, signature="sha256=bad")
    assert SmsMessage.objects.filter(pk=message.pk).values().get() == before
