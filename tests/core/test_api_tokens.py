"""API tokens scoped per integration (issue 8 §7): made once and kept as SHA-256 only, one
integration each, revocable; the PBX endpoint takes pbx tokens (and the older setting), the SMS
receipts endpoint keeps its signature and checks a token when one is sent."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from civicdesk.core.api_tokens import TokenError, create_api_token, revoke_api_token
from civicdesk.core.models import ApiToken, Integration
from civicdesk.dunning.models import InboundCall

pytestmark = pytest.mark.django_db

LEGACY = "pbx-secret-0123456789abcdefghijklmnop"
SMS_SECRET = "sms-webhook-secret-0123456789abcdefghij"


def make(integration, name="テスト"):
    return create_api_token(acting_user=None, integration=integration, name=name)


def inbound(token):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return Client(enforce_csrf_checks=True).post(
        reverse("api-calls-inbound"),
        json.dumps({"caller": "09012345678"}),
        content_type="application/json",
        **headers,
    )


def receipts(token=None, *, signed=True):
    body = json.dumps({"events": []}).encode()
    timestamp = str(int(time.time()))
    # The documented recipe, computed here: HMAC-SHA256(secret, timestamp + "." + body).
    mac = hmac.new(SMS_SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    headers = {}
    if signed:
        headers = {
            "HTTP_X_CIVICDESK_TIMESTAMP": timestamp,
            "HTTP_X_CIVICDESK_SIGNATURE": "sha256=" + mac.hexdigest(),
        }
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return Client().post("/api/sms/receipts", body, content_type="application/json", **headers)


@pytest.fixture(autouse=True)
def _no_legacy_secrets(settings):
    settings.PBX_API_TOKEN = None
    settings.SMS_WEBHOOK_SECRET = SMS_SECRET


# --- Made once, kept as a hash ------------------------------------------------------------------


def test_a_token_is_shown_once_and_only_its_sha256_is_kept():
    row, token = make(Integration.PBX, "本庁舎 PBX")
    assert len(token) >= 40
    assert row.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    stored = ApiToken.objects.values().get(pk=row.pk)
    assert token not in json.dumps(stored, default=str)
    assert (row.name, row.integration, row.last_used_at, row.revoked_at) == (
        "本庁舎 PBX", "pbx", None, None,
    )  # fmt: skip


def test_two_tokens_are_never_the_same():
    assert make(Integration.PBX)[1] != make(Integration.PBX)[1]


def test_an_unknown_integration_or_an_empty_name_is_refused():

    with pytest.raises(TokenError):
        make("ldap")
    with pytest.raises(TokenError):
        make(Integration.PBX, name="  ")


# --- The PBX endpoint ---------------------------------------------------------------------------


def test_a_pbx_token_announces_a_call_and_notes_its_use(municipality):
    row, token = make(Integration.PBX)
    response = inbound(token)
    assert response.status_code == 201
    assert InboundCall.objects.count() == 1
    row.refresh_from_db()
    assert row.last_used_at is not None


@pytest.mark.parametrize("integration", [Integration.SMS_RECEIPTS, Integration.CORE_IMPORT])
def test_a_token_of_another_integration_is_403_at_the_pbx_endpoint(municipality, integration):
    make(Integration.PBX)
    _, token = make(integration)
    response = inbound(token)
    assert response.status_code == 403
    assert "この連携には使えません" in response.json()["detail"]
    assert not InboundCall.objects.exists()


def test_a_revoked_token_is_401_from_the_next_request_on(municipality):
    row, token = make(Integration.PBX)
    assert inbound(token).status_code == 201
    revoke_api_token(acting_user=None, token_id=row.pk)
    make(Integration.PBX, "後継")  # the endpoint is still configured
    response = inbound(token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert InboundCall.objects.count() == 1


@pytest.mark.parametrize("token", ["cdk_unknown", "", None])
def test_an_unknown_or_missing_token_is_401_once_a_pbx_token_exists(municipality, token):
    make(Integration.PBX)
    assert inbound(token).status_code == 401


def test_without_any_pbx_token_or_setting_the_endpoint_says_what_to_set(municipality):
    make(Integration.SMS_RECEIPTS)
    revoked, _ = make(Integration.PBX)
    revoke_api_token(acting_user=None, token_id=revoked.pk)
    response = inbound("anything")
    assert response.status_code == 503
    assert "api-token create --integration pbx" in response.json()["detail"]


def test_the_older_setting_still_works_beside_tokens(settings, municipality):
    settings.PBX_API_TOKEN = LEGACY
    _, token = make(Integration.PBX)
    assert inbound(LEGACY).status_code == 201
    assert inbound(token).status_code == 201
    assert inbound(LEGACY + "x").status_code == 401


# --- The SMS receipts endpoint ----------------------------------------------------------------


def test_the_signature_alone_is_still_enough_for_sms_receipts(municipality):
    assert receipts().status_code == 200


def test_a_token_sent_with_sms_receipts_must_be_an_sms_receipts_token(municipality):
    _, sms_token = make(Integration.SMS_RECEIPTS)
    _, pbx_token = make(Integration.PBX)
    assert receipts(sms_token).status_code == 200
    assert receipts(pbx_token).status_code == 403
    assert receipts("cdk_unknown").status_code == 401


def test_a_token_does_not_replace_the_signature(municipality):
    _, sms_token = make(Integration.SMS_RECEIPTS)
    assert receipts(sms_token, signed=False).status_code == 401


def test_a_revoked_sms_token_is_refused_even_with_a_good_signature(municipality):
    row, token = make(Integration.SMS_RECEIPTS)
    revoke_api_token(acting_user=None, token_id=row.pk)
    assert receipts(token).status_code == 401


# --- civicdesk api-token -----------------------------------------------------------------------


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("api-token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_creates_lists_and_revokes(municipality, admin_user):
    out, err = run(
        "create", "--integration", "pbx", "--name", "本庁舎 PBX", "--by", admin_user.username
    )
    token = out.strip()
    assert inbound(token).status_code == 201
    assert "一度だけ" in err
    row = ApiToken.objects.get()
    assert row.created_by == admin_user

    listed = [json.loads(line) for line in run("list")[0].splitlines()]
    assert [(item["id"], item["name"], item["integration"]) for item in listed] == [
        (row.pk, "本庁舎 PBX", "pbx")
    ]
    assert token not in run("list")[0]

    run("revoke", str(row.pk))
    assert run("list")[0] == ""
    assert json.loads(run("list", "--all")[0])["revoked_at"] is not None
    assert inbound(token).status_code in (401, 503)


def test_the_command_names_the_os_account_without_by():
    run("create", "--integration", "core_import", "--name", "基幹")
    assert ApiToken.objects.get().created_by_name.startswith("コマンド api-token")


def test_the_command_refuses_an_unknown_token_or_user():
    with pytest.raises(CommandError):
        run("revoke", "999")
    with pytest.raises(CommandError):
        run("create", "--integration", "pbx", "--name", "x", "--by", "nobody")
