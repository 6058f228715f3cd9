"""The staff import page: upload saves a pending validation run and queues it; the run page
shows status, progress, counts, the first errors and dropped columns; only a clean validation
can be imported, once."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks import default_task_backend

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.receivables.models import ImportRun, ImportStatus
from civicdesk.receivables.tasks import execute_import_run
from tests.conftest import REQUIRED_MESSAGE, sign_in
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

CSV = "税目,宛名番号\r\n国保,000123456\r\n".encode("cp932")


@pytest.fixture(autouse=True)
def _queue_only(settings, tmp_path):
    """Tasks are only queued here (the flow test runs them); uploads go to a temporary folder."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    default_task_backend.clear()
    yield
    default_task_backend.clear()


def upload(client, **fields):
    data = {
        "kind": "receivables",
        "encoding": "",
        "file": SimpleUploadedFile("滞納データ.csv", CSV, content_type="text/csv"),
        **fields,
    }
    return client.post("/receivables/imports/", data)


def make_run(municipality, **fields) -> ImportRun:
    values = {
        "municipality": municipality,
        "kind": "receivables",
        "file_name": "滞納データ.csv",
        "sha256": "0" * 64,
        "dry_run": True,
        "status": ImportStatus.DONE,
        "progress": 100,
        "upload": "imports/stored.csv",
        **fields,
    }
    return ImportRun.objects.create(**values)


def test_upload_saves_a_pending_validation_run_and_queues_it(client, staff, municipality):
    sign_in(client, staff)
    response = upload(client, full="on", encoding="cp932")
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response.url == f"/receivables/imports/{run.pk}/"
    assert (run.kind, run.status, run.dry_run, run.full, run.encoding) == (
        "receivables",
        ImportStatus.PENDING,
        True,
        True,
        "cp932",
    )
    assert (run.municipality, run.acting_user, run.file_name) == (
        municipality,
        staff,
        "滞納データ.csv",
    )
    assert run.sha256 == hashlib.sha256(CSV).hexdigest()
    with run.upload.open("rb") as saved:
        assert saved.read() == CSV
    (queued,) = default_task_backend.results
    assert queued.task.func is execute_import_run.func
    assert list(queued.args) == [run.pk]


def test_stored_file_name_does_not_carry_the_uploaded_name(client, staff):
    """An uploaded file may be named after a person (山田太郎様分.csv); storage is random."""
    sign_in(client, staff)
    upload(client)
    run = ImportRun.objects.get()
    assert "滞納" not in run.upload.name
    assert run.upload.name.startswith("imports/") and run.upload.name.endswith(".csv")


def test_upload_is_logged_without_the_file_content(client, staff):
    sign_in(client, staff)
    upload(client)
    run = ImportRun.objects.get()
    (entry,) = AccessLogEntry.objects.filter(action=AccessAction.CREATE)
    assert (entry.actor, entry.object_type, entry.object_id) == (
        staff,
        "receivables.importrun",
        str(run.pk),
    )
    assert "000123456" not in entry.reason


def test_upload_without_a_file_shows_a_japanese_error_and_saves_nothing(client, staff):
    sign_in(client, staff)
    response = client.post("/receivables/imports/", {"kind": "receivables", "encoding": ""})
    assert response.status_code == 200
    assert REQUIRED_MESSAGE in response.content.decode()
    assert not ImportRun.objects.exists()
    assert default_task_backend.results == []


def test_an_empty_file_is_refused_at_upload(client, staff):
    sign_in(client, staff)
    response = upload(client, file=SimpleUploadedFile("empty.csv", b""))
    # "The submitted file is empty." (DRF's catalogue: 添付ファイルの中身が空でした。)
    assert "空で" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_upload_form_warns_about_full_imports(client, staff):
    sign_in(client, staff)
    page = client.get("/receivables/imports/").content.decode()
    assert "ファイルにない口座（同じ税目）は期別ごと削除されます" in page
    assert 'enctype="multipart/form-data"' in page
    for label in ("滞納データ（期別）", "世帯員", "納付", "自動判定", "CP932", "UTF-8"):
        assert label in page


def test_list_shows_recent_runs_of_the_own_municipality_only(client, staff, municipality):
    make_run(municipality, file_name="うちの.csv")
    make_run(MunicipalityFactory(code="131091", name="品川区"), file_name="よその.csv")
    sign_in(client, staff)
    page = client.get("/receivables/imports/").content.decode()
    assert "うちの.csv" in page and "よその.csv" not in page


@pytest.mark.parametrize("role", ["operator", "visitor", "supervisor", "inspector", "admin"])
def test_only_staff_may_upload_or_open_runs(client, users_by_role, municipality, role):
    run = make_run(municipality)
    sign_in(client, users_by_role[role])
    assert upload(client).status_code == 403
    assert client.get(f"/receivables/imports/{run.pk}/").status_code == 403
    assert client.post(f"/receivables/imports/{run.pk}/execute/").status_code == 403
    assert ImportRun.objects.count() == 1


def test_runs_of_another_municipality_are_not_found(client, staff):
    run = make_run(MunicipalityFactory(code="131091", name="品川区"))
    sign_in(client, staff)
    assert client.get(f"/receivables/imports/{run.pk}/").status_code == 404


def test_pending_run_page_polls_and_offers_a_refresh_link(client, staff, municipality):
    run = make_run(municipality, status=ImportStatus.RUNNING, progress=40)
    sign_in(client, staff)
    page = client.get(f"/receivables/imports/{run.pk}/").content.decode()
    assert '<progress id="import-progress" max="100" value="40">' in page
    assert 'hx-trigger="every 1s"' in page
    assert f'hx-get="/receivables/imports/{run.pk}/"' in page
    assert ">更新</a>" in page


def test_polling_answers_the_status_fragment_only(client, staff, municipality):
    run = make_run(municipality, status=ImportStatus.RUNNING, progress=75)
    sign_in(client, staff)
    fragment = client.get(f"/receivables/imports/{run.pk}/", headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert html.lstrip().startswith('<section id="import-status"')
    assert "<html" not in html
    assert 'value="75"' in html


def test_finished_run_stops_polling(client, staff, municipality):
    run = make_run(municipality, counts={"rows": 3})
    sign_in(client, staff)
    page = client.get(f"/receivables/imports/{run.pk}/").content.decode()
    assert "hx-trigger" not in page
    assert ">更新</a>" not in page


def test_errors_are_listed_as_line_column_reason(client, staff, municipality):
    run = make_run(
        municipality,
        status=ImportStatus.FAILED,
        error_count=1200,
        errors=[
            "滞納データ.csv:3:未納額: 未納額が調定額−納付額と一致しません",
            "滞納データ.csv:5:納期限: 存在しない日付です: 令和7年2月30日",
        ],
        counts={"rows": 10, "dropped_columns": ["延滞金", "勤務先"]},
    )
    sign_in(client, staff)
    page = client.get(f"/receivables/imports/{run.pk}/").content.decode()
    assert (
        '<td class="num">3</td><td>未納額</td><td>未納額が調定額−納付額と一致しません</td>' in page
    )
    assert (
        '<td class="num">5</td><td>納期限</td><td>存在しない日付です: 令和7年2月30日</td>' in page
    )
    assert "1,200 件" in page
    assert "延滞金、勤務先" in page
    assert "取込みを実行" not in page


def test_clean_validation_offers_the_import_and_queues_a_new_run(client, staff, municipality):
    run = make_run(municipality, counts={"rows": 3, "installments": 3}, full=True)
    sign_in(client, staff)
    page = client.get(f"/receivables/imports/{run.pk}/").content.decode()
    assert "取込みを実行" in page
    response = client.post(f"/receivables/imports/{run.pk}/execute/")
    new = ImportRun.objects.exclude(pk=run.pk).get()
    assert response.url == f"/receivables/imports/{new.pk}/"
    assert (new.dry_run, new.status, new.full, new.upload.name, new.acting_user) == (
        False,
        ImportStatus.PENDING,
        True,
        run.upload.name,
        staff,
    )
    run.refresh_from_db()
    assert (run.dry_run, run.status) == (True, ImportStatus.DONE)  # the validation stays
    (queued,) = default_task_backend.results
    assert list(queued.args) == [new.pk]


def test_a_validated_file_is_imported_once(client, staff, municipality):
    run = make_run(municipality)
    sign_in(client, staff)
    client.post(f"/receivables/imports/{run.pk}/execute/")
    client.post(f"/receivables/imports/{run.pk}/execute/")
    assert ImportRun.objects.filter(dry_run=False).count() == 1
    page = client.get(f"/receivables/imports/{run.pk}/").content.decode()
    assert "取込みを実行" not in page
    assert "このファイルの取込み" in page


@pytest.mark.parametrize(
    "fields",
    [
        {"status": ImportStatus.FAILED, "error_count": 1},
        {"status": ImportStatus.RUNNING},
        {"status": ImportStatus.DONE, "dry_run": False},
    ],
)
def test_only_a_finished_clean_validation_can_be_executed(client, staff, municipality, fields):
    run = make_run(municipality, **fields)
    sign_in(client, staff)
    response = client.post(f"/receivables/imports/{run.pk}/execute/")
    assert response.status_code == 302 and response.url == f"/receivables/imports/{run.pk}/"
    assert ImportRun.objects.count() == 1
    assert default_task_backend.results == []


def test_execute_needs_post(client, staff, municipality):
    run = make_run(municipality)
    sign_in(client, staff)
    assert client.get(f"/receivables/imports/{run.pk}/execute/").status_code == 405


@pytest.mark.parametrize(
    ("kind", "shown", "hidden"),
    [
        ("receivables", ["口座（整理番号）", "期別"], ["世帯員", "納付</th>"]),
        ("household", ["世帯", "世帯員"], ["口座（整理番号）", "納付</th>"]),
        ("payments", ["納付</th>"], ["口座（整理番号）", "世帯員"]),
    ],
)
def test_counts_shown_are_those_of_the_files_kind(client, staff, municipality, kind, shown, hidden):
    counts = dict.fromkeys(
        ["rows", "obligors", "accounts", "installments", "payments", "households", "members"], 7
    )
    run = make_run(municipality, kind=kind, counts=counts)
    sign_in(client, staff)
    page = client.get(f"/receivables/imports/{run.pk}/").content.decode()
    table = page[page.index('data-testid="import-counts"') :]
    for label in shown:
        assert label in table, label
    for label in hidden:
        assert label not in table, label
