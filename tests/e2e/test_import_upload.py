"""In a real browser: staff uploads a small CP932 file, watches the validation and then the
import reach 100% through the page's htmx polling, and sees the counts (1024×768)."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from civicdesk.receivables.models import ImportRun
from civicdesk.receivables.tasks import execute_import_run
from civicdesk.registry.models import Obligor
from tests.conftest import current_token
from tests.e2e.test_sign_in import fill_password_step

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "税目,宛名番号,整理番号,氏名,氏名カナ,住所,電話番号,年度,期別,納期限,調定額,納付額,未納額"
ROWS = [
    "国保,000123456,N-0001,山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,東京都江東区東陽四丁目11番28号,03-1234-5678,"
    '令和6年度,1,R6.7.31,"30,000",10000,20000',
    "国保,000123456,N-0001,山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,東京都江東区東陽四丁目11番28号,03-1234-5678,"
    "令和6年度,2,R6.8.31,30000,0,30000",
    "住民税,000123456,R-0001,山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,東京都江東区東陽四丁目11番28号,,"
    "2024,3,2024/10/31,12300,0,12300",
]


@pytest.fixture
def cp932_file(tmp_path):
    path = tmp_path / "滞納データ_202407.csv"
    path.write_bytes(("\r\n".join([HEADER, *ROWS]) + "\r\n").encode("cp932"))
    return path


@pytest.fixture(autouse=True)
def _tasks_wait_for_the_worker(settings, tmp_path):
    """The page queues; the test plays the worker (below), as `civicdesk worker` would."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


def run_worker(page):
    """Run the queued run as the worker would, while the browser's polls wait.

    Playwright's sync API only lets routed requests through while the test thread is inside
    a Playwright call, so the live server never touches the database at the same time as
    the test thread does (SQLite's test database is one shared in-memory connection).
    """
    page.wait_for_load_state("networkidle")  # no poll in flight; later ones wait for us
    run = ImportRun.objects.order_by("-pk").first()
    execute_import_run.call(run.pk)
    return run


def test_staff_uploads_cp932_file_and_sees_progress_and_counts(page, staff, cp932_file, artifacts):
    page.route("**/receivables/**", lambda route: route.continue_())
    device = TOTPDevice.objects.create(user=staff, name="テスト", confirmed=True)
    fill_password_step(page, staff)
    page.get_by_label("確認コード（6 桁）").fill(current_token(device))
    page.get_by_role("button", name="ログイン").click()

    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="データ取込み"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("データ取込み")
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
              .filter(el => !(el.labels && el.labels.length)).map(el => el.name)"""
    )
    assert unlabeled == []
    page.get_by_label("データの種類").select_option(label="滞納データ（期別）")
    page.get_by_label("ファイル（CSV）").set_input_files(cp932_file)
    page.get_by_label("文字コード").select_option(label="CP932（Shift_JIS）")
    page.get_by_role("button", name="アップロードして検証").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("検証: 滞納データ_202407.csv")
    expect(page.get_by_test_id("import-status")).to_have_text("待機中")
    validation = run_worker(page)
    # htmx polls the page every second and swaps the status section in place.
    expect(page.get_by_test_id("import-progress")).to_have_text("100%")
    expect(page.get_by_test_id("import-status")).to_have_text("完了")
    counts = page.get_by_test_id("import-counts")
    expect(counts).to_contain_text("行数")
    expect(counts.locator("tr", has_text="行数")).to_contain_text("3")
    assert page.locator("#import-progress").get_attribute("value") == "100"
    assert not Obligor.objects.exists(), "a validation must not write anything"
    page.screenshot(path=artifacts / "import-validated-1024x768.png", full_page=True)

    page.get_by_role("button", name="取込みを実行").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("取込み: 滞納データ_202407.csv")
    imported = run_worker(page)
    assert imported.pk != validation.pk
    expect(page.get_by_test_id("import-progress")).to_have_text("100%")
    expect(page.get_by_test_id("import-status")).to_have_text("完了")
    counts = page.get_by_test_id("import-counts")
    expect(counts.locator("tr", has_text="期別")).to_contain_text("3")
    expect(counts.locator("tr", has_text="口座")).to_contain_text("2")
    expect(counts.locator("tr", has_text="納付義務者")).to_contain_text("1")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 1024, "the import page scrolls sideways at 1024 px"
    page.screenshot(path=artifacts / "import-done-1024x768.png", full_page=True)
    assert Obligor.objects.get().resident_no == "000123456"
    assert re.search(r"/receivables/imports/\d+/$", page.url)
