"""Export requests (持出し申請, issue 8 §2): reason, approval, encryption with a password shown
once, the one-time link, 返却確認 and the hand-over register.

A test exporter writes known bytes, so every expectation (hash, count, contents) is computed
here from those bytes; the real dunning exporters are covered in tests/dunning.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re

import pytest
import pyzipper
from django.apps import apps
from django.core import serializers
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.privacy.models import ExportRecord, HandOverRecord
from civicdesk.privacy.models.registers import (
    ExportRequest,
    ExportRequestStatus,
    HandOverDirection,
    ReturnMethod,
)
from civicdesk.privacy.selectors import exports as export_selectors
from civicdesk.privacy.services import export_requests as flow
from civicdesk.privacy.services.export_register import ExportError
from tests.conftest import _user, sign_in
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

KEY = "tests.people"
ROWS = ["宛名番号,氏名", "000000001,砂町 一郎", "000000002,亀戸 花子", "000000003,大島 次郎"]
CONTENT = "\r\n".join(ROWS).encode("utf-8")
COUNT = len(ROWS) - 1


def _prepare(*, acting_user, params):
    if params.get("broken") == "before":
        raise ExportError("出力の条件が正しくありません。")

    def write(stream) -> int:
        stream.write(CONTENT)
        if params.get("broken") == "while":
            raise ExportError("書き込みに失敗しました。")
        return COUNT

    return flow.ExportPlan(
        content="テスト用の名簿",
        file_name="名簿.csv",
        file_format="csv",
        write=write,
        fields=["resident_no", "name"],
    )


@pytest.fixture(autouse=True)
def exporter(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.EXPORT_APPROVAL_REQUIRED = False
    settings.EXPORT_ENCRYPTION = "optional"
    flow.register_exporter(
        flow.Exporter(
            key=KEY,
            label="テスト用の名簿",
            prepare=_prepare,
            may_use=lambda user: user.has_perm(export_selectors.EXPORT_PERMISSION),
        )
    )
    yield
    flow._EXPORTERS.pop(KEY, None)


def ask(user, **extra) -> ExportRequest:
    values = {"exporter": KEY, "params": {}, "reason": "再送付のため", **extra}
    return flow.request_export(acting_user=user, **values)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_under(settings) -> list:
    root = settings.VAR_DIR / "exports"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def link_in(page) -> str:
    return re.search(r'data-testid="download-link" href="([^"]+)"', page).group(1)


def password_in(page) -> str:
    return re.search(r'data-testid="export-password"[^>]*>([^<]+)<', page).group(1)


# --- Reason and approval ---------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required_with_a_japanese_message(supervisor, reason):
    with pytest.raises(ValidationError) as error:
        ask(supervisor, reason=reason)
    assert error.value.message_dict["reason"] == ["持出しの理由を入力してください"]
    assert not ExportRequest.objects.exists()


@pytest.fixture
def staff_requests_export_url():
    # The staff requests' Excel page: a real download page that goes through the flow.
    return reverse("dunning:staff_requests_export")


def test_the_page_asks_for_the_reason_in_japanese(client, supervisor, staff_requests_export_url):
    sign_in(client, supervisor)
    page = client.post(staff_requests_export_url, {"reason": "", "kind": "", "status": "open"})
    assert "持出しの理由を入力してください。" in page.content.decode()
    assert not ExportRequest.objects.exists()


def test_without_the_approval_setting_the_request_is_approved_at_once(supervisor):
    item = ask(supervisor)
    assert item.status == ExportRequestStatus.APPROVED
    assert item.approved_by is None and item.note == "承認不要（設定）"
    assert item.return_due_on == timezone.localdate() + dt.timedelta(days=7)
    created = AccessLogEntry.objects.get(object_id=str(item.pk), action=AccessAction.CREATE)
    assert created.object_type == "privacy.exportrequest"
    assert created.reason == "持出し申請: 再送付のため"


def test_with_the_approval_setting_the_center_waits_for_staff(settings, supervisor, staff):
    settings.EXPORT_APPROVAL_REQUIRED = True
    item = ask(supervisor)
    assert item.status == ExportRequestStatus.PENDING
    with pytest.raises(ValidationError, match="承認待ち"):
        flow.make_export(acting_user=supervisor, export_request=item)
    assert list(export_selectors.awaiting_approval(staff)) == [item]

    approved = flow.approve_export(acting_user=staff, export_request=item, note="確認しました")

    assert approved.status == ExportRequestStatus.APPROVED
    assert (approved.approved_by, approved.note) == (staff, "確認しました")
    made = flow.make_export(acting_user=supervisor, export_request=approved)
    assert made.request.status == ExportRequestStatus.EXPORTED
    assert list(export_selectors.awaiting_approval(staff)) == []


def test_with_the_approval_setting_staff_own_exports_need_none(settings, staff):
    settings.EXPORT_APPROVAL_REQUIRED = True
    item = ask(staff)
    assert item.status == ExportRequestStatus.APPROVED
    assert item.approved_by is None and item.note == "職員の持出しのため承認不要"


def test_the_requester_never_approves_their_own_request(settings, staff, municipality):

    settings.EXPORT_APPROVAL_REQUIRED = True
    # A staff request left pending (e.g. made while staff still needed approval) stays for
    # another member of staff: the requester is refused even with the permission.
    item = ExportRequest.objects.create(
        requested_by=staff,
        requested_at=timezone.now(),
        exporter=KEY,
        content="テスト用の名簿",
        reason="確認のため",
        return_due_on=timezone.localdate(),
    )
    with pytest.raises(ValidationError, match="申請者本人は承認・却下できません"):
        flow.approve_export(acting_user=staff, export_request=item)
    assert item not in export_selectors.awaiting_approval(staff)
    colleague = _user("staff", municipality, username="staff2")
    assert flow.approve_export(acting_user=colleague, export_request=item).approved_by == colleague


def test_only_staff_approve(settings, supervisor, inspector, admin_user, operator):
    settings.EXPORT_APPROVAL_REQUIRED = True
    item = ask(supervisor)
    for user in (supervisor, inspector, admin_user, operator):
        with pytest.raises(PermissionDenied):
            flow.approve_export(acting_user=user, export_request=item)
    item.refresh_from_db()
    assert item.status == ExportRequestStatus.PENDING


def test_a_rejection_needs_a_reason_and_is_final(settings, supervisor, staff):
    settings.EXPORT_APPROVAL_REQUIRED = True
    item = ask(supervisor)
    with pytest.raises(ValidationError) as error:
        flow.reject_export(acting_user=staff, export_request=item, note=" ")
    assert error.value.message_dict["note"] == ["却下の理由を入力してください。"]
    rejected = flow.reject_export(acting_user=staff, export_request=item, note="目的外です")
    assert rejected.status == ExportRequestStatus.REJECTED
    with pytest.raises(ValidationError, match="却下"):
        flow.make_export(acting_user=supervisor, export_request=rejected)
    with pytest.raises(ValidationError, match="却下"):
        flow.approve_export(acting_user=staff, export_request=rejected)
    assert not ExportRecord.objects.exists()


def test_operators_may_not_ask(operator, visitor, inspector):
    for user in (operator, visitor, inspector):
        with pytest.raises(PermissionDenied):
            ask(user)
    assert not ExportRequest.objects.exists()


# --- Making the file -------------------------------------------------------------------------


def test_the_register_holds_hash_and_count_of_the_plain_file_read_back(client, settings, staff):
    item = ask(staff)
    made = flow.make_export(acting_user=staff, export_request=item)
    assert made.password == ""
    (path,) = files_under(settings)
    data = path.read_bytes()
    assert data == CONTENT
    record = ExportRecord.objects.get()
    assert (record.sha256, record.count) == (sha256(data), COUNT)
    assert (record.file_name, record.file_format, record.encrypted) == ("名簿.csv", "csv", False)
    assert record.reason == "再送付のため" and record.exported_by == staff
    assert record.return_due_on == item.return_due_on
    entry = AccessLogEntry.objects.get(action=AccessAction.EXPORT)
    assert (entry.object_type, entry.object_id) == ("privacy.exportrecord", str(record.pk))
    assert entry.fields == ["name", "resident_no"]


def test_the_encrypted_archive_opens_with_the_shown_password_and_not_without(settings, staff):
    made = flow.make_export(acting_user=staff, export_request=ask(staff, encrypt=True))
    (path,) = files_under(settings)
    data = path.read_bytes()
    assert len(made.password) == 16 and set(made.password) <= set(flow.PASSWORD_ALPHABET)
    with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["名簿.csv"]
        with pytest.raises(RuntimeError):  # encrypted: refused without a password
            archive.read("名簿.csv")
        with pytest.raises(RuntimeError):
            archive.read("名簿.csv", pwd=b"wrong-password")
        assert archive.read("名簿.csv", pwd=made.password.encode()) == CONTENT
        assert archive.getinfo("名簿.csv").compress_type == pyzipper.ZIP_DEFLATED
    record = ExportRecord.objects.get()
    # The register describes the file as delivered: the archive's hash, the rows inside.
    assert (record.sha256, record.count) == (sha256(data), COUNT)
    assert (record.file_name, record.file_format, record.encrypted) == (
        "名簿.zip",
        "zip(csv)",
        True,
    )


def test_the_setting_can_require_encryption(settings, staff):
    settings.EXPORT_ENCRYPTION = "required"
    item = ask(staff, encrypt=False)
    assert item.encrypt is True
    made = flow.make_export(acting_user=staff, export_request=item)
    assert made.password and made.record.encrypted


def test_two_exports_get_different_passwords(staff):
    first = flow.make_export(acting_user=staff, export_request=ask(staff, encrypt=True))
    second = flow.make_export(acting_user=staff, export_request=ask(staff, encrypt=True))
    assert first.password != second.password


def test_the_password_and_the_link_are_stored_nowhere(client, staff):
    sign_in(client, staff)
    item = ask(staff, encrypt=True)
    page = client.post(reverse("privacy:export_make", args=[item.pk])).content.decode()
    password, link = password_in(page), link_in(page)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    client.get(link)

    stored = serializers.serialize("json", [o for m in apps.get_models() for o in m.objects.all()])
    assert password not in stored and token not in stored
    assert sha256(token.encode()) in stored  # only the link's hash, to find the file
    for entry in AccessLogEntry.objects.all():
        assert password not in f"{entry.reason} {entry.fields}"


def test_a_request_is_made_once_and_only_by_its_requester(settings, supervisor, staff):
    item = ask(supervisor)
    with pytest.raises(PermissionDenied):
        flow.make_export(acting_user=staff, export_request=item)
    made = flow.make_export(acting_user=supervisor, export_request=item)
    with pytest.raises(ValidationError, match="出力済み"):
        flow.make_export(acting_user=supervisor, export_request=item)
    assert ExportRecord.objects.count() == 1
    # The refused second attempt (a double click) leaves the first one's file waiting.
    download = flow.take_download(acting_user=supervisor, token=made.token)
    assert download.stream.read() == CONTENT
    download.stream.close()


@pytest.mark.parametrize("broken", ["before", "while"])
def test_a_failed_export_leaves_no_record_and_no_file(settings, staff, broken):
    item = ExportRequest.objects.create(
        requested_by=staff,
        requested_at=timezone.now(),
        exporter=KEY,
        params={"broken": broken},
        content="テスト用の名簿",
        reason="再送付のため",
        return_due_on=timezone.localdate(),
        status=ExportRequestStatus.APPROVED,
    )
    logged = AccessLogEntry.objects.count()
    with pytest.raises(ExportError):
        flow.make_export(acting_user=staff, export_request=item)
    item.refresh_from_db()
    assert item.status == ExportRequestStatus.APPROVED and item.record is None
    assert not ExportRecord.objects.exists()
    assert AccessLogEntry.objects.count() == logged
    assert files_under(settings) == []


# --- The one-time download -------------------------------------------------------------------


def test_the_link_works_once_for_its_requester(client, settings, supervisor, staff):
    made = flow.make_export(acting_user=supervisor, export_request=ask(supervisor))
    url = reverse("privacy:export_download", args=[made.token])
    sign_in(client, staff)
    assert client.get(url).status_code == 403
    client.logout()
    sign_in(client, supervisor)
    first = client.get(url)
    assert first.status_code == 200
    assert b"".join(first.streaming_content) == CONTENT
    assert files_under(settings) == []
    second = client.get(url)
    assert second.status_code == 410
    assert "使用済みか、期限が切れています" in second.content.decode()
    assert ExportRequest.objects.get().downloaded_at is not None
    assert client.get(reverse("privacy:export_download", args=["x" * 43])).status_code == 410


def test_an_unused_link_expires_after_30_minutes_and_the_file_is_erased(
    client, settings, supervisor
):
    made = flow.make_export(acting_user=supervisor, export_request=ask(supervisor))
    assert len(files_under(settings)) == 1
    # 30 minutes on the clock would also end the idle session: the deadline is moved instead.
    assert made.request.download_expires_at - timezone.now() <= dt.timedelta(minutes=30)
    ExportRequest.objects.filter(pk=made.request.pk).update(
        download_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    sign_in(client, supervisor)
    gone = client.get(reverse("privacy:export_download", args=[made.token]))
    assert gone.status_code == 410
    assert files_under(settings) == []
    item = ExportRequest.objects.get()
    assert item.status == ExportRequestStatus.EXPIRED and item.downloaded_at is None
    record = ExportRecord.objects.get()
    assert record.return_method == ReturnMethod.ERASED and record.returned_by is None
    assert record.return_note == flow.SYSTEM_ERASED_NOTE


def test_the_discard_command_erases_an_expired_file_without_anyone_visiting(settings, supervisor):
    """The cron line of operations.md: nobody opens an export page after the link expired."""
    expired = flow.make_export(acting_user=supervisor, export_request=ask(supervisor))
    waiting = flow.make_export(acting_user=supervisor, export_request=ask(supervisor))
    ExportRequest.objects.filter(pk=expired.request.pk).update(
        download_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert len(files_under(settings)) == 2
    out = io.StringIO()
    call_command("discard-downloads", stdout=out)
    assert json.loads(out.getvalue()) == {"discarded": 1}
    assert len(files_under(settings)) == 1
    statuses = dict(ExportRequest.objects.values_list("pk", "status"))
    assert statuses == {
        expired.request.pk: ExportRequestStatus.EXPIRED,
        waiting.request.pk: ExportRequestStatus.EXPORTED,
    }
    assert ExportRecord.objects.get(pk=expired.request.record_id).return_method == (
        ReturnMethod.ERASED
    )
    again = io.StringIO()
    call_command("discard-downloads", stdout=again)
    assert json.loads(again.getvalue()) == {"discarded": 0}


def test_a_link_still_inside_its_30_minutes_works(client, supervisor):
    made = flow.make_export(acting_user=supervisor, export_request=ask(supervisor))
    assert made.request.download_expires_at - timezone.now() > dt.timedelta(minutes=29)
    ExportRequest.objects.filter(pk=made.request.pk).update(
        download_expires_at=timezone.now() + dt.timedelta(seconds=30)
    )
    sign_in(client, supervisor)
    response = client.get(reverse("privacy:export_download", args=[made.token]))
    assert response.status_code == 200


# --- 返却確認 ---------------------------------------------------------------------------------


def test_the_requester_confirms_the_return_once(supervisor, operator):
    made = flow.make_export(acting_user=supervisor, export_request=ask(supervisor))
    assert list(export_selectors.returns_outstanding(supervisor)) == [made.record]
    with pytest.raises(PermissionDenied):
        flow.confirm_return(acting_user=operator, record=made.record, method=ReturnMethod.ERASED)
    with pytest.raises(ValidationError):
        flow.confirm_return(acting_user=supervisor, record=made.record, method="lost")

    record = flow.confirm_return(
        acting_user=supervisor, record=made.record, method=ReturnMethod.ERASED, note="完全消去"
    )

    assert (record.return_method, record.returned_by, record.return_note) == (
        ReturnMethod.ERASED,
        supervisor,
        "完全消去",
    )
    assert list(export_selectors.returns_outstanding(supervisor)) == []
    with pytest.raises(ValidationError, match="済んでいます"):
        flow.confirm_return(acting_user=supervisor, record=record, method=ReturnMethod.RETURNED)
    entry = AccessLogEntry.objects.filter(object_type="privacy.exportrecord").order_by("seq").last()
    assert (entry.action, entry.reason) == (AccessAction.CHANGE, "返却確認: 消去")


def test_staff_may_confirm_a_return_for_the_center(supervisor, staff):
    made = flow.make_export(acting_user=supervisor, export_request=ask(supervisor))
    record = flow.confirm_return(acting_user=staff, record=made.record, method="returned")
    assert record.returned_by == staff


def test_the_list_marks_overdue_returns(client, supervisor):
    today = timezone.localdate()
    late = flow.make_export(acting_user=supervisor, export_request=ask(supervisor)).record
    on_time = flow.make_export(acting_user=supervisor, export_request=ask(supervisor)).record
    ExportRecord.objects.filter(pk=late.pk).update(return_due_on=today - dt.timedelta(days=1))
    ExportRecord.objects.filter(pk=on_time.pk).update(return_due_on=today)
    sign_in(client, supervisor)
    page = client.get(reverse("privacy:export_requests")).content.decode()
    rows = dict(re.findall(r'<tr data-record="(\d+)">(.*?)</tr>', page, re.S))
    assert set(rows) == {str(late.pk), str(on_time.pk)}
    assert 'data-testid="overdue"' in rows[str(late.pk)]
    assert 'data-testid="overdue"' not in rows[str(on_time.pk)]


def test_the_return_date_is_bounded(supervisor):
    today = timezone.localdate()
    for wrong in (today - dt.timedelta(days=1), today + dt.timedelta(days=91)):
        with pytest.raises(ValidationError) as error:
            ask(supervisor, return_due_on=wrong)
        assert "return_due_on" in error.value.message_dict
    assert ask(supervisor, return_due_on=today + dt.timedelta(days=90)).pk


# --- The hand-over register ------------------------------------------------------------------


def test_an_exported_file_handed_to_staff_is_confirmed_by_staff_not_the_handler(
    client, supervisor, staff
):
    made = flow.make_export(acting_user=supervisor, export_request=ask(supervisor))
    with pytest.raises(ValidationError) as error:
        flow.hand_over_export(acting_user=supervisor, record=made.record, receiver=" ")
    assert "receiver" in error.value.message_dict
    hand_over = flow.hand_over_export(
        acting_user=supervisor, record=made.record, receiver="収納課 江東 太郎", note="手渡し"
    )
    assert (hand_over.direction, hand_over.export_record) == (
        HandOverDirection.DELIVERED,
        made.record,
    )
    assert (hand_over.sha256, hand_over.count, hand_over.file_name) == (
        sha256(CONTENT),
        COUNT,
        "名簿.csv",
    )
    with pytest.raises(PermissionDenied):
        flow.confirm_receipt(acting_user=supervisor, hand_over=hand_over)

    sign_in(client, staff)
    page = client.get(reverse("privacy:handover_register")).content.decode()
    assert "収納課 江東 太郎" in page and "受領を確認する" in page
    response = client.post(reverse("privacy:handover_confirm", args=[hand_over.pk]))

    assert response.status_code == 302
    hand_over.refresh_from_db()
    assert hand_over.receiver_confirmed_by == staff and hand_over.receiver_confirmed_at
    again = client.post(reverse("privacy:handover_confirm", args=[hand_over.pk]), follow=True)
    assert "受領確認は済んでいます" in again.content.decode()


def test_imports_are_in_the_register_and_another_staff_member_confirms(client, staff, municipality):

    # What an import writes (receivables.services._record): received, handled by staff.
    received = HandOverRecord.objects.create(
        direction=HandOverDirection.RECEIVED,
        content="滞納者データ",
        file_name="taino.csv",
        sha256="0" * 64,
        count=120,
        at=timezone.now(),
        handler=staff,
    )
    with pytest.raises(ValidationError, match="受け渡した本人"):
        flow.confirm_receipt(acting_user=staff, hand_over=received)
    colleague = _user("staff", municipality, username="staff2")
    sign_in(client, colleague)
    page = client.get(reverse("privacy:handover_register") + "?direction=received")
    assert "taino.csv" in page.content.decode()
    client.post(reverse("privacy:handover_confirm", args=[received.pk]))
    received.refresh_from_db()
    assert received.receiver_confirmed_by == colleague


# --- Pages -----------------------------------------------------------------------------------


def test_through_the_pages_approval_then_password_then_download(
    client, settings, supervisor, staff
):
    settings.EXPORT_APPROVAL_REQUIRED = True
    item = ask(supervisor, encrypt=True)
    sign_in(client, staff)
    inbox = client.get(reverse("privacy:export_inbox")).content.decode()
    assert f'data-request="{item.pk}"' in inbox
    client.post(reverse("privacy:export_approve", args=[item.pk]), {"note": ""})
    client.logout()
    sign_in(client, supervisor)
    page = client.post(reverse("privacy:export_make", args=[item.pk])).content.decode()
    password = password_in(page)
    data = b"".join(client.get(link_in(page)).streaming_content)
    with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
        assert archive.read("名簿.csv", pwd=password.encode()) == CONTENT
    detail = client.get(reverse("privacy:export_request", args=[item.pk])).content.decode()
    assert password not in detail and "出力済み" in detail
    response = client.post(
        reverse("privacy:export_return", args=[item.pk]), {"method": "erased", "note": ""}
    )
    assert response.status_code == 302
    assert ExportRecord.objects.get().return_method == ReturnMethod.ERASED


def test_the_ready_page_is_never_cached(client, staff):
    sign_in(client, staff)
    item = ask(staff, encrypt=True)
    response = client.post(reverse("privacy:export_make", args=[item.pk]))
    assert "no-store" in response["Cache-Control"]


GET_PAGES = {
    # url name: roles that get 200 (everyone else signed in: 403)
    "privacy:export_requests": {"supervisor", "staff", "inspector", "admin"},
    "privacy:export_inbox": {"staff"},
    "privacy:export_request": {"supervisor", "staff", "inspector", "admin"},
    "privacy:handover_register": {"supervisor", "staff", "inspector", "admin"},
}
POST_ONLY = [
    "privacy:export_approve",
    "privacy:export_reject",
    "privacy:export_make",
    "privacy:export_return",
    "privacy:export_hand_over",
    "privacy:handover_confirm",
]


@pytest.mark.parametrize(
    "role", ["operator", "outsider", "visitor", "supervisor", "staff", "inspector", "admin"]
)
def test_pages_per_role(client, users_by_role, outsider, supervisor, role):
    user = outsider if role == "outsider" else users_by_role[role]
    item = ask(supervisor)  # the supervisor's own request
    sign_in(client, user)
    for name, allowed in GET_PAGES.items():
        args = [item.pk] if name == "privacy:export_request" else []
        expected = 200 if role in allowed else 403
        assert client.get(reverse(name, args=args)).status_code == expected, name
    for name in POST_ONLY:
        assert client.get(reverse(name, args=[item.pk])).status_code == 405, name


@pytest.mark.parametrize("name", [*GET_PAGES, *POST_ONLY])
def test_anonymous_is_sent_to_sign_in(client, name):
    with_pk = name in POST_ONLY or name == "privacy:export_request"
    response = client.post(reverse(name, args=[1] if with_pk else []))
    assert response.status_code == 302 and "login" in response.url


@pytest.mark.parametrize(
    ("role", "make", "decide", "return_", "hand_over", "confirm"),
    [
        # POST statuses on the supervisor's pending request (approval required)
        ("operator", 403, 403, 403, 403, 403),
        ("visitor", 403, 403, 403, 403, 403),
        ("inspector", 403, 403, 403, 403, 403),
        ("admin", 403, 403, 403, 403, 403),
        ("staff", 403, 302, 302, 302, 302),
        ("supervisor", 302, 403, 302, 302, 403),
    ],
)
def test_actions_per_role(
    client,
    settings,
    users_by_role,
    supervisor,
    staff,
    role,
    make,
    decide,
    return_,
    hand_over,
    confirm,
):
    settings.EXPORT_APPROVAL_REQUIRED = True
    user = users_by_role[role]
    pending = ask(supervisor)
    exported = ask(supervisor)
    ExportRequest.objects.filter(pk=exported.pk).update(status=ExportRequestStatus.APPROVED)
    made = flow.make_export(acting_user=supervisor, export_request=exported)
    received = HandOverRecord.objects.create(
        direction=HandOverDirection.RECEIVED,
        content="滞納者データ",
        count=1,
        at=timezone.now(),
        handler=None,
    )
    sign_in(client, user)

    def post(name, pk, data=None):
        return client.post(reverse(name, args=[pk]), data or {}).status_code

    # make: a pending request is refused to its requester with a message (302 back).
    assert post("privacy:export_make", pending.pk) == make
    assert post("privacy:export_approve", pending.pk) == decide
    assert post("privacy:export_return", made.request.pk, {"method": "returned"}) == return_
    assert post("privacy:export_hand_over", made.request.pk, {"receiver": "収納課"}) == hand_over
    assert post("privacy:handover_confirm", received.pk) == confirm


def test_staff_of_another_municipality_neither_see_nor_decide(settings, supervisor):

    made = flow.make_export(acting_user=supervisor, export_request=ask(supervisor))
    settings.EXPORT_APPROVAL_REQUIRED = True
    item = ask(supervisor)
    elsewhere = _user("staff", MunicipalityFactory(code="999999"), username="staff_elsewhere")
    assert list(export_selectors.requests_for(elsewhere)) == []
    assert list(export_selectors.awaiting_approval(elsewhere)) == []
    assert list(export_selectors.returns_outstanding(elsewhere)) == []
    with pytest.raises(PermissionDenied):
        flow.approve_export(acting_user=elsewhere, export_request=item)
    with pytest.raises(PermissionDenied):
        flow.confirm_return(acting_user=elsewhere, record=made.record, method="erased")
    hand_over = flow.hand_over_export(acting_user=supervisor, record=made.record, receiver="収納課")
    assert list(export_selectors.hand_over_register(elsewhere)) == []
    with pytest.raises(PermissionDenied):
        flow.confirm_receipt(acting_user=elsewhere, hand_over=hand_over)
