"""What an import leaves behind: ImportRun, access-log entry, hand-over record — or only the run."""

from __future__ import annotations

import hashlib

import pytest

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.privacy.models import HandOverRecord
from civicdesk.receivables.models import Account, ImportRun, ImportStatus, Installment
from civicdesk.registry.models import Household, Obligor, Phone
from tests.receivables.fixtures.files import import_rows, receivables_row


@pytest.fixture
def run_import(tmp_path, staff, municipality):
    def _run(rows, **options):
        return import_rows(
            tmp_path, acting_user=staff, municipality=municipality, rows=rows, **options
        )

    return _run


def nothing_but_the_run_was_written():
    for model in (Obligor, Account, Installment, Phone, Household, HandOverRecord):
        assert not model.objects.exists(), model
    assert not AccessLogEntry.objects.filter(object_type="receivables.importrun").exists()


def test_success_writes_an_access_log_entry_and_a_hand_over_record(run_import, staff, tmp_path):
    result = run_import([receivables_row(), receivables_row(期別="2")])
    run = result.run
    expected_sha = hashlib.sha256((tmp_path / "data.csv").read_bytes()).hexdigest()
    assert run.sha256 == expected_sha

    entry = AccessLogEntry.objects.get(object_type="receivables.importrun", object_id=str(run.pk))
    assert entry.actor == staff
    assert entry.action == AccessAction.CREATE
    assert entry.reason == "取込み: data.csv"
    assert "氏名" in entry.fields

    record = HandOverRecord.objects.get()
    assert record.direction == "received"
    assert record.content == "滞納データ（期別）"
    assert (record.file_name, record.sha256, record.count) == ("data.csv", expected_sha, 2)
    assert record.handler == staff


def test_a_failed_import_records_only_its_run_with_the_errors(run_import):
    result = run_import([receivables_row(), receivables_row(期別="2", 未納額="1")])

    run = ImportRun.objects.get()
    assert run.status == ImportStatus.FAILED
    assert run.error_count == 1 == result.error_count
    assert run.errors == [
        {
            "file": "data.csv",
            "line": 3,
            "column": "未納額",
            "reason": result.errors[0].reason,
        }
    ]
    assert run.counts["created"] == 0
    assert run.counts["errors"] == 1
    nothing_but_the_run_was_written()


def test_an_error_only_the_database_can_find_rolls_everything_back(run_import):
    run_import([receivables_row()])
    before = (Obligor.objects.count(), HandOverRecord.objects.count())
    result = run_import(
        [receivables_row(宛名番号="5005", 整理番号="N5005"), receivables_row(宛名番号="7777")]
    )
    assert result.error_count == 1
    assert result.run.status == ImportStatus.FAILED
    # The new person on the first row was written, then rolled back with everything else.
    assert not Obligor.objects.filter(resident_no="5005").exists()
    assert (Obligor.objects.count(), HandOverRecord.objects.count()) == before


def test_a_dry_run_counts_without_writing(run_import):
    result = run_import([receivables_row(), receivables_row(期別="2")], dry_run=True)

    assert result.error_count == 0
    assert result.counts["created"] == 4  # what the real import would create
    run = ImportRun.objects.get()
    assert run.dry_run is True
    assert run.status == ImportStatus.DONE
    assert run.counts == result.counts
    nothing_but_the_run_was_written()


def test_a_dry_run_reports_errors_too(run_import):
    result = run_import([receivables_row(調定額="-1")], dry_run=True)
    assert result.error_count == 1
    assert ImportRun.objects.get().status == ImportStatus.FAILED
    nothing_but_the_run_was_written()
