"""run_import: a pending ImportRun whose upload the web page saved, executed with progress."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from civicdesk.privacy.models import HandOverRecord
from civicdesk.receivables.models import ImportRun, ImportStatus
from civicdesk.receivables.services import run_import
from civicdesk.registry.models import Obligor
from tests.receivables.fixtures.files import RECEIVABLES_HEADERS, csv_text, receivables_row


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pending(staff, municipality, rows, **fields) -> ImportRun:
    run = ImportRun(
        municipality=municipality,
        kind="receivables",
        file_name="山田様分.csv",
        sha256="",
        acting_user=staff,
        status=ImportStatus.PENDING,
        **fields,
    )
    data = csv_text(RECEIVABLES_HEADERS, rows).encode("cp932")
    run.upload.save("0123abcd.csv", ContentFile(data), save=False)
    run.save()
    return run


def test_a_pending_run_is_imported_and_finished(staff, municipality):
    run = pending(staff, municipality, [receivables_row(), receivables_row(期別="2")])
    result = run_import(run.pk)

    run.refresh_from_db()
    assert result.run.pk == run.pk
    assert run.status == ImportStatus.DONE
    assert run.progress == 100
    assert run.encoding == "cp932"
    assert run.counts["rows"] == 2
    assert len(run.sha256) == 64
    assert Obligor.objects.count() == 1
    # The hand-over register names the original upload, not the stored name.
    assert HandOverRecord.objects.get().file_name == "山田様分.csv"


def test_a_pending_dry_run_validates_only(staff, municipality):
    run = pending(staff, municipality, [receivables_row()], dry_run=True)
    run_import(run.pk)
    run.refresh_from_db()
    assert (run.status, run.dry_run, run.counts["created"]) == (ImportStatus.DONE, True, 3)
    assert not Obligor.objects.exists()


def test_errors_name_the_uploaded_file(staff, municipality):
    run = pending(staff, municipality, [receivables_row(期別="99")])
    result = run_import(run.pk)
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert [str(e) for e in result.errors] == ["山田様分.csv:2:期別: 期別は1〜14または随時です: 99"]
    assert run.errors[0]["file"] == "山田様分.csv"


def test_progress_is_saved_on_the_run(staff, municipality, monkeypatch):
    run = pending(staff, municipality, [receivables_row()])
    saved = []
    original = ImportRun.objects.filter

    def spy(*args, **kwargs):
        queryset = original(*args, **kwargs)
        update = queryset.update

        def recording_update(**values):
            if "progress" in values:
                saved.append(values["progress"])
            return update(**values)

        queryset.update = recording_update
        return queryset

    monkeypatch.setattr(ImportRun.objects, "filter", spy)
    run_import(run.pk)
    assert saved and saved == sorted(saved)
    assert saved[-1] == 100


def test_a_run_that_is_not_pending_is_refused(staff, municipality):
    run = pending(staff, municipality, [receivables_row()])
    run_import(run.pk)
    with pytest.raises(ValueError, match="not pending"):
        run_import(run.pk)
