"""The machine API against its own OpenAPI schema (issue 8 §8): schemathesis generates requests
for every operation of the schema drf-spectacular serves at /api/schema/, sends them through the
WSGI application as the machines do (the PBX's bearer token; the SMS provider's HMAC signature,
computed over each generated body), and checks that no answer is a 5xx and every answer conforms
to the schema (documented status code, content type, headers, body).

Bounded and deterministic: derandomized hypothesis, 50 examples per operation, no deadline.
"""

from __future__ import annotations

import io
import json
import time

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from werkzeug.test import Client

from civicdesk.sms.api import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_for
from tests.conftest import sign_in

PBX_TOKEN = "pbx-" + "t" * 40
SMS_SECRET = "sms-" + "s" * 40
MAX_EXAMPLES = 50


def _environ_key(header: str) -> str:
    return "HTTP_" + header.upper().replace("-", "_")


# What the test puts where a machine puts its credentials: the middleware below replaces them
# with real ones. The checks for ignored auth send requests without them, or with values of their
# own, which then stay as they are (and must be refused).
SIGN_ME = "sign-me"
CREDENTIALS = {
    "pbxToken": {"Authorization": f"Bearer {SIGN_ME}"},
    "smsSignature": {SIGNATURE_HEADER: SIGN_ME, TIMESTAMP_HEADER: SIGN_ME},
}


def as_the_machines_call(app):
    """WSGI middleware standing for the PBX and the SMS provider: the PBX's real token, and the
    provider's timestamp and HMAC signature over the exact bytes sent (a negative body too)."""

    def application(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        if environ.get(_environ_key(SIGNATURE_HEADER)) == SIGN_ME:
            timestamp = str(int(time.time()))
            environ[_environ_key(TIMESTAMP_HEADER)] = timestamp
            environ[_environ_key(SIGNATURE_HEADER)] = signature_for(SMS_SECRET, timestamp, body)
        if environ.get("HTTP_AUTHORIZATION") == f"Bearer {SIGN_ME}":
            environ["HTTP_AUTHORIZATION"] = f"Bearer {PBX_TOKEN}"
        return app(environ, start_response)

    return application


def credentials_for(case) -> dict[str, str]:
    headers: dict[str, str] = {}
    for requirement in case.operation.definition.raw.get("security", []):
        for scheme in requirement:
            headers.update(CREDENTIALS[scheme])
    return headers


@pytest.fixture
def machine_settings(settings, municipality):
    settings.PBX_API_TOKEN = PBX_TOKEN
    settings.SMS_WEBHOOK_SECRET = SMS_SECRET
    settings.ALLOWED_HOSTS = ["*"]
    settings.ROSTER_REQUIRED = False
    # As Django's test client does: the WSGI handler must not close the test's database
    # connection at the end of each request (CIVICDESK_DB_CONN_MAX_AGE=0 on PostgreSQL).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield settings
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def served_schema() -> dict:
    """The schema exactly as /api/schema/ serves it (same generator, same JSON renderer);
    test_the_loaded_schema_is_the_served_one checks that against the page itself."""
    generator = SchemaGenerator(urlconf=None, api_version=None, patterns=None)
    return json.loads(OpenApiJsonRenderer().render(generator.get_schema(request=None, public=True)))


schema = schemathesis.openapi.from_dict(served_schema())
schema.app = as_the_machines_call(get_wsgi_application())
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True)


def test_the_loaded_schema_is_the_served_one(machine_settings, client, staff):
    sign_in(client, staff)
    response = client.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["paths"] == served_schema()["paths"]
    assert set(served_schema()["paths"]) >= {"/api/calls/inbound", "/api/sms/receipts"}


@pytest.mark.django_db
@pytest.mark.usefixtures("machine_settings")
@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_api_operation_answers_without_5xx_and_as_its_schema_says(case):
    # Every default check but one: a schema-valid receipt can still be refused 400 by a rule
    # the schema cannot express (which fields an event needs depends on its type).
    case.call_and_validate(
        headers=credentials_for(case), excluded_checks=[positive_data_acceptance]
    )


@pytest.mark.django_db
def test_the_machines_credentials_are_accepted_so_the_generated_requests_reach_the_views(
    machine_settings,
):
    """Not vacuous: through the same middleware, a valid call of each operation is accepted
    (201 / 200); the same call without the credentials is refused (401)."""

    client = Client(schema.app)
    inbound = {"caller": "0312345678"}
    receipts = {"events": []}
    pbx = CREDENTIALS["pbxToken"]
    sms = CREDENTIALS["smsSignature"]
    assert client.post("/api/calls/inbound", json=inbound, headers=pbx).status_code == 201
    assert client.post("/api/sms/receipts", json=receipts, headers=sms).status_code == 200
    assert client.post("/api/calls/inbound", json=inbound).status_code == 401
    assert client.post("/api/sms/receipts", json=receipts).status_code == 401
