"""``civicdesk cards recordings register | purge | check``: the registration from a file, the
monthly purge as one JSON line with its certificate, and the check that exits 1 naming every
recording past its erase-by date and every changed or missing file."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import pytest
from django.core.management import call_command

from civicdesk.cards.models import CallRecording, RecordingErasure
from civicdesk.cards.services import recordings as services
from civicdesk.privacy.models import ExportRecord
from tests.cards.factories_recordings import kept_file, make_recording, point_recordings_at, sound

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def recordings_root(settings, tmp_path):
    return point_recordings_at(settings, tmp_path)


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("cards", "recordings", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue().strip(), err.getvalue().strip()


def test_register_copies_the_file_and_prints_its_dates(municipality, tmp_path):
    source = tmp_path / "rec.wav"
    source.write_bytes(sound(9, 128))
    code, out, err = run(
        "register", str(source), "--call-type", "u", "--at", "2026-06-10T09:15+09:00", "--json"
    )
    assert code == 0, err
    recording = CallRecording.objects.get()
    assert json.loads(out) == {
        "recording": recording.pk,
        "sha256": hashlib.sha256(sound(9, 128)).hexdigest(),
        "bytes": 128,
        "keep_until": "2026-07-31",
        "erase_by": "2026-08-31",
    }
    assert recording.call_type == "u" and recording.registered_by is None
    assert kept_file(recording).read_bytes() == sound(9, 128)


def test_register_refuses_a_time_without_offset(municipality, tmp_path):
    source = tmp_path / "rec.wav"
    source.write_bytes(b"x")
    code, _, err = run("register", str(source), "--call-type", "a", "--at", "2026-06-10T09:15")
    assert code == 1 and "時差" in err
    assert CallRecording.objects.count() == 0


def test_purge_prints_erased_bytes_held_and_the_certificate(municipality, supervisor):
    for seed, day in enumerate(["2026-03-01 10:00", "2026-03-20 10:00", "2026-04-10 10:00"]):
        make_recording(municipality, when=day, seed=seed)
    held = make_recording(municipality, when="2026-04-11 10:00", seed=7)
    services.set_legal_hold(acting_user=supervisor, recording=held, reason="保全要請")
    make_recording(municipality, when="2026-05-02 10:00", seed=8)  # kept until 6/30

    code, out, err = run("purge", "--as-of", "2026-06-10", "--json")

    assert code == 0, err
    erasure = RecordingErasure.objects.get()
    result = json.loads(out)
    assert result["erased"] == 3
    assert result["bytes"] == 3 * 64
    assert result["held"] == 1
    assert result["certificate"] == erasure.pk
    assert erasure.executed_by is None and "cards recordings purge" in erasure.executed_by_system
    assert ExportRecord.objects.get().exported_by_system == erasure.executed_by_system
    # A second run the same day finds nothing more.
    code, out, _ = run("purge", "--as-of", "2026-06-10", "--json")
    assert json.loads(out)["erased"] == 0 and json.loads(out)["certificate"] is None


def test_check_exits_1_naming_a_changed_byte_and_an_overdue_recording(municipality):
    overdue = make_recording(municipality, when="2026-03-31 10:00", seed=1)  # erase by 5/31
    changed = make_recording(municipality, when="2026-06-01 10:00", seed=2)
    path = kept_file(changed)
    path.chmod(0o600)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x80
    path.write_bytes(bytes(data))

    code, out, _ = run("check", "--as-of", "2026-06-10")

    assert code == 1
    lines = out.splitlines()
    assert any(
        line.startswith("消去期限超過") and f"通話録音 {overdue.pk}" in line for line in lines
    )
    assert any(
        line.startswith("SHA-256 不一致") and f"通話録音 {changed.pk}" in line for line in lines
    )
    assert "問題 2 件" in lines[-1]


def test_check_finds_a_missing_file_and_passes_once_everything_is_in_order(municipality):
    recording = make_recording(municipality, when="2026-06-01 10:00", seed=1)
    path = kept_file(recording)
    content = path.read_bytes()
    path.chmod(0o600)
    path.unlink()
    code, out, _ = run("check", "--as-of", "2026-06-10", "--json")
    assert code == 1 and json.loads(out)["missing"] == [recording.pk]
    path.write_bytes(content)
    code, out, _ = run("check", "--as-of", "2026-06-10")
    assert code == 0
    assert "問題はありません" in out


def test_check_on_the_day_after_the_erase_by_date_but_not_on_it(municipality):
    make_recording(municipality, when="2026-04-30 10:00", seed=1)  # keep 5/31, erase by 6/30
    assert run("check", "--as-of", "2026-06-30")[0] == 0
    assert run("check", "--as-of", "2026-07-01")[0] == 1


def test_purge_refuses_a_bad_date(municipality):
    code, _, err = run("purge", "--as-of", "2026/06/10")
    assert code == 1 and "YYYY-MM-DD" in err


def test_purged_files_are_gone_and_the_check_is_clean_afterwards(municipality):
    recording = make_recording(municipality, when="2026-03-31 10:00", seed=1)
    assert run("check", "--as-of", dt.date(2026, 6, 10).isoformat())[0] == 1
    run("purge", "--as-of", "2026-06-10")
    assert not kept_file(recording).exists()
    assert run("check", "--as-of", "2026-06-10")[0] == 0


def test_check_names_a_copy_no_recording_knows(municipality, recordings_root):
    recording = make_recording(municipality, when="2026-06-01 10:00", seed=1)
    copy = kept_file(recording).parent / "copy.wav"
    copy.write_bytes(kept_file(recording).read_bytes())
    code, out, _ = run("check", "--as-of", "2026-06-10")
    assert code == 1
    assert "登録のないファイル（複製の疑い）: 2026-06/copy.wav" in out
