"""Call recordings (別紙④ 第6条): registration copies the file in read-only with its SHA-256 and
the retention date; retention is extended only forward with the 区民課長's agreement; a hold
stops erasure; erasure overwrites and deletes the files, keeps the metadata and certifies the
run; playback is logged per person. The clock is pinned to 2026-06-10 (Tokyo)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import stat

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.cards.models import CallRecording, RecordingErasure
from civicdesk.cards.selectors import recordings as selectors
from civicdesk.cards.services import recordings as services
from civicdesk.privacy.models import ExportRecord
from tests.cards.factories_recordings import (
    at,
    kept_file,
    make_recording,
    point_recordings_at,
    sound,
)
from tests.concurrency import run_threads
from tests.pdf import pdftotext

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def recordings_root(settings, tmp_path):
    return point_recordings_at(settings, tmp_path)


def entries(action, obj):
    return AccessLogEntry.objects.filter(
        action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk)
    )


# --- Registration ---------------------------------------------------------------------------------


def test_registration_keeps_a_read_only_copy_under_the_month_with_its_hash(
    municipality, recordings_root, supervisor, tmp_path
):
    source = tmp_path / "export" / "rec-001.WAV"
    source.parent.mkdir()
    source.write_bytes(sound(7, 300))
    recording = services.register_recording(
        acting_user=supervisor,
        municipality=municipality,
        source_path=source,
        call_type="i",
        recorded_at=at("2026-05-31 23:50"),
    )
    path = kept_file(recording)
    assert path.parent == recordings_root / "2026-05"
    assert path.suffix == ".wav"
    assert path.read_bytes() == sound(7, 300)
    assert stat.S_IMODE(path.stat().st_mode) == 0o400
    assert recording.sha256 == hashlib.sha256(sound(7, 300)).hexdigest()
    assert recording.size_bytes == 300
    assert source.exists(), "the recorder's export is the recorder's to keep"
    assert entries(AccessAction.CREATE, recording).count() == 1


@pytest.mark.parametrize(
    ("recorded", "keep_until", "erase_by"),
    [
        ("2026-05-31 23:50", dt.date(2026, 6, 30), dt.date(2026, 7, 31)),
        ("2026-06-01 00:10", dt.date(2026, 7, 31), dt.date(2026, 8, 31)),
        ("2026-12-05 09:00", dt.date(2027, 1, 31), dt.date(2027, 2, 28)),
        ("2027-12-31 23:59", dt.date(2028, 1, 31), dt.date(2028, 2, 29)),
    ],
)
def test_kept_until_the_end_of_the_next_month_and_erased_by_the_end_of_the_one_after(
    recorded, keep_until, erase_by
):
    moment = at(recorded)
    assert selectors.keep_until_for(moment) == keep_until
    assert selectors.erase_by_for(keep_until) == erase_by


def test_the_month_is_tokyo_s_even_for_a_utc_moment():
    # 2026-05-31 15:30 UTC is 1 June 00:30 in Tokyo: kept until the end of July.
    moment = dt.datetime(2026, 5, 31, 15, 30, tzinfo=dt.UTC)
    assert selectors.keep_until_for(moment) == dt.date(2026, 7, 31)


def test_registration_refuses_bad_input_and_leaves_no_file(municipality, recordings_root):
    with pytest.raises(ValidationError) as raised:
        services.register_recording(
            acting_user=None,
            municipality=municipality,
            call_type="x",
            recorded_at=dt.datetime(2026, 6, 1, 10, 0),
            file=io.BytesIO(b"abc"),
            file_name="call.exe",
        )
    errors = raised.value.message_dict
    assert set(errors) == {"call_type", "recorded_at", "file"}
    assert "通話の種別" in errors["call_type"][0]
    assert CallRecording.objects.count() == 0
    assert not recordings_root.exists() or not any(recordings_root.rglob("*"))


def test_a_recording_from_the_future_is_refused(municipality):
    with pytest.raises(ValidationError, match="未来"):
        make_recording(municipality, when="2026-06-11 10:00")


def test_a_card_operator_may_not_register(municipality, card_operator):
    with pytest.raises(PermissionDenied):
        make_recording(municipality, acting_user=card_operator)


# --- Retention and holds --------------------------------------------------------------------------


def test_retention_is_extended_only_to_a_later_date_with_the_agreement(municipality, staff):
    recording = make_recording(municipality)
    assert recording.keep_until == dt.date(2026, 5, 31)
    with pytest.raises(ValidationError) as raised:
        services.extend_retention(
            acting_user=staff, recording=recording, keep_until=dt.date(2026, 5, 30), reason="x"
        )
    assert "保管期限" in raised.value.message_dict["keep_until"][0]
    with pytest.raises(ValidationError) as raised:
        services.extend_retention(
            acting_user=staff, recording=recording, keep_until=dt.date(2026, 9, 30), reason=" "
        )
    assert "区民課長" in raised.value.message_dict["reason"][0]
    extended = services.extend_retention(
        acting_user=staff,
        recording=recording,
        keep_until=dt.date(2026, 9, 30),
        reason="苦情対応のため区民課長と協議（6/9）",
    )
    assert extended.keep_until == dt.date(2026, 9, 30)
    assert extended.extended_by == staff
    assert selectors.erase_by_for(extended.keep_until) == dt.date(2026, 10, 31)
    assert entries(AccessAction.CHANGE, recording).count() == 1


def test_an_inspector_may_not_extend_or_hold(municipality, inspector):
    recording = make_recording(municipality)
    with pytest.raises(PermissionDenied):
        services.extend_retention(
            acting_user=inspector, recording=recording, keep_until=dt.date(2026, 9, 30), reason="x"
        )
    with pytest.raises(PermissionDenied):
        services.set_legal_hold(acting_user=inspector, recording=recording, reason="x")


def test_a_hold_needs_a_reason_and_is_released_with_one(municipality, supervisor):
    recording = make_recording(municipality)
    with pytest.raises(ValidationError):
        services.set_legal_hold(acting_user=supervisor, recording=recording, reason="")
    held = services.set_legal_hold(
        acting_user=supervisor, recording=recording, reason="捜査関係事項照会への対応"
    )
    assert held.legal_hold and held.hold_reason == "捜査関係事項照会への対応"
    with pytest.raises(ValidationError, match="既に消去停止中"):
        services.set_legal_hold(acting_user=supervisor, recording=recording, reason="再度")
    released = services.release_legal_hold(
        acting_user=supervisor, recording=recording, reason="照会への回答が完了"
    )
    assert not released.legal_hold
    assert entries(AccessAction.CHANGE, recording).count() == 2


# --- Erasure --------------------------------------------------------------------------------------


def test_erasure_takes_what_is_due_overwrites_and_deletes_and_keeps_the_metadata(
    municipality, supervisor
):
    old = make_recording(municipality, when="2026-03-31 18:00", call_type="a", seed=1)
    held = make_recording(municipality, when="2026-04-01 09:00", call_type="i", seed=2)
    due = make_recording(municipality, when="2026-04-30 17:00", call_type="e", seed=3)
    kept = make_recording(municipality, when="2026-05-01 09:00", call_type="o", seed=4)
    services.set_legal_hold(acting_user=supervisor, recording=held, reason="訴訟の準備")
    paths = {r.pk: kept_file(r) for r in (old, held, due, kept)}

    erasure = services.erase_due_recordings(
        acting_user=supervisor, municipality=municipality, as_of=dt.date(2026, 6, 10)
    )

    # keep_until: old 4/30, held 5/31 (held), due 5/31, kept 6/30 (not before 6/10).
    assert erasure.erased_count == 2
    assert erasure.erased_bytes == 2 * 64
    expected = hashlib.sha256("\n".join(sorted([old.sha256, due.sha256])).encode()).hexdigest()
    assert erasure.digest == expected
    assert not paths[old.pk].exists() and not paths[due.pk].exists()
    assert paths[held.pk].exists() and paths[kept.pk].exists()
    gone = CallRecording.objects.get(pk=due.pk)
    assert gone.erased_at is not None and gone.erasure == erasure
    assert (gone.call_type, gone.sha256, gone.keep_until) == ("e", due.sha256, due.keep_until)
    assert CallRecording.objects.get(pk=held.pk).erased_at is None
    assert entries(AccessAction.DELETE, erasure).count() == 1


def test_erasure_certificate_is_a_registered_export_that_states_what_how_many_when_how(
    municipality, supervisor
):
    make_recording(municipality, when="2026-03-10 10:00", call_type="a", seed=1)
    make_recording(municipality, when="2026-03-11 11:00", call_type="a", seed=2)
    make_recording(municipality, when="2026-04-20 12:00", call_type="u", seed=3)
    erasure = services.erase_due_recordings(
        acting_user=supervisor, municipality=municipality, as_of=dt.date(2026, 6, 1)
    )
    path = selectors.certificate_path(erasure)
    pdf = path.read_bytes()
    record = ExportRecord.objects.get(file_name=path.name)
    assert record.sha256 == hashlib.sha256(pdf).hexdigest()
    assert record.count == 3
    text = pdftotext(pdf)
    assert "通話録音消去証明書" in text
    assert "3件" in text
    assert "0で上書き" in text
    assert supervisor.username in text or (supervisor.display_name or "") in text
    assert "ア 申請に関する問合せ" in text and "2件" in text


def test_nothing_due_makes_no_erasure(municipality, supervisor):
    make_recording(municipality, when="2026-06-01 10:00")
    assert (
        services.erase_due_recordings(
            acting_user=supervisor, municipality=municipality, as_of=dt.date(2026, 6, 10)
        )
        is None
    )
    assert RecordingErasure.objects.count() == 0


def test_single_erasure_refuses_before_its_time_and_under_hold(municipality, supervisor):
    young = make_recording(municipality, when="2026-05-10 10:00", seed=1)
    old = make_recording(municipality, when="2026-03-10 10:00", seed=2)
    with pytest.raises(ValidationError, match="保管期限前のため消去できません"):
        services.erase_recording(acting_user=supervisor, recording=young)
    services.set_legal_hold(acting_user=supervisor, recording=old, reason="保全")
    with pytest.raises(ValidationError, match="消去停止中です"):
        services.erase_recording(acting_user=supervisor, recording=old)
    assert kept_file(young).exists() and kept_file(old).exists()
    services.release_legal_hold(acting_user=supervisor, recording=old, reason="解除")
    erasure = services.erase_recording(acting_user=supervisor, recording=old)
    assert erasure.erased_count == 1 and not kept_file(old).exists()
    with pytest.raises(ValidationError, match="消去済み"):
        services.erase_recording(acting_user=supervisor, recording=old)


def test_staff_may_not_erase(municipality, staff):
    recording = make_recording(municipality, when="2026-03-10 10:00")
    with pytest.raises(PermissionDenied):
        services.erase_recording(acting_user=staff, recording=recording)


def test_contract_end_erases_everything_but_holds(municipality, supervisor):
    young = make_recording(municipality, when="2026-06-09 10:00", seed=1)
    held = make_recording(municipality, when="2026-06-08 10:00", seed=2)
    services.set_legal_hold(acting_user=supervisor, recording=held, reason="保全")
    erasure = services.erase_all_recordings(acting_user=None, municipality=municipality)
    assert erasure.erased_count == 1
    assert erasure.executed_by is None and "コマンド" in erasure.executed_by_system
    assert not kept_file(young).exists() and kept_file(held).exists()
    assert services.held_recordings(municipality) == 1


def test_a_failed_overwrite_leaves_the_rows_and_no_certificate(
    municipality, supervisor, monkeypatch
):
    recording = make_recording(municipality, when="2026-03-10 10:00")

    def broken(paths):
        raise OSError("disk error")

    monkeypatch.setattr(services, "_overwrite_all", broken)
    with pytest.raises(ValidationError, match="消去できませんでした"):
        services.erase_due_recordings(
            acting_user=supervisor, municipality=municipality, as_of=dt.date(2026, 6, 10)
        )
    assert CallRecording.objects.get(pk=recording.pk).erased_at is None
    assert RecordingErasure.objects.count() == 0
    assert ExportRecord.objects.count() == 0
    assert kept_file(recording).exists()
    assert not any(selectors.certificates_dir().glob("*.pdf"))


def test_overwrite_writes_zeros_over_every_byte(tmp_path):
    path = tmp_path / "a.wav"
    path.write_bytes(sound(3, 200_000))
    path.chmod(0o400)
    services._overwrite_all([path])
    assert path.read_bytes() == bytes(200_000)


# --- Playback and the check -----------------------------------------------------------------------


def test_each_playback_is_logged_for_the_person(municipality, supervisor, staff):
    recording = make_recording(municipality)
    services.open_for_playback(acting_user=supervisor, recording=recording)
    services.open_for_playback(acting_user=staff, recording=recording)
    services.open_for_playback(acting_user=staff, recording=recording)
    views = entries(AccessAction.VIEW, recording)
    assert sorted(views.values_list("actor_username", flat=True)) == [
        staff.username,
        staff.username,
        supervisor.username,
    ]
    assert all(entry.fields == ["audio"] for entry in views)


def test_an_inspector_cannot_play(municipality, inspector):
    recording = make_recording(municipality)
    with pytest.raises(PermissionDenied):
        services.open_for_playback(acting_user=inspector, recording=recording)
    assert not entries(AccessAction.VIEW, recording).exists()


def test_the_check_finds_one_changed_byte_a_missing_file_and_an_overdue_recording(
    municipality, supervisor
):
    fine = make_recording(municipality, when="2026-06-01 10:00", seed=1)
    changed = make_recording(municipality, when="2026-06-02 10:00", seed=2)
    missing = make_recording(municipality, when="2026-06-03 10:00", seed=3)
    overdue = make_recording(municipality, when="2026-03-03 10:00", seed=4)  # erase by 5/31
    path = kept_file(changed)
    path.chmod(0o600)
    data = bytearray(path.read_bytes())
    data[30] ^= 0x01
    path.write_bytes(bytes(data))
    kept_file(missing).chmod(0o600)
    kept_file(missing).unlink()
    result = selectors.check_recordings(municipality, dt.date(2026, 6, 10))
    assert not result.ok
    assert result.checked == 4
    assert [r.pk for r in result.changed] == [changed.pk]
    assert [r.pk for r in result.missing] == [missing.pk]
    assert [r.pk for r in result.overdue] == [overdue.pk]
    assert fine.pk not in {r.pk for r in result.changed + result.missing + result.overdue}


# --- Under concurrency (PostgreSQL) ---------------------------------------------------------------


@pytest.mark.postgres_only(reason="row locks between concurrent erasure runs")
@pytest.mark.django_db(transaction=True)
def test_two_erasure_runs_at_once_erase_each_recording_once(municipality, supervisor):
    made = [make_recording(municipality, when="2026-03-10 10:00", seed=n) for n in range(6)]

    def erase(_n):
        return services.erase_due_recordings(
            acting_user=supervisor, municipality=municipality, as_of=dt.date(2026, 6, 10)
        )

    results, errors = run_threads(2, erase)
    assert not errors, errors
    runs = [r for r in results if r is not None]
    assert len(runs) == 1 and runs[0].erased_count == len(made)
    assert RecordingErasure.objects.count() == 1
    assert not any(kept_file(r).exists() for r in made)


@pytest.mark.postgres_only(reason="row locks between a hold and an erasure run")
@pytest.mark.django_db(transaction=True)
def test_a_hold_racing_an_erasure_either_wins_whole(municipality, supervisor):
    recording = make_recording(municipality, when="2026-03-10 10:00")

    def work(n):
        if n == 0:
            return services.set_legal_hold(
                acting_user=supervisor, recording=recording, reason="保全"
            )
        return services.erase_due_recordings(
            acting_user=supervisor, municipality=municipality, as_of=dt.date(2026, 6, 10)
        )

    _results, errors = run_threads(2, work)
    row = CallRecording.objects.get(pk=recording.pk)
    if row.erased_at is None:
        assert row.legal_hold and kept_file(recording).exists() and not errors
    else:
        assert not row.legal_hold and not kept_file(recording).exists()
        assert [str(e) for e in errors] == [str(ValidationError(services.ERASED))]
