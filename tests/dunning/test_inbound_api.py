"""POST /api/calls/inbound: the PBX's webhook (bearer token, no session, no CSRF, no names)."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from civicdesk.audit.models import AccessLogEntry
from civicdesk.dunning.models import InboundCall
from civicdesk.registry.models import PhoneStatus
from tests.conftest import sign_in
from tests.registry.factories import AccountFactory, ObligorFactory, PhoneFactory

pytestmark = pytest.mark.django_db

TOKEN = "pbx-secret-0123456789abcdefghijklmnop"


@pytest.fixture
def api(settings):
    settings.PBX_API_TOKEN = TOKEN
    # A browser-like client that would enforce CSRF: the API must not need it.
    return Client(enforce_csrf_checks=True)


def post(client, body, token=TOKEN, raw=False):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    data = body if raw else json.dumps(body)
    return client.post(
        reverse("api-calls-inbound"), data, content_type="application/json", **headers
    )


@pytest.fixture
def caller(municipality):
    person = ObligorFactory(municipality=municipality)
    AccountFactory(obligor=person)
    PhoneFactory(obligor=person, display="090-1234-5678")
    return person


def test_the_url_is_where_the_pbx_expects_it():
    assert reverse("api-calls-inbound") == "/api/calls/inbound"


def test_an_unset_token_refuses_every_call_with_503(settings, municipality):
    settings.PBX_API_TOKEN = None
    response = post(Client(), {"caller": "09012345678"})
    assert response.status_code == 503
    assert "CIVICDESK_PBX_API_TOKEN" in response.json()["detail"]
    assert not InboundCall.objects.exists()


def test_a_missing_token_is_401(api, municipality):
    response = post(api, {"caller": "09012345678"}, token=None)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not InboundCall.objects.exists()


@pytest.mark.parametrize("token", ["wrong", TOKEN + "x", TOKEN[:-1], ""])
def test_a_wrong_token_is_401(api, municipality, token):
    response = post(api, {"caller": "09012345678"}, token=token)
    assert response.status_code == 401
    assert not InboundCall.objects.exists()


def test_another_scheme_is_401(api, municipality):
    response = api.post(
        "/api/calls/inbound",
        json.dumps({"caller": "09012345678"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {TOKEN}",
    )
    assert response.status_code == 401


def test_a_body_without_caller_is_400_naming_the_field(api, municipality):
    response = post(api, {"operator": "operator1"})
    assert response.status_code == 400
    assert list(response.json()) == ["caller"]


@pytest.mark.parametrize("value", [9012345678, True, ["09012345678"]])
def test_a_caller_that_is_not_a_string_is_400_not_coerced(api, municipality, value):
    response = post(api, {"caller": value})
    assert response.status_code == 400
    assert response.json()["caller"] == ["文字列で指定してください。"]
    assert not InboundCall.objects.exists()


def test_a_body_that_is_not_json_is_400(api, municipality):
    response = post(api, "caller=0901234", raw=True)
    assert response.status_code == 400


def test_an_unknown_operator_is_400_naming_the_field(api, municipality):
    response = post(api, {"caller": "09012345678", "operator": "nobody"})
    assert response.status_code == 400
    assert list(response.json()) == ["operator"]
    assert not InboundCall.objects.exists()


@pytest.mark.parametrize("notation", ["090-1234-5678", "+81 90 1234 5678", "09012345678"])
def test_every_notation_finds_the_caller(api, caller, notation):
    response = post(api, {"caller": notation})
    assert response.status_code == 201
    body = response.json()
    # Only the id and the count: no name, number or resident_no goes back to the PBX.
    assert set(body) == {"call_id", "matches"}
    assert body["matches"] == 1
    call = InboundCall.objects.get(pk=body["call_id"])
    assert call.caller == "+819012345678"
    assert call.caller_display == "090-1234-5678"
    assert list(call.matches.all()) == [caller]
    assert call.operator is None


def test_the_operator_named_by_the_pbx_is_stored(api, caller, operator):
    response = post(api, {"caller": "09012345678", "operator": operator.username})
    assert response.status_code == 201
    assert InboundCall.objects.get().operator == operator


def test_every_obligor_with_the_number_is_a_match(api, caller, municipality):
    spouse = ObligorFactory(municipality=municipality)
    PhoneFactory(obligor=spouse, display="09012345678")
    assert post(api, {"caller": "09012345678"}).json()["matches"] == 2


def test_a_number_marked_wrong_person_does_not_match(api, caller):
    caller.phones.update(status=PhoneStatus.WRONG_PERSON)
    assert post(api, {"caller": "09012345678"}).json()["matches"] == 0


def test_a_withheld_number_is_kept_as_typed(api, caller):
    response = post(api, {"caller": "非通知"})
    assert response.status_code == 201
    assert response.json()["matches"] == 0
    call = InboundCall.objects.get()
    assert call.caller == ""
    assert call.caller_display == "非通知"


def test_the_announcement_is_logged_as_the_pbx(api, caller):
    call_id = post(api, {"caller": "09012345678"}).json()["call_id"]
    entry = AccessLogEntry.objects.get(object_type="dunning.inboundcall", object_id=str(call_id))
    assert entry.action == "create"
    assert entry.actor is None
    assert entry.actor_username == "PBX"


def test_the_schema_documents_the_endpoint_and_its_bearer_token():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/calls/inbound"]["post"]
    assert set(operation["responses"]) == {"201", "400", "401", "403", "429", "503"}
    assert operation["security"] == [{"pbxToken": []}]
    assert schema["components"]["securitySchemes"]["pbxToken"]["scheme"] == "bearer"
    body = schema["components"]["schemas"]["InboundCall"]
    assert body["required"] == ["caller"]


def test_the_schema_page_lists_it(client, staff):

    sign_in(client, staff)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/calls/inbound" in response.content.decode()
