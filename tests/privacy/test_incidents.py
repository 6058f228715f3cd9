"""Incidents (事故記録, issue 8 §5, seed 000 別紙1 第14条): record, change, report (第N報) with
its PDF, close; Japanese errors that name their field; who may do what."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader

from civicdesk.audit.context import serving_client
from civicdesk.audit.models import AccessLogEntry
from civicdesk.core.calendar import TOKYO
from civicdesk.privacy.models import Incident, IncidentStatus
from civicdesk.privacy.services import incidents
from tests.conftest import sign_in
from tests.factories import MunicipalityFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 6, 12, 10, 0, tzinfo=TOKYO)
VALUES = {
    "occurred_at": dt.datetime(2025, 6, 10, 14, 30, tzinfo=TOKYO),
    "discovered_at": dt.datetime(2025, 6, 11, 9, 15, tzinfo=TOKYO),
    "place": "納付案内センター 架電室",
    "content": "架電リスト（氏名・電話番号）1枚",
    "affected_count": 12,
    "circumstances": "退勤時の点検で所在不明と判明した。",
    "cause": "",
    "measures": "",
    "prevention": "",
}
FORM = {
    "occurred_at": "2025-06-10T14:30",
    "discovered_at": "2025-06-11T09:15",
    "place": "納付案内センター 架電室",
    "content": "架電リスト（氏名・電話番号）1枚",
    "affected_count": "12",
    "circumstances": "退勤時の点検で所在不明と判明した。",
}


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def entries(incident) -> list[AccessLogEntry]:
    return list(
        AccessLogEntry.objects.filter(
            object_type="privacy.incident", object_id=str(incident.pk)
        ).order_by("seq")
    )


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def incident(supervisor):
    return incidents.record_incident(acting_user=supervisor, **VALUES)


# --- Recording and its checks -------------------------------------------------------------------


def test_a_supervisor_records_an_incident_of_their_municipality(supervisor, municipality):
    with serving_client("10.0.0.5"):
        made = incidents.record_incident(acting_user=supervisor, **VALUES)

    made.refresh_from_db()
    assert made.status == IncidentStatus.RECORDED and made.report_number == 0
    assert (made.municipality, made.recorded_by, made.recorded_at) == (
        municipality,
        supervisor,
        NOW,
    )
    assert (made.place, made.affected_count) == (VALUES["place"], 12)
    (entry,) = entries(made)
    assert (entry.action, entry.actor, entry.ip_address) == ("create", supervisor, "10.0.0.5")
    assert entry.fields == sorted(["occurred_at", "discovered_at", "affected_count", "place",
                                   "content", "circumstances"])  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"place": "  "}, "place", "発生場所を入力してください。"),
        ({"content": ""}, "content", "事案の内容（個人情報の内容）を入力してください。"),
        ({"circumstances": ""}, "circumstances", "発生状況を入力してください。"),
        ({"affected_count": None}, "affected_count",
         "件数を入力してください（不明な場合は判明している件数）。"),
        ({"affected_count": -1}, "affected_count", "件数は0以上で入力してください。"),
        ({"occurred_at": None}, "occurred_at", "発生日時を入力してください。"),
        ({"occurred_at": NOW + dt.timedelta(minutes=1)}, "occurred_at",
         "発生日時に未来の日時は入力できません。"),
        ({"discovered_at": VALUES["occurred_at"] - dt.timedelta(minutes=1)}, "discovered_at",
         "発見日時は発生日時より後の日時にしてください。"),
        ({"place": "あ" * 201}, "place", "発生場所は200文字以内で入力してください。"),
    ],
)  # fmt: skip
def test_the_service_names_the_field_of_each_error_in_japanese(supervisor, change, field, message):
    with pytest.raises(ValidationError) as refused:
        incidents.record_incident(acting_user=supervisor, **{**VALUES, **change})
    assert refused.value.message_dict == {field: [message]}
    assert not Incident.objects.exists() and not AccessLogEntry.objects.exists()


def test_the_same_moment_found_as_it_happened_is_accepted(supervisor):
    same = {**VALUES, "discovered_at": VALUES["occurred_at"], "affected_count": 0}
    assert incidents.record_incident(acting_user=supervisor, **same).affected_count == 0


def test_the_form_shows_the_errors_next_to_their_fields(client, supervisor):
    sign_in(client, supervisor)
    missing = client.post("/privacy/incidents/new/", {**FORM, "place": "", "affected_count": "-2"})
    assert missing.status_code == 200
    assert missing.context["form"].errors == {
        "place": ["発生場所を入力してください。"],
        "affected_count": ["件数は0以上で入力してください。"],
    }
    body = missing.content.decode()
    assert 'id="id_place_error"' in body and "入力内容を確認してください（2 項目）" in body
    # The service's own check (the order of the two moments) lands next to its field too.
    early = client.post("/privacy/incidents/new/", {**FORM, "discovered_at": "2025-06-10T14:00"})
    assert early.context["form"].errors == {
        "discovered_at": ["発見日時は発生日時より後の日時にしてください。"]
    }
    assert 'id="id_discovered_at_error"' in early.content.decode()
    assert not Incident.objects.exists()


def test_the_form_records_and_goes_to_the_incident(client, staff):
    sign_in(client, staff)
    response = client.post("/privacy/incidents/new/", FORM)
    made = Incident.objects.get()
    assert response.status_code == 302 and response.url == f"/privacy/incidents/{made.pk}/"
    assert made.occurred_at == VALUES["occurred_at"] and made.recorded_by == staff
    page = client.get(response.url).content.decode()
    assert "納付案内センター 架電室" in page and "令和7年6月10日" in page


def test_the_page_logs_the_incident_with_the_address_of_the_client(client, staff):
    sign_in(client, staff)
    client.post("/privacy/incidents/new/", FORM, REMOTE_ADDR="192.0.2.31")
    entry = AccessLogEntry.objects.get(object_type="privacy.incident")
    assert (entry.actor, entry.action, entry.ip_address) == (staff, "create", "192.0.2.31")


# --- Changing, reporting, closing ---------------------------------------------------------------


def test_a_change_saves_and_logs_only_the_changed_fields(incident, supervisor):
    changed = incidents.update_incident(
        acting_user=supervisor, incident=incident,
        **{**VALUES, "cause": "机上に放置", "affected_count": 13},
    )  # fmt: skip
    changed.refresh_from_db()
    assert (changed.cause, changed.affected_count) == ("机上に放置", 13)
    assert entries(incident)[-1].fields == ["affected_count", "cause"]
    incidents.update_incident(acting_user=supervisor, incident=changed, **{**VALUES,
                              "cause": "机上に放置", "affected_count": 13})  # fmt: skip
    assert len(entries(incident)) == 2  # nothing changed: nothing logged


def test_reporting_freezes_what_was_reported_and_prints_it(incident, supervisor, inspector):
    reported = incidents.report_incident(acting_user=supervisor, incident=incident)

    assert (reported.status, reported.report_number) == (IncidentStatus.REPORTED, 1)
    assert (reported.reported_by, reported.reported_at) == (supervisor, NOW)
    pdf = incidents.print_report(acting_user=inspector, incident=reported)
    assert hashlib.sha256(pdf).hexdigest() == reported.report_sha256
    text = pdf_text(pdf)
    for expected in (
        "個人情報の漏えい等事案の報告（第1報）",
        "江東区（デモ） 様",
        "発生日時 令和7年6月10日 14:30",
        "発見日時 令和7年6月11日 09:15",
        "発生場所 納付案内センター 架電室",
        "件数 12件",
        "退勤時の点検で所在不明と判明した。",
        "原因 調査中",
    ):
        assert expected in text
    assert [e.action for e in entries(incident)] == ["create", "change", "print"]
    # A later edit does not change the printed 第1報; the 続報 carries it.
    incidents.update_incident(acting_user=supervisor, incident=reported,
                              **{**VALUES, "cause": "机上に放置"})  # fmt: skip
    reported.refresh_from_db()
    assert "机上に放置" not in pdf_text(incidents.print_report(acting_user=inspector,
                                                               incident=reported))  # fmt: skip
    second = incidents.report_incident(acting_user=supervisor, incident=reported)
    text = pdf_text(incidents.print_report(acting_user=inspector, incident=second))
    assert second.report_number == 2 and "（第2報）" in text and "原因 机上に放置" in text


def test_an_unreported_incident_has_no_report_to_print(incident, inspector):
    with pytest.raises(ValidationError):
        incidents.print_report(acting_user=inspector, incident=incident)


def test_staff_close_a_reported_incident_with_a_finding(incident, supervisor, staff):
    with pytest.raises(ValidationError) as not_yet:
        incidents.close_incident(acting_user=staff, incident=incident, note="対応完了")
    assert "報告済み" in not_yet.value.message_dict["__all__"][0]
    incidents.report_incident(acting_user=supervisor, incident=incident)
    with pytest.raises(ValidationError) as no_note:
        incidents.close_incident(acting_user=staff, incident=incident, note=" ")
    assert no_note.value.message_dict == {"note": ["完了の所見を入力してください。"]}

    closed = incidents.close_incident(acting_user=staff, incident=incident, note="再発防止策を確認")

    assert (closed.status, closed.closed_by, closed.closing_note) == (
        IncidentStatus.CLOSED, staff, "再発防止策を確認",
    )  # fmt: skip
    for act in (
        lambda: incidents.update_incident(acting_user=supervisor, incident=closed, **VALUES),
        lambda: incidents.report_incident(acting_user=supervisor, incident=closed),
    ):
        with pytest.raises(ValidationError):
            act()


def test_supervisors_do_not_close_incidents(incident, supervisor):
    incidents.report_incident(acting_user=supervisor, incident=incident)
    with pytest.raises(PermissionDenied):
        incidents.close_incident(acting_user=supervisor, incident=incident, note="完了")


@pytest.mark.parametrize("role", ["operator", "visitor", "inspector", "admin"])
def test_only_supervisors_and_staff_record_incidents(users_by_role, role):
    with pytest.raises(PermissionDenied):
        incidents.record_incident(acting_user=users_by_role[role], **VALUES)


# --- Pages --------------------------------------------------------------------------------------

READ = {"supervisor", "staff", "inspector"}
RECORD = {"supervisor", "staff"}


@pytest.mark.parametrize(
    "role", ["operator", "visitor", "supervisor", "staff", "inspector", "admin"]
)
def test_who_opens_which_incident_page(client, users_by_role, incident, supervisor, role):
    incidents.report_incident(acting_user=supervisor, incident=incident)
    sign_in(client, users_by_role[role])
    base = f"/privacy/incidents/{incident.pk}/"
    reads = 200 if role in READ else 403
    records = 200 if role in RECORD else 403
    assert client.get("/privacy/incidents/").status_code == reads
    assert client.get(base).status_code == reads
    assert client.get(f"{base}report.pdf").status_code == reads
    assert client.get("/privacy/incidents/new/").status_code == records
    assert client.get(f"{base}edit/").status_code == records
    assert client.post(f"{base}report/").status_code == (302 if role in RECORD else 403)
    closes = client.post(f"{base}close/", {"note": "確認済み"}).status_code
    assert closes == (302 if role == "staff" else 403)


def test_anonymous_visitors_are_sent_to_sign_in(client, incident):
    for url in (
        "/privacy/incidents/",
        "/privacy/incidents/new/",
        f"/privacy/incidents/{incident.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url


def test_an_incident_of_another_municipality_is_not_found(client, supervisor):
    elsewhere = MunicipalityFactory(code="131016", name="千代田区（別）")
    stranger = UserFactory(username="stranger", role="supervisor", municipality=elsewhere)
    theirs = incidents.record_incident(acting_user=stranger, **VALUES)
    sign_in(client, supervisor)
    assert client.get(f"/privacy/incidents/{theirs.pk}/").status_code == 404
    assert theirs.pk not in [i.pk for i in client.get("/privacy/incidents/").context["incidents"]]


def test_the_pages_walk_an_incident_from_report_to_close(client, incident, supervisor, staff):
    sign_in(client, supervisor)
    base = f"/privacy/incidents/{incident.pk}/"
    assert "未報告" in client.get("/privacy/incidents/").content.decode()
    assert client.get(f"{base}report.pdf").status_code == 404  # nothing reported yet
    edited = client.post(f"{base}edit/", {**FORM, "cause": "机上に放置"})
    assert edited.status_code == 302
    assert client.post(f"{base}report/").status_code == 302
    response = client.get(f"{base}report.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert "原因 机上に放置" in pdf_text(response.content)
    client.logout()
    sign_in(client, staff)
    refused = client.post(f"{base}close/", {"note": ""})
    assert refused.status_code == 200
    assert refused.context["close_form"].errors == {"note": ["完了の所見を入力してください。"]}
    assert client.post(f"{base}close/", {"note": "確認しました"}).status_code == 302
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED
    page = client.get(base).content.decode()
    assert "確認しました" in page and "完了にする</button>" not in page
