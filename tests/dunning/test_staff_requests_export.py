"""The 納付書再発行エクセル: read back with openpyxl; field policy per revenue type; register."""

import datetime as dt
import hashlib
import io
import re
from pathlib import Path

import pytest
import pyzipper
import yaml
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from civicdesk.audit.models import AccessLogEntry
from civicdesk.dunning.choices import StaffRequestKind, StaffRequestStatus
from civicdesk.dunning.models import StaffRequest
from civicdesk.dunning.services.handovers import (
    HEADERS,
    create_staff_request,
    export_staff_requests,
)
from civicdesk.privacy import field_policy
from civicdesk.privacy.models import ExportRecord
from civicdesk.privacy.models.registers import ExportRequest
from civicdesk.privacy.services.export_register import ExportError
from tests.conftest import sign_in
from tests.registry.factories import AccountFactory, InstallmentFactory, ObligorFactory

pytestmark = pytest.mark.django_db

EXPECTED_HEADERS = [
    "依頼日",
    "種類",
    "税目",
    "宛名番号",
    "整理番号",
    "氏名",
    "郵便番号",
    "住所",
    "方書",
    "年度・期別",
    "未納額",
    "依頼者",
    "備考",
]


@pytest.fixture(autouse=True)
def _fresh_policy_cache():
    field_policy._load.cache_clear()
    yield
    field_policy._load.cache_clear()


@pytest.fixture
def people(municipality):
    """One person with nhi (two unpaid periods, one paid) and ltc accounts."""
    person = ObligorFactory(
        municipality=municipality,
        resident_no="000123456",
        name="砂町 一郎",
        postal_code="136-0073",
        address="東京都江東区北砂一丁目2番3号",
        address_extra="コーポ砂町101",
    )
    nhi = AccountFactory(obligor=person, revenue_type="nhi", case_no="N-0001")
    InstallmentFactory(account=nhi, fiscal_year=2024, period="3", assessed=12_000, paid=2_000)
    InstallmentFactory(account=nhi, fiscal_year=2024, period="1", assessed=8_000, paid=8_000)
    InstallmentFactory(
        account=nhi, fiscal_year=2025, period="1", due_date=dt.date(2025, 6, 30), assessed=9_000
    )
    ltc = AccountFactory(obligor=person, revenue_type="ltc", case_no="L-0001")
    InstallmentFactory(account=ltc, fiscal_year=2025, period="2", assessed=5_000)
    return {"person": person, "nhi": nhi, "ltc": ltc}


@pytest.fixture
def request_for_both(supervisor, people):
    return create_staff_request(
        acting_user=supervisor,
        obligor=people["person"],
        kind=StaffRequestKind.SLIP_REISSUE,
        accounts=[people["ltc"], people["nhi"]],
        note="=SUM(A1) 来週までに送付希望",
    )


def read(path_or_bytes):
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    sheet = load_workbook(source).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_rows_hold_every_column_for_each_account(staff, supervisor, request_for_both, tmp_path):
    out = tmp_path / "slips.xlsx"
    result = export_staff_requests(acting_user=staff, reason="納付書再発行のため", out=out)
    rows = read(out)
    assert list(HEADERS) == EXPECTED_HEADERS
    assert rows[0] == EXPECTED_HEADERS
    assert result.count == 2 == len(rows) - 1
    requested_on = timezone.localtime(request_for_both.created_at).date()
    by_type = {row[2]: row for row in rows[1:]}
    nhi = by_type["国保"]
    assert nhi[0].date() == requested_on
    assert nhi[1:5] == ["納付書再発行", "国保", "000123456", "N-0001"]
    assert nhi[5:9] == ["砂町 一郎", "136-0073", "東京都江東区北砂一丁目2番3号", "コーポ砂町101"]
    # Only unpaid periods, oldest first; their unpaid amounts summed.
    assert nhi[9] == "令和6年度 第3期、令和7年度 第1期"
    assert nhi[10] == 10_000 + 9_000
    assert nhi[11] == supervisor.username
    # A note that looks like a formula is neutralised.
    assert nhi[12] == "'=SUM(A1) 来週までに送付希望"
    ltc = by_type["介護"]
    assert ltc[4] == "L-0001"
    assert ltc[9:11] == ["令和7年度 第2期", 5_000]


def test_columns_the_policy_does_not_allow_stay_empty(settings, staff, request_for_both, tmp_path):
    real = yaml.safe_load(Path(field_policy.__file__).with_name("field_policy.yaml").read_text())
    # A municipality that lets the center hold only phone and contacts for ltc calls.
    real["revenue_types"]["ltc"]["calls"] = ["phone", "contacts"]
    own = tmp_path / "policy.yaml"
    own.write_text(yaml.safe_dump(real, allow_unicode=True), encoding="utf-8")
    settings.FIELD_POLICY_FILE = str(own)
    out = tmp_path / "slips.xlsx"
    export_staff_requests(acting_user=staff, reason="納付書再発行のため", out=out)
    by_type = {row[2]: row for row in read(out)[1:]}
    ltc, nhi = by_type["介護"], by_type["国保"]
    assert ltc[3:5] == ["000123456", "L-0001"]  # always held
    assert ltc[5:11] == [None] * 6  # name, postal code, address, 方書, periods, unpaid
    assert nhi[5] == "砂町 一郎"
    assert nhi[10] == 19_000


def test_the_export_is_registered_with_hash_count_and_fields(staff, request_for_both, tmp_path):
    out = tmp_path / "slips.xlsx"
    result = export_staff_requests(acting_user=staff, reason="  納付書再発行のため  ", out=out)
    record = ExportRecord.objects.get()
    assert record == result.record
    assert record.sha256 == sha256(out.read_bytes()) == result.sha256
    assert record.count == 2
    assert record.reason == "納付書再発行のため"
    assert record.file_format == "xlsx"
    assert record.file_name == "slips.xlsx"
    assert record.exported_by == staff
    entry = AccessLogEntry.objects.get(action="export", object_id=str(record.pk))
    assert set(entry.fields) == {
        "revenue_type",
        "resident_no",
        "case_no",
        "name",
        "postal_code",
        "address",
        "address_extra",
        "fiscal_year",
        "period",
        "unpaid",
    }


def test_a_reason_is_required_and_nothing_is_written(staff, request_for_both, tmp_path):
    out = tmp_path / "slips.xlsx"
    with pytest.raises(ExportError, match="持出しの理由を入力してください"):
        export_staff_requests(acting_user=staff, reason="  ", out=out)
    assert not ExportRecord.objects.exists()
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_never_overwritten(staff, request_for_both, tmp_path):
    out = tmp_path / "slips.xlsx"
    out.write_bytes(b"earlier")
    with pytest.raises(ExportError, match="上書きはしません"):
        export_staff_requests(acting_user=staff, reason="再発行", out=out)
    assert out.read_bytes() == b"earlier"


def test_done_requests_and_other_kinds_are_left_out_by_filter(
    staff, supervisor, people, request_for_both, tmp_path
):
    form = create_staff_request(
        acting_user=supervisor,
        obligor=people["person"],
        kind=StaffRequestKind.ACCOUNT_TRANSFER_FORM,
        accounts=[people["nhi"]],
    )
    StaffRequest.objects.filter(pk=request_for_both.pk).update(status=StaffRequestStatus.DONE)
    out = tmp_path / "open.xlsx"
    assert export_staff_requests(acting_user=staff, reason="送付", out=out).count == 1
    assert read(out)[1][1] == "口座振替依頼書送付"
    out = tmp_path / "slips.xlsx"
    result = export_staff_requests(
        acting_user=staff,
        reason="再発行",
        kind=StaffRequestKind.SLIP_REISSUE,
        status=None,
        out=out,
    )
    assert result.count == 2
    assert form.pk != request_for_both.pk


def test_an_empty_export_still_gives_a_file_and_a_register_entry(staff, tmp_path):
    out = tmp_path / "none.xlsx"
    result = export_staff_requests(acting_user=staff, reason="確認", out=out)
    assert result.count == 0
    assert read(out) == [EXPECTED_HEADERS]
    assert ExportRecord.objects.get().count == 0


def test_operators_and_inspectors_may_not_export(operator, inspector, tmp_path):
    for user in (operator, inspector):
        with pytest.raises(PermissionDenied):
            export_staff_requests(acting_user=user, reason="x", out=tmp_path / "x.xlsx")
    assert not ExportRecord.objects.exists()


def test_the_page_makes_the_file_and_its_one_time_link_streams_what_was_registered(
    client, staff, request_for_both, settings, tmp_path
):
    # Staff's own export needs no approval: the page shows the link at once.
    settings.VAR_DIR = tmp_path
    sign_in(client, staff)
    response = client.post(
        reverse("dunning:staff_requests_export"),
        {"reason": "納付書再発行のため", "kind": "", "status": "open"},
    )
    assert response.status_code == 200
    link = re.search(r'data-testid="download-link" href="([^"]+)"', response.content.decode())
    download = client.get(link.group(1))
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in download["Content-Disposition"]
    data = b"".join(download.streaming_content)
    rows = read(data)
    assert rows[0] == EXPECTED_HEADERS
    assert len(rows) == 3
    record = ExportRecord.objects.get()
    assert record.sha256 == sha256(data)
    assert record.count == 2
    assert record.request.reason == "納付書再発行のため"
    assert not any(tmp_path.rglob("*.xlsx"))  # the private copy is gone after the download


def test_the_page_asks_for_a_reason(client, staff, request_for_both):
    sign_in(client, staff)
    response = client.post(reverse("dunning:staff_requests_export"), {"reason": ""})
    assert response.status_code == 200
    assert "持出しの理由を入力してください。" in response.content.decode()
    assert not ExportRecord.objects.exists()


def test_the_export_page_is_refused_to_operators(client, operator):
    sign_in(client, operator)
    url = reverse("dunning:staff_requests_export")
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "x"}).status_code == 403


def test_with_approval_required_a_supervisor_waits_for_staff_then_gets_the_file(
    client, settings, tmp_path, supervisor, staff, request_for_both
):

    settings.VAR_DIR = tmp_path
    settings.EXPORT_APPROVAL_REQUIRED = True
    sign_in(client, supervisor)
    response = client.post(
        reverse("dunning:staff_requests_export"),
        {"reason": "区へ送付のため", "kind": "", "status": "open", "encrypt": "on"},
    )
    item = ExportRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("privacy:export_request", args=[item.pk])
    assert item.status == "pending" and not ExportRecord.objects.exists()
    staff_client = Client()
    sign_in(staff_client, staff)
    staff_client.post(reverse("privacy:export_approve", args=[item.pk]), {"note": ""})
    page = client.post(reverse("privacy:export_make", args=[item.pk])).content.decode()
    password = re.search(r'data-testid="export-password"[^>]*>([^<]+)<', page).group(1)
    link = re.search(r'data-testid="download-link" href="([^"]+)"', page).group(1)
    download = client.get(link)
    assert download["Content-Type"] == "application/zip"
    data = b"".join(download.streaming_content)
    with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
        (inner,) = archive.namelist()
        rows = read(archive.read(inner, pwd=password.encode()))
    assert rows[0] == EXPECTED_HEADERS and len(rows) == 3
    record = ExportRecord.objects.get()
    assert (record.sha256, record.count, record.encrypted) == (sha256(data), 2, True)
    assert record.file_name.endswith(".zip") and inner.endswith(".xlsx")
