"""Upload → validation → import with the real importer, tasks run at once (ImmediateBackend)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.receivables.models import ImportRun, ImportStatus, Installment
from civicdesk.registry.models import Obligor
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

HEADER = (
    "税目,宛名番号,整理番号,氏名,氏名カナ,住所,電話番号,"
    "年度,期別,納期限,調定額,納付額,未納額,延滞金"
)
GOOD = [
    "国保,000123456,N-0001,山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,東京都江東区東陽四丁目11番28号,03-1234-5678,"
    '令和6年度,1,R6.7.31,"30,000",10000,20000,100',
    "国保,000123456,N-0001,山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,東京都江東区東陽四丁目11番28号,03-1234-5678,"
    "令和6年度,2,R6.8.31,30000,0,30000,",
    "住民税,000123456,R-0001,山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,東京都江東区東陽四丁目11番28号,,"
    "2024,3,2024/10/31,12300,0,12300,",
]
BAD = [
    # line 2: 未納額 wrong; line 3: no such date
    "国保,000123456,N-0001,山田 太郎,,東京都江東区東陽四丁目11番28号,,2024,1,2024-07-31,"
    "30000,10000,25000,",
    "国保,000123456,N-0001,山田 太郎,,東京都江東区東陽四丁目11番28号,,2024,2,令和7年2月30日,"
    "30000,0,30000,",
]


def csv_file(rows, name="滞納データ.csv"):
    content = ("\r\n".join([HEADER, *rows]) + "\r\n").encode("cp932")
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, rows, **fields):
    data = {"kind": "receivables", "encoding": "", "file": csv_file(rows), **fields}
    response = client.post("/receivables/imports/", data)
    assert response.status_code == 302, response.content.decode()
    return response


def test_clean_file_is_validated_then_imported_on_request(client, staff):
    sign_in(client, staff)
    response = upload(client, GOOD)
    validation = ImportRun.objects.get()
    assert (validation.dry_run, validation.status, validation.progress) == (
        True,
        ImportStatus.DONE,
        100,
    )
    assert not Obligor.objects.exists(), "validation writes nothing"
    page = client.get(response.url).content.decode()
    assert "取込みを実行" in page
    assert "延滞金" in page  # dropped by the field policy, and said so

    response = client.post(f"/receivables/imports/{validation.pk}/execute/")
    imported = ImportRun.objects.get(dry_run=False)
    assert response.url == f"/receivables/imports/{imported.pk}/"
    assert (imported.status, imported.progress) == (ImportStatus.DONE, 100)
    assert imported.counts["installments"] == 3
    assert imported.counts["accounts"] == 2
    assert imported.counts["obligors"] == 1
    assert Installment.objects.count() == 3
    obligor = Obligor.objects.get()
    assert obligor.resident_no == "000123456"
    page = client.get(response.url).content.decode()
    assert "完了" in page and 'value="100"' in page
    assert "取込みを実行" not in page


def test_file_with_errors_shows_line_column_reason_and_cannot_be_imported(client, staff):
    sign_in(client, staff)
    response = upload(client, BAD)
    run = ImportRun.objects.get()
    assert run.error_count == 2
    page = client.get(response.url).content.decode()
    assert '<td class="num">2</td><td>未納額</td>' in page
    assert '<td class="num">3</td><td>納期限</td>' in page
    assert "存在しない日付です" in page
    assert "取込みを実行" not in page
    assert client.post(f"/receivables/imports/{run.pk}/execute/").status_code == 302
    assert ImportRun.objects.count() == 1
    assert not Obligor.objects.exists()


def test_imported_obligor_is_found_by_kana_and_phone(client, staff, operator):
    sign_in(client, staff)
    upload(client, GOOD)
    client.post(f"/receivables/imports/{ImportRun.objects.get().pk}/execute/")
    client.logout()
    sign_in(client, operator)
    for query in ("ﾔﾏﾀﾞ", "やまだ たろう", "03-1234-5678", "000123456"):
        page = client.post("/obligors/", {"query": query, "kind": "auto"}).content.decode()
        assert "該当 1 件" in page, query
    assert AccessLogEntry.objects.filter(action=AccessAction.SEARCH).count() == 4
