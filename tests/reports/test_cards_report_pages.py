"""The card reports' command and pages (issue 18 §10): ``civicdesk report cards-daily |
cards-monthly`` (JSON, Excel, CSV in CP932 or UTF-8), who may open the pages under
/reports/cards/, the downloads (each an export in the access log) and malformed periods. The
rows are the plan of test_cards_reports; expected figures are computed from that plan.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from civicdesk.audit.models import AccessLogEntry
from tests.conftest import _user, sign_in
from tests.reports import test_cards_reports as cards_plan
from tests.reports.test_cards_reports import PERSONAL, VENUES, WED, expected, june, sheet_rows

# The plan's rows and the venues (fixtures of test_cards_reports).
plan, venues = cards_plan.plan, cards_plan.venues


# --- The command ---------------------------------------------------------------------------------


def test_command_prints_the_daily_report_as_json(municipality, plan, capsysbinary):
    call_command("report", "cards-daily", "--date", "2026-06-10", "--format", "json")
    data = json.loads(capsysbinary.readouterr().out)
    assert data["period"] == {
        "kind": "cards-daily",
        "start": "2026-06-10",
        "end": "2026-06-10",
        "label": "令和8年6月10日（水）",
    }
    assert data["total"]["bookings"] == sum(expected(code, {WED})["bookings"] for code in VENUES)
    assert data["by_venue"][0]["short_name"] == "本庁舎"


def test_command_writes_monthly_excel_and_utf8_csv(municipality, plan, tmp_path, capsysbinary):
    out = tmp_path / "カード月次.xlsx"
    call_command(
        "report", "cards-monthly", "--month", "2026-06", "--format", "xlsx", "--out", str(out)
    )
    assert sheet_rows(load_workbook(out)["日別"])["合計"][1].value == sum(
        expected(code, june())["bookings"] for code in VENUES
    )
    call_command(
        "report", "cards-monthly", "--month", "2026-06", "--format", "csv", "--encoding", "utf-8"
    )
    text = capsysbinary.readouterr().out.decode("utf-8-sig")
    assert text.startswith("表,行,列,値\r\n")
    assert "日別の件数（全会場）,6月10日（水）,予約,6\r\n" in text
    with pytest.raises(CommandError, match="既にあります"):
        call_command(
            "report", "cards-monthly", "--month", "2026-06", "--format", "xlsx", "--out", str(out)
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["cards-daily", "--date", "2026-06-31"], "--date は"),
        (["cards-monthly", "--month", "2026-13"], "--month は"),
        (["cards-daily", "--date", "2026-06-10", "--format", "pdf"], "--out"),
    ],
)
def test_command_refuses_bad_periods_and_binary_without_out(municipality, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("report", *args)


# --- The pages -----------------------------------------------------------------------------------

URLS = (
    "/reports/cards/",
    "/reports/cards/daily/2026-06-10/",
    "/reports/cards/monthly/2026-06/",
    "/reports/cards/monthly/2026-06/csv/",
)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("operator", 403),
        ("card_operator", 403),
        ("venue_clerk", 403),
        ("counter_clerk", 403),
        ("supervisor", 200),
        ("staff", 200),
        ("inspector", 200),
        ("admin", 403),
    ],
)
def test_who_may_read_the_card_reports(client, municipality, venues, role, status):
    sign_in(client, _user(role, municipality, username=f"{role}_reader"))
    for url in URLS:
        assert client.get(url).status_code == status, url


def test_anonymous_visitors_are_sent_to_sign_in(client, municipality):
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_daily_page_shows_the_figures_and_the_downloads(client, municipality, plan, staff):
    sign_in(client, staff)
    text = client.get("/reports/cards/daily/2026-06-10/").content.decode()
    assert "マイナンバーカード交付 日次報告書" in text and "令和8年6月10日（水）" in text
    assert 'data-testid="cards-予約"' in text and "豊洲シビックセンター" in text
    assert "50.0%" in text
    assert 'href="/reports/cards/daily/2026-06-09/"' in text  # 前へ
    assert 'href="/reports/cards/daily/2026-06-10/xlsx/"' in text
    assert 'href="/reports/cards/daily/2026-06-10/csv/?encoding=utf-8"' in text
    for personal in PERSONAL:
        assert personal not in text


def test_a_download_is_an_export_in_the_access_log(client, municipality, plan, supervisor):
    sign_in(client, supervisor)
    before = AccessLogEntry.objects.count()
    response = client.get("/reports/cards/monthly/2026-06/xlsx/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert sheet_rows(book["予約"])["合計"][5].value == sum(
        expected(code, june())["bookings"] for code in VENUES
    )
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert AccessLogEntry.objects.count() == before + 1
    assert (entry.action, entry.actor, entry.fields) == ("export", supervisor, [])
    assert "マイナンバーカード交付報告書の出力" in entry.reason


def test_the_csv_downloads_in_cp932_or_utf8(client, municipality, plan, inspector):
    sign_in(client, inspector)
    response = client.get("/reports/cards/daily/2026-06-10/csv/")
    assert response["Content-Type"] == "text/csv; charset=Shift_JIS"
    assert "本庁舎" in response.content.decode("cp932")
    response = client.get("/reports/cards/daily/2026-06-10/csv/?encoding=utf-8")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert "本庁舎" in response.content.decode("utf-8-sig")


@pytest.mark.parametrize(
    "url",
    [
        "/reports/cards/daily/2026-02-30/",
        "/reports/cards/monthly/2026-13/",
        "/reports/cards/annual/2026/",
        "/reports/cards/daily/2026-06-10/docx/",
        "/reports/cards/daily/2026-06-10/csv/?encoding=latin-1",
        "/reports/cards/daily/2026-06-10/xlsx/?encoding=utf-8",
    ],
)
def test_a_malformed_period_format_or_encoding_is_a_page_that_does_not_exist(client, staff, url):
    sign_in(client, staff)
    assert client.get(url).status_code == 404


def test_the_index_opens_the_chosen_period(client, staff):
    sign_in(client, staff)
    response = client.get("/reports/cards/?kind=monthly&month=2026-05")
    assert (response.status_code, response["Location"]) == (302, "/reports/cards/monthly/2026-05/")
    response = client.get("/reports/cards/?kind=daily&date=2026-02-30")
    assert response.status_code == 200
    assert "「2026-02-30」は開ける期間ではありません" in response.content.decode()
