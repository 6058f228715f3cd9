"""The hand-over register's one writer (privacy.services.hand_overs.record_hand_over): the row,
its access-log entry in the same transaction, and bad input refused in Japanese before anything
is written. Imports and export requests register their hand-overs through it."""

from __future__ import annotations

import datetime as dt
import hashlib
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from civicdesk.audit.context import serving_client
from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.core.calendar import TOKYO
from civicdesk.privacy.models import ExportRecord, HandOverDirection, HandOverRecord
from civicdesk.privacy.services.hand_overs import record_hand_over
from tests.receivables.fixtures.files import import_rows, receivables_row

pytestmark = pytest.mark.django_db

FILE_HASH = hashlib.sha256(b"taino").hexdigest()
HANDED_AT = dt.datetime(2026, 7, 1, 10, 30, tzinfo=TOKYO)


def received(acting_user, **changes):
    values = {
        "direction": HandOverDirection.RECEIVED,
        "content": "滞納者データ",
        "file_name": "taino.csv",
        "sha256": FILE_HASH,
        "count": 120,
        "at": HANDED_AT,
    }
    return record_hand_over(acting_user=acting_user, **(values | changes))


def export_record(user) -> ExportRecord:
    return ExportRecord.objects.create(
        content="名簿",
        file_name="名簿.csv",
        file_format="csv",
        reason="庁内会議",
        count=3,
        sha256="a" * 64,
        at=HANDED_AT,
        exported_by=user,
    )


def nothing_written(entries_before: int) -> None:
    assert not HandOverRecord.objects.exists()
    assert AccessLogEntry.objects.count() == entries_before


def test_a_received_file_is_registered_with_its_handler_and_one_log_entry(staff):
    before = AccessLogEntry.objects.count()
    with serving_client("192.0.2.44"):
        made = received(staff)

    made.refresh_from_db()
    assert (made.direction, made.content, made.file_name, made.sha256, made.count) == (
        HandOverDirection.RECEIVED,
        "滞納者データ",
        "taino.csv",
        FILE_HASH,
        120,
    )
    assert (made.at, made.handler, made.receiver_confirmed_at) == (HANDED_AT, staff, None)
    assert AccessLogEntry.objects.count() == before + 1
    entry = AccessLogEntry.objects.latest("seq")
    assert (entry.actor, entry.action, entry.object_type, entry.object_id) == (
        staff,
        AccessAction.CREATE,
        "privacy.handoverrecord",
        str(made.pk),
    )
    assert "滞納者データ" in entry.reason and "受領" in entry.reason
    assert entry.ip_address == "192.0.2.44"


def test_a_delivery_names_its_receiver_and_the_export_it_came_from(supervisor):
    record = export_record(supervisor)
    made = record_hand_over(
        acting_user=supervisor,
        direction=HandOverDirection.DELIVERED,
        content=record.content,
        file_name=record.file_name,
        sha256=record.sha256,
        count=record.count,
        export_record=record,
        receiver="  収納課 江東 太郎 ",
        note="手渡し",
    )
    assert (made.export_record, made.receiver, made.note) == (record, "収納課 江東 太郎", "手渡し")
    assert list(record.hand_overs.all()) == [made]


def test_a_command_run_without_a_user_registers_no_handler(db):
    made = received(None)
    entry = AccessLogEntry.objects.get(object_type="privacy.handoverrecord")
    assert (made.handler, entry.actor, entry.object_id) == (None, None, str(made.pk))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"direction": "lent"}, "direction", "受領か引渡しかを選んでください"),
        ({"content": "  "}, "content", "個人情報の内容を入力してください"),
        ({"content": "あ" * 201}, "content", "200文字以内"),
        ({"count": -1}, "count", "件数は0以上の整数"),
        ({"count": "12"}, "count", "件数は0以上の整数"),
        ({"count": True}, "count", "件数は0以上の整数"),
        ({"file_name": "x" * 256}, "file_name", "ファイル名は255文字以内"),
        ({"sha256": "ABC"}, "sha256", "16進数"),
        ({"sha256": FILE_HASH.upper()}, "sha256", "16進数"),
        ({"receiver": "あ" * 101}, "receiver", "受領者は100文字以内"),
        ({"note": "あ" * 501}, "note", "備考は500文字以内"),
        ({"direction": HandOverDirection.DELIVERED}, "receiver", "受領者（所属・氏名）を入力"),
    ],
)
def test_bad_input_is_refused_in_japanese_and_nothing_is_written(staff, changes, field, message):
    before = AccessLogEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        received(staff, **changes)
    assert message in " ".join(error.value.message_dict[field])
    nothing_written(before)


def test_an_export_is_attached_to_deliveries_only(staff):
    record = export_record(staff)
    before = AccessLogEntry.objects.count()
    with pytest.raises(ValidationError, match="引渡し（自治体へ）だけ"):
        received(staff, export_record=record)
    nothing_written(before)


def test_the_row_is_not_kept_when_its_log_entry_cannot_be_written(staff):
    before = AccessLogEntry.objects.count()
    failing = mock.patch(
        "civicdesk.privacy.services.hand_overs.record_access", side_effect=RuntimeError("log")
    )
    with failing, pytest.raises(RuntimeError):
        received(staff)
    nothing_written(before)


def test_an_import_registers_the_received_file_through_the_register(tmp_path, staff, municipality):
    result = import_rows(
        tmp_path,
        acting_user=staff,
        municipality=municipality,
        rows=[receivables_row(), receivables_row(期別="2")],
        name="滞納.csv",
    )
    made = HandOverRecord.objects.get()
    expected = hashlib.sha256((tmp_path / "滞納.csv").read_bytes()).hexdigest()
    assert (made.direction, made.file_name, made.sha256, made.count, made.handler) == (
        HandOverDirection.RECEIVED,
        "滞納.csv",
        expected,
        2,
        staff,
    )
    assert made.at == result.run.finished_at
    entry = AccessLogEntry.objects.get(object_type="privacy.handoverrecord")
    assert (entry.actor, entry.action, entry.object_id) == (staff, "create", str(made.pk))
