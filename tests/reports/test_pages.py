"""The report pages: who may open and do what, remarks → 確定 → 訂正 with versions that keep
their figures, downloads that are logged exports, the yearly targets, and a monthly page whose
query count does not grow with the days or the revenue types."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.core.calendar import TOKYO
from civicdesk.core.models import Municipality
from civicdesk.dunning.choices import ContactChannel, ContactOutcome, ContactParty
from civicdesk.dunning.models import Contact
from civicdesk.reports.choices import ReportStatus
from civicdesk.reports.models import Report, Target
from civicdesk.reports.services import reports as services
from civicdesk.reports.services.targets import save_targets
from tests.conftest import sign_in
from tests.dunning.factories import ContactFactory, cover
from tests.registry.factories import AccountFactory, ObligorFactory

pytestmark = pytest.mark.django_db

ROLES = ["operator", "visitor", "supervisor", "staff", "inspector", "admin"]
READERS = {"supervisor", "staff", "inspector"}
DAY = dt.date(2025, 5, 12)
DAY_TEXT = DAY.isoformat()
MONTH = "2025-05"


def contact_at(municipality, day, hour=10, *, party=ContactParty.SELF, types=("nhi",),
               channel=ContactChannel.OUTBOUND_CALL, **fields):  # fmt: skip
    """One contact at hour:00 Tokyo on the day, covering one account per revenue type."""
    obligor = ObligorFactory(municipality=municipality)
    outcome = ContactOutcome.WILL_PAY if party != ContactParty.NONE else ContactOutcome.NO_ANSWER
    contact = ContactFactory(
        obligor=obligor, channel=channel, party=party, outcome=outcome,
        at=dt.datetime.combine(day, dt.time(hour), tzinfo=TOKYO), **fields,
    )  # fmt: skip
    return cover(contact, *(AccountFactory(obligor=obligor, revenue_type=t) for t in types))


def page(kind="daily", period=DAY_TEXT):
    return reverse(f"reports:{kind}", args=[period])


def action(name, kind="daily", period=DAY_TEXT):
    return reverse(f"reports:{name}", args=[kind, period])


def download(kind="daily", period=DAY_TEXT, fmt="json"):
    return reverse("reports:download", args=[kind, period, fmt])


def _get_urls():
    return [
        reverse("reports:index"),
        page("daily"),
        page("night", MONTH),
        page("monthly", MONTH),
        page("annual", "2025"),
        reverse("reports:targets", args=[2025]),
        download("daily"),
        download("monthly", MONTH),
    ]


def _remarks_actions():
    return [
        (action("save"), {"remarks": "所感"}),
        (action("finalise", "monthly", MONTH), {"remarks": "月の所感", "proposals": "提案"}),
        (action("correct"), {"reason": "訂正"}),
    ]


# --- Permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_reports_are_read_by_supervisors_staff_and_inspectors_and_written_by_supervisors(
    client, users_by_role, role
):
    sign_in(client, users_by_role[role])
    for url in _get_urls():
        assert client.get(url).status_code == (200 if role in READERS else 403), url
    for url, data in _remarks_actions():
        status = client.post(url, data).status_code
        assert (status == 403) == (role != "supervisor"), (url, status)
    for url in ["/reports/night/2025-05/save/", "/reports/annual/2025/finalise/"]:
        # Night and annual reports are figures only: nothing to save or finalise.
        assert client.post(url, {"remarks": "x"}).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_change_the_targets(client, users_by_role, municipality, role):
    services.create_demo_targets(municipality=municipality, fiscal_year=2025)
    target = Target.objects.first()
    counts = {f"count_{line.pk}": line.count for line in Target.objects.all()}
    sign_in(client, users_by_role[role])
    url = reverse("reports:targets", args=[2025])
    response = client.post(url, {**counts, f"count_{target.pk}": 123})
    if role == "staff":
        assert response.status_code == 302
    else:
        assert response.status_code == 403
    target.refresh_from_db()
    assert (target.count == 123) == (role == "staff")


def test_anonymous_visitors_are_sent_to_sign_in(client, municipality):
    for url in _get_urls():
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url, url
    for url, data in _remarks_actions():
        response = client.post(url, data)
        assert response.status_code == 302 and "login" in response.url, url
    assert Report.objects.count() == 0


def test_an_operator_of_another_team_is_refused(client, outsider):
    sign_in(client, outsider)
    for url in _get_urls():
        assert client.get(url).status_code == 403, url
    for url, data in _remarks_actions():
        assert client.post(url, data).status_code == 403, url


def test_the_actions_refuse_get(client, supervisor):
    sign_in(client, supervisor)
    for url, _data in _remarks_actions():
        assert client.get(url).status_code == 405, url


@pytest.mark.parametrize(
    "url",
    [
        "/reports/daily/2025-02-30/",
        "/reports/daily/2025-5-12/",
        "/reports/monthly/2025-13/",
        "/reports/night/1999-05/",
        "/reports/annual/25/",
        "/reports/daily/2025-05-12/docx/",
        "/reports/monthly/2025-05-12/json/",
    ],
)
def test_a_period_that_does_not_exist_is_not_found(client, supervisor, url):
    sign_in(client, supervisor)
    assert client.get(url).status_code == 404


def test_a_version_that_does_not_exist_is_not_found_even_if_another_municipality_has_it(
    client, supervisor
):
    other = Municipality.objects.create(code="999999", name="別の市")
    Report.objects.create(municipality=other, kind="daily", period=DAY, remarks="よその所感")
    sign_in(client, supervisor)
    assert client.get(page() + "?version=1").status_code == 404
    assert client.get(page() + "?version=x").status_code == 404
    assert client.get(page("night", MONTH) + "?version=1").status_code == 404
    assert "よその所感" not in client.get(page()).content.decode()


# --- Remarks, finalise, correct ------------------------------------------------------------------


def test_a_finalised_daily_report_shows_the_figures_it_was_finalised_with(
    client, supervisor, municipality
):
    contact_at(municipality, DAY, 10)
    contact_at(municipality, DAY, 11, party=ContactParty.NONE)
    sign_in(client, supervisor)

    saved = client.post(action("save"), {"remarks": "架電は順調でした。"})
    finalised = client.post(action("finalise"), {"remarks": "架電は順調でした。本日分確定。"})
    contact_at(municipality, DAY, 15)  # recorded after the report was finalised

    assert saved.status_code == finalised.status_code == 302
    report = Report.objects.get()
    assert (report.version, report.status) == (1, ReportStatus.FINAL)
    assert report.remarks == "架電は順調でした。本日分確定。"
    response = client.get(page())
    body = response.content.decode()
    assert "第1版（確定・" in body and str(supervisor) in body
    assert response.context["data"]["total"]["attempts"] == 2  # as finalised
    assert "訂正版を作成" in body and 'name="remarks"' not in body
    assert client.get(download()).json()["total"]["attempts"] == 2  # so is the file
    # The live figures differ: three calls were made that day.
    assert Contact.objects.filter(channel=ContactChannel.OUTBOUND_CALL).count() == 3


def test_a_finalised_version_cannot_be_saved_and_says_why_in_japanese(
    client, supervisor, municipality
):
    services.finalise_report(acting_user=supervisor, kind="daily", period=DAY)
    sign_in(client, supervisor)

    response = client.post(action("save"), {"remarks": "後から書き換え"})
    again = client.post(action("finalise"), {})

    assert response.status_code == 200
    assert "第1版は確定済みです" in response.content.decode()
    assert "第1版は確定済みです" in again.content.decode()
    assert Report.objects.get().remarks == ""


def test_a_correction_is_version_2_as_a_draft_with_its_reason_and_both_are_listed(
    client, supervisor, municipality
):
    contact_at(municipality, DAY, 10)
    sign_in(client, supervisor)
    client.post(action("finalise"), {"remarks": "第1版の所感"})
    contact_at(municipality, DAY, 16)

    refused = client.post(action("correct"), {"reason": ""})
    response = client.post(action("correct"), {"reason": "訪問件数の入力漏れ"})

    assert refused.status_code == 200 and "訂正の理由" in refused.content.decode()
    assert response.status_code == 302
    first, second = Report.objects.order_by("version")
    assert (first.status, second.status) == (ReportStatus.FINAL, ReportStatus.DRAFT)
    assert second.correction_reason == "訪問件数の入力漏れ"
    assert second.remarks == "第1版の所感"
    latest = client.get(page())
    body = latest.content.decode()
    assert "第2版（作成中）" in body and "訪問件数の入力漏れ" in body
    assert f'href="{page()}?version=1"' in body and f'href="{page()}?version=2"' in body
    assert latest.context["data"]["total"]["attempts"] == 2  # a draft shows live figures
    assert 'name="remarks"' in body and "第1版の所感" in body
    old = client.get(page() + "?version=1")
    assert old.context["data"]["total"]["attempts"] == 1
    assert 'name="remarks"' not in old.content.decode()
    assert "訂正版を作成" not in old.content.decode()  # only the latest version is corrected


def test_the_monthly_report_has_remarks_and_proposals_and_a_chart(client, supervisor, municipality):
    contact_at(municipality, DAY, 10)
    sign_in(client, supervisor)

    body = client.get(page("monthly", MONTH)).content.decode()
    client.post(
        action("save", "monthly", MONTH), {"remarks": "月の所感", "proposals": "夜間架電を増やす"}
    )

    assert 'name="proposals"' in body and "<svg" in body and "前年同月" in body
    report = Report.objects.get(kind="monthly")
    assert (report.period, report.proposals) == (dt.date(2025, 5, 1), "夜間架電を増やす")
    assert 'name="proposals"' not in client.get(page()).content.decode()  # daily: 所感 only


def test_readers_see_the_remarks_without_forms(client, staff, supervisor, municipality):
    services.save_report_remarks(acting_user=supervisor, kind="daily", period=DAY, remarks="所感X")
    sign_in(client, staff)
    body = client.get(page()).content.decode()
    assert "所感X" in body
    assert 'name="remarks"' not in body and action("finalise") not in body


# --- Downloads -----------------------------------------------------------------------------------


def test_a_json_download_is_the_report_data_with_a_japanese_file_name_and_is_logged(
    client, inspector, municipality
):
    contact_at(municipality, DAY, 10, types=("nhi", "ltc"))
    sign_in(client, inspector)

    response = client.get(download())
    monthly = client.get(download("monthly", MONTH))

    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''" + quote("日次報告書_2025-05-12.json")
    )
    data = json.loads(response.content)
    assert data["by_revenue_type"]["nhi"]["attempts"] == 1
    assert data["by_revenue_type"]["ltc"]["attempts"] == 1
    assert data["total"]["attempts"] == 1
    assert quote("月次報告書_2025-05.json") in monthly["Content-Disposition"]
    rows = AccessLogEntry.objects.filter(action=AccessAction.EXPORT).order_by("seq")
    assert [(row.actor_id, row.reason, row.fields) for row in rows] == [
        (inspector.pk, "業務報告書の出力", ["hot_voice"]),
        (inspector.pk, "業務報告書の出力", []),
    ]


@pytest.mark.parametrize(
    ("fmt", "content_type", "magic"),
    [
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
        ("pdf", "application/pdf", b"%PDF"),
        ("csv", "text/csv; charset=Shift_JIS", None),
    ],
)
def test_files_have_their_content_type_and_are_logged(
    client, staff, municipality, fmt, content_type, magic
):
    contact_at(municipality, DAY, 10)
    sign_in(client, staff)
    body = client.get(page("monthly", MONTH)).content.decode()
    assert download("monthly", MONTH, fmt) in body

    response = client.get(download("monthly", MONTH, fmt))

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    if magic:
        assert response.content.startswith(magic)
    else:
        assert "架電" in response.content.decode("cp932")
    assert quote(f"月次報告書_2025-05.{fmt}") in response["Content-Disposition"]
    logged = AccessLogEntry.objects.get(action=AccessAction.EXPORT)
    assert (logged.reason, logged.fields) == ("業務報告書の出力", [])


def test_opening_a_daily_report_with_hot_voice_is_logged(client, supervisor, municipality):
    contact_at(municipality, DAY, 10, hot_voice=True, note="来月まとめて払うと言われた")
    sign_in(client, supervisor)
    body = client.get(page()).content.decode()
    assert "来月まとめて払うと言われた" in body
    logged = AccessLogEntry.objects.get(action=AccessAction.VIEW)
    assert logged.fields == ["hot_voice"] and logged.actor_id == supervisor.pk


# --- The index and the other pages ---------------------------------------------------------------


def test_the_index_opens_the_chosen_report_and_explains_a_wrong_month(client, inspector):
    sign_in(client, inspector)
    index = client.get(reverse("reports:index"))
    today = dt.datetime.now(TOKYO).date()
    assert f'value="{today.isoformat()}"' in index.content.decode()

    opened = client.get(reverse("reports:index"), {"kind": "monthly", "month": "2025-05"})
    daily = client.get(reverse("reports:index"), {"kind": "daily", "date": "2025-05-12"})
    annual = client.get(reverse("reports:index"), {"kind": "annual", "year": today.year - 1})
    wrong = client.get(reverse("reports:index"), {"kind": "night", "month": "2025-13"})

    assert opened.url == page("monthly", MONTH)
    assert daily.url == page("daily", "2025-05-12")
    assert annual.url == page("annual", str(today.year - 1))
    assert wrong.status_code == 200 and "01〜12 月" in wrong.content.decode()


def test_night_and_annual_pages_show_their_tables(client, inspector, municipality):
    contact_at(municipality, DAY, 19, night=True)
    contact_at(municipality, DAY, 20, night=True, party=ContactParty.NONE)
    sign_in(client, inspector)

    night = client.get(page("night", MONTH))
    annual = client.get(page("annual", "2025"))

    assert night.context["night"]["total"] == ["1", "1", "0", "0"]
    assert "12日（月）" in night.content.decode()
    months = annual.context["months"]["rows"]
    assert [label for label, _values in months][:2] == ["4月", "5月"] and len(months) == 13
    assert "<svg" in annual.content.decode()


# --- Targets -------------------------------------------------------------------------------------


def test_staff_set_the_targets_whole_and_each_change_is_logged(client, staff, municipality):
    services.create_demo_targets(municipality=municipality, fiscal_year=2025)
    lines = list(Target.objects.order_by("order"))
    sign_in(client, staff)
    counts = {f"count_{line.pk}": line.count for line in lines}

    url = reverse("reports:targets", args=[2025])
    first, second = f"count_{lines[0].pk}", f"count_{lines[1].pk}"

    bad = client.post(url, {**counts, first: 31_000, second: -1})
    good = client.post(url, {**counts, first: 31_000})

    assert bad.status_code == 200 and "0 以上" in bad.content.decode()
    assert good.status_code == 302
    assert list(Target.objects.order_by("order").values_list("count", flat=True)) == [
        31_000,
        *(line.count for line in lines[1:]),
    ]
    logged = AccessLogEntry.objects.filter(action=AccessAction.CHANGE, object_type="reports.target")
    assert [(row.object_id, row.fields) for row in logged] == [(str(lines[0].pk), ["count"])]
    assert "30,000 → 31,000" in logged.get().reason


def test_targets_of_another_year_or_municipality_are_refused_as_a_whole(staff, municipality):

    services.create_demo_targets(municipality=municipality, fiscal_year=2024)
    services.create_demo_targets(municipality=municipality, fiscal_year=2025)
    old, new = (
        Target.objects.get(fiscal_year=2024, order=1),
        Target.objects.get(fiscal_year=2025, order=1),
    )
    with pytest.raises(ValidationError) as error:
        save_targets(acting_user=staff, fiscal_year=2025, counts={new.pk: 5, old.pk: 5})
    assert "令和7年度の予定件数ではない行" in str(error.value)
    assert Target.objects.filter(count=5).count() == 0


def test_staff_register_the_contract_targets_and_others_only_read(
    client, staff, inspector, municipality
):
    sign_in(client, staff)
    url = reverse("reports:targets", args=[2025])
    assert "仕様書の予定件数を登録する" in client.get(url).content.decode()
    client.post(url, {"action": "create"})
    assert Target.objects.filter(fiscal_year=2025).count() == 9
    client.logout()
    sign_in(client, inspector)
    body = client.get(url).content.decode()
    assert "30,000" in body and "<input" not in body.split("<main")[-1]


# --- Queries -------------------------------------------------------------------------------------


def _monthly_queries(client, municipality, days: int) -> int:
    for day in range(1, days + 1):
        contact_at(municipality, dt.date(2025, 5, day), types=("nhi", "ltc", "resident_tax"))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(page("monthly", MONTH)).status_code == 200
    return len(captured)


def test_the_monthly_page_does_not_query_per_day_or_revenue_type(
    client, supervisor, municipality, django_assert_max_num_queries
):
    services.create_demo_targets(municipality=municipality, fiscal_year=2025)
    sign_in(client, supervisor)
    few = _monthly_queries(client, municipality, 2)
    many = _monthly_queries(client, municipality, 28)
    assert many == few, f"{few} queries with 2 days of contacts, {many} with 28"
    # Session and user, the report (contacts twice, promises, payments, hand-overs, the two
    # comparison periods, no-effect items, the target lines and one count per line), versions.
    with django_assert_max_num_queries(45):
        client.get(page("monthly", MONTH))


# --- The index: reports still owed ---------------------------------------------------------------


def test_the_index_lists_days_and_the_month_with_contacts_but_no_final_report(
    client, supervisor, municipality
):
    """On 2025-06-03: 1 and 2 June had contacts — the 1st finalised, the 2nd a draft; 25 May is
    within 14 days but finalised; 19 May is more than 14 days back; today is not owed yet; May
    as a month had contacts and is not finalised."""
    for day in (dt.date(2025, 5, 19), dt.date(2025, 5, 25), dt.date(2025, 6, 1)):
        contact_at(municipality, day)
        services.finalise_report(acting_user=supervisor, kind="daily", period=day)
    contact_at(municipality, dt.date(2025, 6, 2))
    services.save_report_remarks(
        acting_user=supervisor, kind="daily", period=dt.date(2025, 6, 2), remarks="書きかけ"
    )
    contact_at(municipality, dt.date(2025, 6, 3))
    sign_in(client, supervisor)

    with time_machine.travel(dt.datetime(2025, 6, 3, 18, tzinfo=TOKYO), tick=False):
        response = client.get(reverse("reports:index"))

    section = response.content.decode().split('data-testid="awaiting"')[1]
    rows = [row.split("</tr>")[0] for row in section.split("<tr>")[2:]]
    assert len(rows) == 2, rows
    assert "令和7年6月2日" in rows[0] and "第1版 作成中" in rows[0]
    assert page("daily", "2025-06-02") in rows[0]
    assert "月次報告書" in rows[1] and "令和7年5月" in rows[1] and "未作成" in rows[1]
    assert "令和7年5月19日" not in section and "令和7年6月3日" not in section


def test_the_index_says_when_nothing_is_owed(client, inspector, municipality):
    sign_in(client, inspector)
    response = client.get(reverse("reports:index"))
    assert "未確定の報告書はありません。" in response.content.decode()
