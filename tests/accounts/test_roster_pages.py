"""The roster pages (業務従事者名簿): who may open them, the supervisor's work through them, the
warnings of the list, and the Excel export read back."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from civicdesk.accounts.models import Roster, RosterChangeKind, RosterStatus
from civicdesk.audit.models import AccessLogEntry
from civicdesk.privacy.models import ExportRecord
from tests.accounts.roster_helpers import change, roster, tokyo
from tests.conftest import sign_in
from tests.factories import MunicipalityFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["operator", "visitor", "supervisor", "staff", "inspector", "admin"]
READERS = {"supervisor", "staff", "inspector"}
EXPORTERS = {"supervisor", "staff"}
# The 10th of June 2030: the July roster is due on the 20th.
NOW = tokyo(2030, 6, 10, 10, 0)
JUNE, JULY = dt.date(2030, 6, 1), dt.date(2030, 7, 1)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def june(users_by_role):
    """June's roster as the named users' fixtures left it (submitted, the center's people)."""
    return Roster.objects.get(month=JUNE)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["accounts:rosters", "accounts:roster_new"])
def test_the_list_and_the_new_form_per_role(client, users_by_role, role, name):
    sign_in(client, users_by_role[role])
    allowed = READERS if name == "accounts:rosters" else {"supervisor"}
    expected = 200 if role in allowed else 403
    assert client.get(reverse(name)).status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_the_month_page_and_the_export_form_per_role(client, users_by_role, june, role):
    sign_in(client, users_by_role[role])
    month = client.get(reverse("accounts:roster", args=[june.pk]))
    export = client.get(reverse("privacy:roster_export", args=[june.pk]))
    assert month.status_code == (200 if role in READERS else 403)
    assert export.status_code == (200 if role in EXPORTERS else 403)
    if month.status_code == 403:
        assert "data-entry" not in month.content.decode()


@pytest.mark.parametrize("name", ["accounts:rosters", "accounts:roster_new"])
def test_anonymous_visitors_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_an_operator_of_another_team_gets_no_roster_page(client, outsider, june):
    sign_in(client, outsider)
    assert client.get(reverse("accounts:roster", args=[june.pk])).status_code == 403


def test_staff_of_another_municipality_do_not_find_the_roster(client, june):
    other = MunicipalityFactory(code="999004", name="別区")
    stranger = UserFactory(username="stranger", role="staff", municipality=other)
    sign_in(client, stranger)
    assert client.get(reverse("accounts:roster", args=[june.pk])).status_code == 404
    assert "2030" not in client.get(reverse("accounts:rosters")).content.decode()


@pytest.mark.parametrize("role", ["staff", "inspector"])
def test_readers_cannot_change_the_roster(client, users_by_role, june, role):
    sign_in(client, users_by_role[role])
    operator = users_by_role["operator"]
    for name, data in [
        ("accounts:roster_submit", {}),
        ("accounts:roster_changes_reported", {}),
        ("accounts:roster_change_add", {"kind": "removed", "user": operator.pk}),
    ]:
        assert client.post(reverse(name, args=[june.pk]), data).status_code == 403
    assert not june.changes.exists()


def test_the_month_page_lists_the_people_and_logs_the_view(client, staff, june):
    sign_in(client, staff)
    html = client.get(reverse("accounts:roster", args=[june.pk])).content.decode()
    for username in ("operator1", "visitor1", "supervisor1"):
        assert f'data-entry="{username}"' in html
    assert 'data-entry="staff1"' not in html
    entry = AccessLogEntry.objects.filter(action="view", object_type="accounts.roster").get()
    assert (entry.actor_username, entry.object_id) == ("staff1", str(june.pk))
    assert "自治体へ提出する" not in html and "臨時の変更を記録する" not in html


def test_the_supervisor_prepares_submits_and_changes_through_the_pages(
    client, supervisor, operator, visitor, june
):
    sign_in(client, supervisor)
    response = client.post(
        reverse("accounts:roster_new"), {"month": JULY.isoformat(), "copy_previous": "on"}
    )
    july = Roster.objects.get(month=JULY)
    assert response.status_code == 302 and response.url == reverse(
        "accounts:roster", args=[july.pk]
    )
    copied = set(july.entries.values_list("user__username", flat=True))
    assert copied == {"operator1", "visitor1", "supervisor1"}
    draft = client.get(response.url).content.decode()
    assert "自治体へ提出する" in draft and "従事者を追加する" in draft
    assert "臨時の変更を記録する" not in draft

    visitor_entry = july.entries.get(user=visitor)
    client.post(reverse("accounts:roster_entry_remove", args=[july.pk, visitor_entry.pk]))
    assert not july.entries.filter(user=visitor).exists()
    client.post(
        reverse("accounts:roster_entry_add", args=[july.pk]),
        {"user": visitor.pk, "duty": "訪問催告"},
    )
    assert july.entries.get(user=visitor).duty == "訪問催告"

    client.post(reverse("accounts:roster_submit", args=[july.pk]))
    july.refresh_from_db()
    assert july.status == RosterStatus.SUBMITTED and not july.is_late
    assert july.submitted_by == supervisor

    # June is in force: a temporary removal from tomorrow, then reported.
    response = client.post(
        reverse("accounts:roster_change_add", args=[june.pk]),
        {"kind": "removed", "user": operator.pk, "effective_from": "2030-06-11", "reason": "退職"},
    )
    assert response.status_code == 302
    made = june.changes.get()
    assert (made.kind, made.effective_from) == ("removed", dt.date(2030, 6, 11))
    client.post(reverse("accounts:roster_changes_reported", args=[june.pk]))
    made.refresh_from_db()
    assert made.reported_at == NOW


def test_a_change_form_error_is_shown_on_the_month_page(client, supervisor, operator, june):
    sign_in(client, supervisor)
    response = client.post(
        reverse("accounts:roster_change_add", args=[june.pk]),
        {"kind": "removed", "user": operator.pk, "effective_from": "2030-06-09", "reason": "x"},
    )
    assert response.status_code == 200
    assert "適用日は今日以降にしてください" in response.content.decode()
    assert not june.changes.exists()


def test_submitting_twice_through_the_page_says_so(client, supervisor, june):
    sign_in(client, supervisor)
    response = client.post(reverse("accounts:roster_submit", args=[june.pk]), follow=True)
    assert "既に提出されています" in response.content.decode()


# --- the list's warnings -------------------------------------------------------------------


def test_the_list_warns_before_the_due_date_that_next_month_is_not_submitted(client, staff, june):
    sign_in(client, staff)
    html = client.get(reverse("accounts:rosters")).content.decode()
    assert "翌月（令和12年7月）の名簿は未提出です。提出期限は令和12年6月20日です。" in html
    assert "今月（" not in html


def test_the_list_warns_after_the_due_date_and_when_this_month_is_missing(client, staff):
    with time_machine.travel(tokyo(2030, 6, 21, 9, 0), tick=False):
        sign_in(client, staff)
        html = client.get(reverse("accounts:rosters")).content.decode()
    assert (
        "翌月（令和12年7月）の名簿が提出期限（令和12年6月20日）を過ぎても提出されていません" in html
    )
    # staff alone: no contractor fixture made June's roster.
    assert "今月（令和12年6月）の名簿が提出されていません" in html


def test_the_list_marks_a_late_roster(client, supervisor, operator, june):
    june.submitted_at = tokyo(2030, 5, 20, 17, 0)  # on its due day
    june.save()
    july = roster(operator.municipality, JULY, [operator], submitted=False)
    with time_machine.travel(tokyo(2030, 6, 25, 9, 0), tick=False):
        sign_in(client, supervisor)
        client.post(reverse("accounts:roster_submit", args=[july.pk]))
        html = client.get(reverse("accounts:rosters")).content.decode()
    row = html.split('data-month="2030-07"')[1].split("</tr>")[0]
    assert "期限超過" in row and "提出済み" in row
    june_row = html.split('data-month="2030-06"')[1].split("</tr>")[0]
    assert "期限超過" not in june_row


# --- the export ---------------------------------------------------------------------------


def test_the_export_holds_the_roster_and_its_changes_and_is_registered(
    client, staff, supervisor, visitor, june
):
    helper = UserFactory(username="helper", role="operator", municipality=staff.municipality)
    change(june, visitor, RosterChangeKind.REMOVED, dt.date(2030, 6, 12), supervisor)
    added = change(june, helper, RosterChangeKind.ADDED, dt.date(2030, 6, 13), supervisor)
    added.duty = "電話催告（税）"
    added.save()
    sign_in(client, staff)
    response = client.post(
        reverse("privacy:roster_export", args=[june.pk]), {"reason": "区への名簿提出のため"}
    )
    assert response.status_code == 200
    # An export request made at once (no approval set): the page shows the one-time link.
    link = re.search(r'data-testid="download-link" href="([^"]+)"', response.content.decode())
    body = b"".join(client.get(link.group(1)).streaming_content)
    sheet = load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("区分", "対象月", "ユーザーID", "氏名")
    listed = [row for row in rows[1:] if row[0] == "名簿"]
    changed = [row for row in rows[1:] if row[0] == "臨時変更"]
    # The center's three named people (staff, inspector and admin are never on a roster).
    assert sorted(row[2] for row in listed) == ["operator1", "supervisor1", "visitor1"]
    assert [(row[2], row[7], row[9]) for row in changed] == [
        ("visitor1", "削除", "テスト"),
        ("helper", "追加", "テスト"),
    ]
    assert changed[1][6] == "電話催告（税）"
    assert changed[0][8].date() == dt.date(2030, 6, 12)
    assert all(row[1] == "令和12年6月" for row in rows[1:])

    record = ExportRecord.objects.get()
    assert record.count == 3 + 2
    assert record.sha256 == hashlib.sha256(body).hexdigest()
    assert (record.reason, record.exported_by) == ("区への名簿提出のため", staff)
    assert record.request.exporter == "accounts.roster"
    logged = AccessLogEntry.objects.filter(action="export").get()
    assert "display_name" in logged.fields and logged.reason == "区への名簿提出のため"


def test_an_export_without_a_reason_writes_nothing(client, supervisor, june):
    sign_in(client, supervisor)
    response = client.post(reverse("privacy:roster_export", args=[june.pk]), {"reason": ""})
    assert response.status_code == 200
    assert "持出しの理由を入力してください" in response.content.decode()
    assert not ExportRecord.objects.exists()


def test_an_inspector_cannot_export(client, inspector, june):
    sign_in(client, inspector)
    response = client.post(reverse("privacy:roster_export", args=[june.pk]), {"reason": "x"})
    assert response.status_code == 403
    assert not ExportRecord.objects.exists()
