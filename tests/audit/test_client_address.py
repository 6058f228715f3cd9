"""The access log records the client of the request being served, set once by middleware
(audit.context), and no address for commands and tasks, which serve no client."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from civicdesk.audit.context import current_client_address, serving_client
from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.audit.services import record_access
from civicdesk.core.middleware import ClientAddressMiddleware
from tests.conftest import sign_in, sign_in_through_forms
from tests.receivables.fixtures.files import receivables_row, write_csv

pytestmark = pytest.mark.django_db

SEARCH = "registry:search"
# An import also registers its hand-over (privacy.handoverrecord, same user, same action).
IMPORT_RUN = "receivables.importrun"


def search(client, **headers):
    response = client.post(reverse(SEARCH), {"query": "山田", "kind": "name"}, **headers)
    assert response.status_code == 200
    return AccessLogEntry.objects.filter(action=AccessAction.SEARCH).latest("seq")


def test_a_page_request_records_the_connecting_address(client, supervisor):
    sign_in(client, supervisor)
    entry = search(client, REMOTE_ADDR="192.0.2.10")
    assert (entry.actor, entry.ip_address) == (supervisor, "192.0.2.10")


def test_behind_the_trusted_proxy_the_forwarded_address_is_recorded(client, supervisor):
    sign_in(client, supervisor)
    entry = search(client, REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="10.20.1.1")
    assert entry.ip_address == "10.20.1.1"


def test_a_client_cannot_claim_an_address_without_the_proxy(client, supervisor):
    sign_in(client, supervisor)
    entry = search(client, REMOTE_ADDR="203.0.113.9", HTTP_X_REAL_IP="10.20.1.1")
    assert entry.ip_address == "203.0.113.9"


def test_the_sign_in_itself_is_logged_with_the_address(client, supervisor):
    client.defaults["REMOTE_ADDR"] = "192.0.2.20"
    sign_in_through_forms(client, supervisor)
    login = AccessLogEntry.objects.filter(action=AccessAction.LOGIN).latest("seq")
    assert login.ip_address == "192.0.2.20"


def test_no_address_is_left_behind_after_a_request(client, supervisor):
    sign_in(client, supervisor)
    search(client, REMOTE_ADDR="192.0.2.10")
    assert current_client_address() is None
    entry = record_access(acting_user=supervisor, action=AccessAction.VIEW, obj=supervisor)
    assert entry.ip_address is None


def test_a_command_records_no_address(client, supervisor, staff, tmp_path):
    # A request first: its address must not reach the command run after it.
    sign_in(client, supervisor)
    search(client, REMOTE_ADDR="192.0.2.10")
    path = write_csv(tmp_path / "滞納.csv", [receivables_row()], encoding="cp932")
    call_command("import", "receivables", str(path), "--user", staff.username, stdout=None)
    entry = AccessLogEntry.objects.get(
        actor=staff, action=AccessAction.CREATE, object_type=IMPORT_RUN
    )
    assert entry.ip_address is None


# The worker closes its database connection between tasks, as a real worker process does: on
# PostgreSQL that needs a test with real transactions, not one inside the test's transaction.
@pytest.mark.django_db(transaction=True)
def test_a_task_run_by_the_worker_records_no_address(client, staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    sign_in(client, staff)
    upload = SimpleUploadedFile(
        "滞納.csv",
        write_csv(tmp_path / "滞納.csv", [receivables_row()], encoding="cp932").read_bytes(),
        content_type="text/csv",
    )
    data = {"kind": "receivables", "encoding": "", "file": upload}
    response = client.post(reverse("receivables:imports"), data, REMOTE_ADDR="192.0.2.30")
    assert response.status_code == 302
    call_command("worker", "--batch")  # the validation run
    validation = AccessLogEntry.objects.get(
        actor=staff, action=AccessAction.CREATE, object_type=IMPORT_RUN
    )
    pk = validation.object_id
    response = client.post(
        reverse("receivables:import_execute", args=[pk]), REMOTE_ADDR="192.0.2.30"
    )
    assert response.status_code == 302
    call_command("worker", "--batch")  # the import itself writes its own entry
    queued, imported = AccessLogEntry.objects.filter(
        actor=staff, action=AccessAction.CREATE, object_type=IMPORT_RUN
    ).order_by("seq")[1:]
    assert (queued.ip_address, imported.ip_address) == ("192.0.2.30", None)
    assert imported.reason.startswith("取込み: ")


def test_the_middleware_resets_the_address_after_an_exception():
    def failing(request):
        assert current_client_address() == "192.0.2.40"
        raise RuntimeError("view failed")

    middleware = ClientAddressMiddleware(failing)
    with pytest.raises(RuntimeError):
        middleware(RequestFactory().get("/", REMOTE_ADDR="192.0.2.40"))
    assert current_client_address() is None


def test_the_middleware_restores_what_was_there_before():
    seen = []
    middleware = ClientAddressMiddleware(lambda request: seen.append(current_client_address()))
    with serving_client("192.0.2.50"):
        middleware(RequestFactory().get("/", REMOTE_ADDR="192.0.2.51"))
        assert current_client_address() == "192.0.2.50"
    assert seen == ["192.0.2.51"]
    assert current_client_address() is None


def test_one_request_does_not_see_the_previous_ones_address():
    seen = []
    middleware = ClientAddressMiddleware(
        lambda request: seen.append(current_client_address()) or HttpResponse()
    )
    middleware(RequestFactory().get("/", REMOTE_ADDR="192.0.2.60"))
    middleware(RequestFactory().get("/", REMOTE_ADDR=""))
    assert seen == ["192.0.2.60", None]


def test_an_explicit_address_wins_over_the_request(supervisor):
    with serving_client("192.0.2.70"):
        served = record_access(acting_user=supervisor, action=AccessAction.VIEW, obj=supervisor)
        told = record_access(
            acting_user=supervisor, action=AccessAction.VIEW, obj=supervisor, ip_address="10.0.0.1"
        )
    assert (served.ip_address, told.ip_address) == ("192.0.2.70", "10.0.0.1")


def test_an_ipv6_client_is_stored_in_canonical_form(supervisor):
    with serving_client("2001:DB8:0:0::1"):
        entry = record_access(acting_user=supervisor, action=AccessAction.VIEW, obj=supervisor)
    entry.refresh_from_db()
    assert entry.ip_address == "2001:db8::1"
