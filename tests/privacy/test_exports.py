"""The export register (持出記録) and the read-only register pages in the admin."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.utils import timezone

from civicdesk.audit.actors import system_actor_name
from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.privacy.models import ExportRecord, HandOverDirection, HandOverRecord
from civicdesk.privacy.services import export_register as exports
from civicdesk.privacy.services.export_register import ExportError, record_export
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

SHA = hashlib.sha256(b"file").hexdigest()


def register(user, **changes) -> ExportRecord:
    values = {
        "content": "折衝記録 令和7年4月1日〜令和7年4月30日",
        "file_name": "contacts.csv",
        "file_format": "csv",
        "reason": "国保システムへの連携",
        "count": 12,
        "sha256": SHA,
        "fields": ["resident_no", "case_no", "note"],
    }
    return record_export(acting_user=user, **{**values, **changes})


def test_record_export_registers_who_when_what_why_and_how_many(staff):
    before = timezone.now()
    record = register(staff)
    record.refresh_from_db()
    assert record.exported_by == staff
    assert (record.content, record.file_name, record.file_format) == (
        "折衝記録 令和7年4月1日〜令和7年4月30日",
        "contacts.csv",
        "csv",
    )
    assert (record.reason, record.count, record.sha256) == ("国保システムへの連携", 12, SHA)
    assert before <= record.at <= timezone.now()


def test_record_export_writes_an_export_entry_to_the_access_log(staff):
    record = register(staff)
    entry = AccessLogEntry.objects.get()
    assert entry.action == "export" and entry.actor == staff
    assert (entry.object_type, entry.object_id) == ("privacy.exportrecord", str(record.pk))
    assert entry.fields == ["case_no", "note", "resident_no"]
    assert entry.reason == "国保システムへの連携"


@pytest.mark.parametrize("reason", ["", " ", "\u3000", "\n\t"])
def test_record_export_refuses_an_empty_reason(staff, reason):
    with pytest.raises(ExportError, match=r"^持出しの理由を入力してください$"):
        register(staff, reason=reason)
    assert not ExportRecord.objects.exists() and not AccessLogEntry.objects.exists()


def test_record_export_refuses_a_reason_longer_than_the_register_holds(staff):
    with pytest.raises(ExportError, match="持出しの理由は500文字以内で入力してください"):
        register(staff, reason="あ" * 501)
    assert register(staff, reason="あ" * 500).reason == "あ" * 500


def test_record_export_stores_the_reason_trimmed(staff):
    assert register(staff, reason="\u3000監査用\n").reason == "監査用"


def test_record_export_refuses_an_anonymous_export():
    with pytest.raises(ExportError, match="持出しを行う利用者を指定してください"):
        register(AnonymousUser())
    assert not ExportRecord.objects.exists()


def test_a_command_without_a_user_is_registered_by_command_and_os_account():
    actor = system_actor_name("letters")

    record = register(None, system_actor=actor)

    assert actor.startswith("コマンド letters（OS: ")
    assert (record.exported_by, record.exported_by_system) == (None, actor)
    entry = AccessLogEntry.objects.get(action=AccessAction.EXPORT)
    assert (entry.actor, entry.actor_username) == (None, actor)


@pytest.mark.parametrize("sha256", ["", "abc", SHA.upper(), SHA + "0"])
def test_record_export_refuses_what_is_not_a_sha256(staff, sha256):
    with pytest.raises(ValueError, match="sha256"):
        register(staff, sha256=sha256)


def test_record_export_refuses_a_negative_count(staff):
    with pytest.raises(ValueError, match="count"):
        register(staff, count=-1)


def test_register_row_and_log_entry_are_one_transaction(staff, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("log unavailable")

    monkeypatch.setattr(exports, "record_access", broken)
    with pytest.raises(RuntimeError):
        register(staff)
    assert not ExportRecord.objects.exists()


# --- admin pages ------------------------------------------------------------------------------


EVERY_REGISTER_PERMISSION = [
    f"{verb}_{model}"
    for verb in ("view", "add", "change", "delete")
    for model in ("exportrecord", "handoverrecord")
]


def _grant(user, *codenames):
    # Which roles see the registers is set in accounts/roles.py (the lead's file).
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="privacy", codename__in=codenames)
    )


@pytest.fixture
def hand_over(staff):
    return HandOverRecord.objects.create(
        direction=HandOverDirection.RECEIVED,
        content="国保滞納者データ",
        file_name="nhi_202504.csv",
        sha256=SHA,
        count=1200,
        at=timezone.make_aware(dt.datetime(2025, 4, 1, 9, 0)),
        handler=staff,
    )


@pytest.fixture
def admin_client(client, admin_user):
    sign_in(client, admin_user)  # the admin role reads the registers (accounts/roles.py)
    return client


def test_export_register_list_shows_the_records_to_a_viewer(admin_client, staff):
    register(staff, reason="監査のための抽出")
    response = admin_client.get("/admin/privacy/exportrecord/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "監査のための抽出" in page and "contacts.csv" in page


def test_export_register_list_filters_by_format(admin_client, staff):
    register(staff, file_name="a.csv", file_format="csv")
    register(staff, file_name="b.xlsx", file_format="xlsx", sha256=hashlib.sha256(b"b").hexdigest())
    response = admin_client.get("/admin/privacy/exportrecord/", {"file_format": "xlsx"})
    assert response.status_code == 200
    assert [record.file_name for record in response.context["cl"].result_list] == ["b.xlsx"]


def test_hand_over_register_list_filters_by_direction(admin_client, hand_over):
    response = admin_client.get("/admin/privacy/handoverrecord/", {"direction": "received"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [hand_over]
    response = admin_client.get("/admin/privacy/handoverrecord/", {"direction": "delivered"})
    assert list(response.context["cl"].result_list) == []


def test_registers_cannot_be_added_to_in_the_admin(admin_user, client):
    # Even with every permission: entries come only from the services that export/hand over.
    _grant(admin_user, *EVERY_REGISTER_PERMISSION)
    sign_in(client, admin_user)
    for model in ("exportrecord", "handoverrecord"):
        assert client.get(f"/admin/privacy/{model}/add/").status_code == 403


def test_registers_cannot_be_changed_or_deleted_in_the_admin(admin_user, client, staff, hand_over):
    _grant(admin_user, *EVERY_REGISTER_PERMISSION)
    sign_in(client, admin_user)
    record = register(staff)
    for model, pk in (("exportrecord", record.pk), ("handoverrecord", hand_over.pk)):
        assert client.get(f"/admin/privacy/{model}/{pk}/delete/").status_code == 403
        response = client.post(f"/admin/privacy/{model}/{pk}/change/", {"count": 1})
        assert response.status_code == 403
    record.refresh_from_db()
    hand_over.refresh_from_db()
    assert (record.count, hand_over.count) == (12, 1200)
    assert ExportRecord.objects.count() == 1 and HandOverRecord.objects.count() == 1


def test_register_detail_is_read_only_for_a_viewer(admin_client, staff):
    record = register(staff)
    response = admin_client.get(f"/admin/privacy/exportrecord/{record.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert SHA in page
    assert 'name="_save"' not in page


def test_registers_are_hidden_without_the_view_permission(client, admin_user, staff):
    # An admin-site user whose permissions stop at the access log.
    admin_user.groups.clear()
    _grant(admin_user, "view_accesslogentry")
    sign_in(client, admin_user)
    register(staff)
    assert client.get("/admin/privacy/exportrecord/").status_code == 403
    assert client.get("/admin/privacy/handoverrecord/").status_code == 403
    assert client.get("/admin/privacy/accesslogentry/").status_code == 200
