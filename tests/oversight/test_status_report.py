"""The semi-annual privacy status report (issue 8 §5, seed 000 §15(2), 別紙1 第11条).

Each test builds rows inside fiscal 2025's first half (2025-04-01 – 2025-09-30, Tokyo) and just
outside it, and states the expected figures from the rows it made, not from the code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader

from civicdesk.accounts.models import Roster, RosterChange, RosterStatus, User
from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.audit.services import record_access
from civicdesk.core.calendar import TOKYO
from civicdesk.dunning.models import Contact, Promise, WorkItem
from civicdesk.oversight.models import AccessAlert, AlertKind, AlertStatus, PrivacyStatusReport
from civicdesk.oversight.services import status_report
from civicdesk.oversight.services.status_report import HalfYear
from civicdesk.privacy.models import ExportRecord, HandOverRecord, Incident
from civicdesk.privacy.personal_data import declarations
from civicdesk.receivables.models import Account, ImportRun, Installment, Payment
from civicdesk.registry.models import Household, HouseholdMember, Obligor, Phone
from civicdesk.reports.models import Report
from civicdesk.sms.models import OptOut
from tests.conftest import sign_in
from tests.dunning.factories import CampaignFactory, ContactFactory, cover, make_promise
from tests.factories import MunicipalityFactory, UserFactory
from tests.personal_app.models import LibraryCard
from tests.personal_app.personal_data import card_file
from tests.registry.factories import (
    AccountFactory,
    HouseholdFactory,
    HouseholdMemberFactory,
    InstallmentFactory,
    ObligorFactory,
    PhoneFactory,
)
from tests.sms.factories import OptOutFactory

pytestmark = pytest.mark.django_db

H1 = HalfYear(2025, 1)
FIRST = dt.datetime(2025, 4, 1, 0, 0, tzinfo=TOKYO)  # the period's first moment
LAST = dt.datetime(2025, 9, 30, 23, 59, 59, tzinfo=TOKYO)  # its last second
BEFORE = FIRST - dt.timedelta(seconds=1)  # 2025-03-31 23:59:59, outside
AFTER = LAST + dt.timedelta(seconds=1)  # 2025-10-01 00:00:00, outside
SHA = "0" * 64


def tokyo(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TOKYO)


def make_user(username, role, municipality, joined, *, active=True):
    user = UserFactory(username=username, role=role, municipality=municipality, is_active=active)
    User.objects.filter(pk=user.pk).update(date_joined=joined)
    return user


def log_at(moment, **kwargs):
    with time_machine.travel(moment, tick=False):
        return record_access(**kwargs)


@pytest.fixture
def other_municipality(municipality):
    return MunicipalityFactory(code="131016", name="千代田区（別）")


def by_key(rows, key):
    return {row[key]: row for row in rows}


# --- Half-years ---------------------------------------------------------------------------------


def test_half_years_follow_the_fiscal_year():
    assert (H1.start, H1.end) == (dt.date(2025, 4, 1), dt.date(2025, 9, 30))
    second = HalfYear(2025, 2)
    assert (second.start, second.end) == (dt.date(2025, 10, 1), dt.date(2026, 3, 31))
    assert [m.month for m in second.months()] == [10, 11, 12, 1, 2, 3]
    assert second.months()[3] == dt.date(2026, 1, 1)
    assert HalfYear.containing(dt.date(2026, 3, 31)) == second
    assert HalfYear.containing(dt.date(2025, 4, 1)) == H1
    assert HalfYear.parse("2025-2") == second and second.previous() == H1
    assert H1.previous() == HalfYear(2024, 2)
    assert H1.label == "令和7年度上半期（4月〜9月）"
    assert H1.bounds() == (FIRST, AFTER)
    assert status_report.last_ended(dt.date(2025, 10, 1)) == H1
    for wrong in ("2025-3", "2025", "", "R7-1"):
        with pytest.raises(ValueError):
            HalfYear.parse(wrong)


# --- Users --------------------------------------------------------------------------------------


def test_accounts_per_role_active_at_the_end_joined_and_deactivated_in_the_period(
    municipality, other_municipality, admin_user
):
    make_user("op_old", "operator", municipality, tokyo(2025, 1, 10))
    make_user("op_new", "operator", municipality, tokyo(2025, 5, 1))
    make_user("op_first", "operator", municipality, FIRST)
    make_user("op_after", "operator", municipality, AFTER)  # joined after the end
    make_user("op_elsewhere", "operator", other_municipality, tokyo(2025, 5, 1))
    gone = make_user("vis_gone", "visitor", municipality, tokyo(2025, 1, 1), active=False)
    later = make_user("vis_later", "visitor", municipality, tokyo(2025, 1, 1), active=False)
    back = make_user("sup_back", "supervisor", municipality, tokyo(2025, 1, 1))
    # Deactivations and re-activations as the admin logs them (fields name is_active).
    for user, moments in (
        (gone, [tokyo(2025, 7, 1, 9)]),
        (later, [AFTER + dt.timedelta(days=4)]),
        (back, [tokyo(2025, 5, 1, 9), tokyo(2025, 6, 1, 9)]),
    ):
        for moment in moments:
            log_at(moment, acting_user=admin_user, action=AccessAction.CHANGE, obj=user,
                   fields=["is_active"])  # fmt: skip
    # A change of another field is not a deactivation.
    log_at(tokyo(2025, 8, 1), acting_user=admin_user, action=AccessAction.CHANGE,
           obj=back, fields=["display_name"])  # fmt: skip

    start, end = H1.bounds()
    rows = by_key(status_report.user_figures(municipality, start, end)["by_role"], "role")

    # The conftest admin joined today (2026): after the period, like op_after.
    assert (rows["operator"]["active"], rows["operator"]["joined"]) == (3, 2)
    assert rows["operator"]["deactivated"] == 0
    assert (rows["visitor"]["active"], rows["visitor"]["deactivated"]) == (1, 1)
    assert (rows["supervisor"]["active"], rows["supervisor"]["deactivated"]) == (1, 1)
    assert rows["admin"] == {"role": "admin", "label": "システム管理者", "active": 0,
                             "joined": 0, "deactivated": 0}  # fmt: skip


# --- Rosters ------------------------------------------------------------------------------------


def _roster(municipality, month, submitted_at=None):
    return Roster.objects.create(
        municipality=municipality,
        month=month,
        status=RosterStatus.SUBMITTED if submitted_at else RosterStatus.DRAFT,
        submitted_at=submitted_at,
    )


def test_rosters_submitted_late_and_missing_and_changes_per_kind(municipality, supervisor):
    april = _roster(municipality, dt.date(2025, 4, 1), tokyo(2025, 4, 3))  # April: no due day
    _roster(municipality, dt.date(2025, 5, 1), tokyo(2025, 4, 20, 23, 59))  # on the due day
    _roster(municipality, dt.date(2025, 6, 1), tokyo(2025, 5, 21, 0, 0))  # a minute late
    _roster(municipality, dt.date(2025, 7, 1))  # a draft is not a submitted roster
    september = _roster(municipality, dt.date(2025, 9, 1), tokyo(2025, 8, 1))
    march = _roster(municipality, dt.date(2025, 3, 1), tokyo(2025, 2, 25))  # before: late
    _roster(municipality, dt.date(2025, 10, 1), tokyo(2025, 9, 25))  # after: late

    def change(roster, kind, day, reported=False):
        return RosterChange.objects.create(
            roster=roster, user=supervisor, kind=kind, effective_from=day, reason="欠員",
            recorded_by=supervisor, recorded_at=tokyo(2025, 1, 1),
            reported_at=tokyo(2025, 10, 2) if reported else None,
        )  # fmt: skip

    change(april, "added", dt.date(2025, 4, 1))
    change(september, "removed", dt.date(2025, 9, 30), reported=True)
    change(september, "added", dt.date(2025, 9, 15), reported=True)
    change(march, "added", dt.date(2025, 3, 31))  # outside
    change(september, "removed", dt.date(2025, 10, 1))  # outside

    found = status_report.roster_figures(municipality, H1)

    assert (found["submitted"], found["late"], found["missing"]) == (4, 1, 2)
    months = by_key(found["months"], "month")
    assert months["2025-06-01"]["late"] and not months["2025-05-01"]["late"]
    assert months["2025-04-01"]["due"] == "" and months["2025-05-01"]["due"] == "2025-04-20"
    assert not months["2025-07-01"]["submitted"] and not months["2025-08-01"]["submitted"]
    assert {row["kind"]: row["count"] for row in found["changes"]} == {"added": 2, "removed": 1}
    assert (found["changes_total"], found["changes_unreported"]) == (3, 1)


# --- Exports and hand-overs ---------------------------------------------------------------------


def _export(at, by, content="折衝記録", count=10, **extra):
    return ExportRecord.objects.create(
        content=content, file_name="x.csv", file_format="csv", reason="報告", count=count,
        sha256=SHA, at=at, exported_by=by, **extra,
    )  # fmt: skip


def test_exports_count_rows_per_content_encryption_and_returns(
    municipality, other_municipality, supervisor, staff
):
    elsewhere = make_user("stranger", "staff", other_municipality, tokyo(2025, 1, 1))
    _export(FIRST, supervisor, count=100, encrypted=True)
    _export(LAST, staff, content="催告書", count=7, return_due_on=dt.date(2025, 10, 31))
    _export(tokyo(2025, 6, 1), staff, count=5, return_due_on=dt.date(2025, 6, 30),
            returned_at=tokyo(2025, 6, 20))  # fmt: skip
    _export(tokyo(2025, 6, 2), None, content="催告書", count=3, exported_by_system="コマンド")
    _export(BEFORE, supervisor, count=1000)  # outside
    _export(AFTER, supervisor, count=1000)  # outside
    _export(tokyo(2025, 6, 3), elsewhere, count=1000)  # another municipality

    start, end = H1.bounds()
    found = status_report.export_figures(municipality, start, end)

    assert (found["count"], found["rows"]) == (4, 100 + 7 + 5 + 3)
    assert (found["encrypted"], found["returned"], found["outstanding"]) == (1, 1, 1)
    assert found["by_content"] == [
        {"content": "催告書", "count": 2, "rows": 10},
        {"content": "折衝記録", "count": 2, "rows": 105},
    ]


def test_hand_overs_per_direction_and_confirmed(municipality, staff, supervisor):
    def hand_over(at, direction, count, confirmed=False, handler=staff):
        return HandOverRecord.objects.create(
            direction=direction, content="滞納データ", count=count, at=at, handler=handler,
            receiver_confirmed_at=at if confirmed else None,
        )  # fmt: skip

    hand_over(FIRST, "received", 5000, confirmed=True)
    hand_over(tokyo(2025, 7, 1), "received", 200)
    hand_over(LAST, "delivered", 30, confirmed=True, handler=supervisor)
    hand_over(BEFORE, "received", 9)
    hand_over(AFTER, "delivered", 9)

    start, end = H1.bounds()
    found = status_report.hand_over_figures(municipality, start, end)

    assert by_key(found["by_direction"], "direction")["received"]["rows"] == 5200
    assert by_key(found["by_direction"], "direction")["received"]["count"] == 2
    assert by_key(found["by_direction"], "direction")["delivered"]["rows"] == 30
    assert (found["count"], found["confirmed"]) == (3, 2)


# --- Access log and alerts ----------------------------------------------------------------------


def test_access_log_entries_per_action_with_sign_in_failures_and_lock_outs(
    municipality, other_municipality, operator, supervisor
):
    elsewhere = make_user("stranger", "operator", other_municipality, tokyo(2025, 1, 1))
    plan = [
        (FIRST, operator, AccessAction.VIEW),
        (tokyo(2025, 5, 1, 10), operator, AccessAction.VIEW),
        (tokyo(2025, 5, 1, 11), supervisor, AccessAction.EXPORT),
        (tokyo(2025, 5, 2), None, AccessAction.LOGIN_FAILED),
        (tokyo(2025, 5, 2), None, AccessAction.LOGIN_FAILED),
        (LAST, None, AccessAction.LOCKOUT),
        (LAST, operator, AccessAction.LOGIN),
        (BEFORE, operator, AccessAction.VIEW),  # outside
        (AFTER, operator, AccessAction.LOGIN_FAILED),  # outside
        (tokyo(2025, 6, 1), elsewhere, AccessAction.VIEW),  # another municipality
    ]
    for moment, user, action in plan:
        log_at(moment, acting_user=user, action=action, username="" if user else "someone")

    start, end = H1.bounds()
    found = status_report.access_log_figures(municipality, start, end)

    per_action = {row["action"]: row["count"] for row in found["by_action"] if row["count"]}
    assert per_action == {"view": 2, "export": 1, "login_failed": 2, "lockout": 1, "login": 1}
    assert (found["total"], found["login_failed"], found["lockouts"]) == (7, 2, 1)
    assert found["users"] == 2  # operator and supervisor


def test_alerts_per_kind_and_how_many_were_reviewed(municipality, operator, visitor, inspector):
    def alert(day, kind, user, reviewed=False):
        return AccessAlert.objects.create(
            day=day, kind=kind, user=user, count=1, detail="通番 1",
            status=AlertStatus.REVIEWED if reviewed else AlertStatus.OPEN,
            reviewed_by=inspector if reviewed else None,
        )  # fmt: skip

    alert(H1.start, AlertKind.OUTSIDE_HOURS, operator, reviewed=True)
    alert(H1.start, AlertKind.OUTSIDE_HOURS, visitor)
    alert(H1.end, AlertKind.CASES_PER_HOUR, operator, reviewed=True)
    alert(dt.date(2025, 3, 31), AlertKind.CASES_PER_HOUR, operator)  # outside
    alert(dt.date(2025, 10, 1), AlertKind.OUTSIDE_HOURS, operator)  # outside

    found = status_report.alert_figures(municipality, H1)

    kinds = by_key(found["by_kind"], "kind")
    assert (kinds["outside_hours"]["count"], kinds["outside_hours"]["reviewed"]) == (2, 1)
    assert (kinds["cases_per_hour"]["count"], kinds["cases_per_hour"]["reviewed"]) == (1, 1)
    assert kinds["search_without_contact"]["count"] == 0
    assert (found["count"], found["reviewed"]) == (3, 2)


# --- Incidents ----------------------------------------------------------------------------------


def _incident(municipality, user, occurred_at, count, status="recorded"):
    return Incident.objects.create(
        municipality=municipality, occurred_at=occurred_at, discovered_at=occurred_at,
        place="架電室", content="架電リストの紛失", affected_count=count,
        circumstances="退勤時に所在不明", status=status, recorded_at=occurred_at,
        recorded_by=user, updated_at=occurred_at,
    )  # fmt: skip


def test_incidents_that_occurred_in_the_period(municipality, other_municipality, supervisor):
    first = _incident(municipality, supervisor, FIRST, 12, status="reported")
    last = _incident(municipality, supervisor, LAST, 3)
    _incident(municipality, supervisor, BEFORE, 100)
    _incident(municipality, supervisor, AFTER, 100)
    _incident(other_municipality, supervisor, tokyo(2025, 6, 1), 100)

    start, end = H1.bounds()
    found = status_report.incident_figures(municipality, start, end)

    assert (found["count"], found["affected"], found["reported"]) == (2, 15, 1)
    assert [item["pk"] for item in found["items"]] == [first.pk, last.pk]


# --- The report and its PDF ---------------------------------------------------------------------


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def busy_half_year(municipality, supervisor, staff):
    _export(tokyo(2025, 6, 1), staff, content="折衝記録", count=4321)
    _incident(municipality, supervisor, tokyo(2025, 6, 10, 14, 30), 12)
    for _ in range(3):
        log_at(tokyo(2025, 5, 2), acting_user=None, action=AccessAction.LOGIN_FAILED, username="x")


def test_a_supervisor_makes_the_report_and_its_pdf_shows_the_figures(busy_half_year, supervisor):
    report = status_report.make_report(acting_user=supervisor, half_year=H1)

    assert (report.period_start, report.period_end, report.version) == (H1.start, H1.end, 1)
    assert report.figures["exports"]["rows"] == 4321
    pdf = status_report.print_report(acting_user=supervisor, report=report)
    assert hashlib.sha256(pdf).hexdigest() == report.sha256  # the re-print is the same file
    text = _pdf_text(pdf)
    assert "個人情報の取扱状況報告（令和7年度上半期（4月〜9月））" in text
    assert "江東区（デモ） 様" in text
    assert "令和7年4月1日〜令和7年9月30日" in text
    assert "4,321" in text and "ログイン失敗 3件" in text
    assert "期間中に発生した事故 1件（対象 12件）" in text and "令和7年6月10日" in text
    actions = list(
        AccessLogEntry.objects.filter(object_type="privacy.privacystatusreport").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["create", "print"]


def test_a_re_print_shows_the_snapshot_and_making_again_gives_a_new_version(
    busy_half_year, supervisor, staff
):
    report = status_report.make_report(acting_user=supervisor, half_year=H1)
    _export(tokyo(2025, 7, 1), staff, content="折衝記録", count=1000)  # arrives later

    again = _pdf_text(status_report.print_report(acting_user=staff, report=report))
    assert "4,321" in again and "5,321" not in again
    second = status_report.make_report(acting_user=supervisor, half_year=H1)
    assert second.version == 2 and second.figures["exports"]["rows"] == 5321
    assert PrivacyStatusReport.objects.count() == 2


def test_only_an_ended_half_year_can_be_reported(supervisor):
    with (
        time_machine.travel(tokyo(2025, 9, 30, 12), tick=False),
        pytest.raises(ValidationError) as refused,
    ):
        status_report.make_report(acting_user=supervisor, half_year=H1)
    assert "終了した半期" in refused.value.message_dict["period"][0]
    with time_machine.travel(tokyo(2025, 10, 1, 9), tick=False):
        assert status_report.make_report(acting_user=supervisor, half_year=H1).version == 1


@pytest.mark.parametrize("role", ["operator", "visitor", "staff", "inspector", "admin"])
def test_only_supervisors_make_the_report(users_by_role, role):
    with pytest.raises(PermissionDenied):
        status_report.make_report(acting_user=users_by_role[role], half_year=H1)
    assert not PrivacyStatusReport.objects.exists()


# --- Pages --------------------------------------------------------------------------------------


READERS = {"supervisor": 200, "staff": 200, "inspector": 200}


@pytest.mark.parametrize(
    "role", ["operator", "visitor", "supervisor", "staff", "inspector", "admin"]
)
def test_who_opens_the_report_page_and_its_pdf(client, users_by_role, supervisor, role):
    report = status_report.make_report(acting_user=supervisor, half_year=H1)
    sign_in(client, users_by_role[role])
    expected = READERS.get(role, 403)
    page = client.get("/privacy/status-reports/?period=2025-1")
    assert page.status_code == expected
    pdf = client.get(f"/privacy/status-reports/{report.pk}/pdf/")
    assert pdf.status_code == expected
    if expected == 200:
        assert pdf["Content-Type"] == "application/pdf"
        assert "第1版" in page.content.decode()
    made = client.post("/privacy/status-reports/2025-1/make/")
    assert made.status_code == (302 if role == "supervisor" else 403)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/privacy/status-reports/")
    assert response.status_code == 302 and "login" in response.url


def test_the_page_shows_the_chosen_half_year_s_figures(client, busy_half_year, inspector):
    sign_in(client, inspector)
    page = client.get("/privacy/status-reports/?period=2025-1")
    assert page.context["half_year"] == H1
    assert page.context["figures"]["exports"]["rows"] == 4321
    body = page.content.decode()
    assert "4,321" in body and "報告を作成する" not in body  # inspectors read only
    other = client.get("/privacy/status-reports/?period=2024-2")
    assert other.context["figures"]["exports"]["rows"] == 0


def test_a_supervisor_makes_the_report_from_the_page(client, busy_half_year, supervisor):
    sign_in(client, supervisor)
    assert "報告を作成する" in client.get("/privacy/status-reports/?period=2025-1").content.decode()
    response = client.post("/privacy/status-reports/2025-1/make/")
    assert response.status_code == 302 and response.url.endswith("?period=2025-1")
    report = PrivacyStatusReport.objects.get()
    assert report.generated_by == supervisor and report.figures["incidents"]["count"] == 1
    assert client.post("/privacy/status-reports/2025-9/make/").status_code == 404


# --- What the apps hold -------------------------------------------------------------------------

HOLDINGS = "保有している個人情報（作成時点の件数）"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def _write(path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _cards(municipality, media, count: int, *, with_files: int = 0) -> list[LibraryCard]:
    cards = [
        LibraryCard.objects.create(
            municipality=municipality, holder_no=f"L{municipality.pk}-{n}", holder_name="図書 太郎"
        )
        for n in range(count)
    ]
    for card in cards[:with_files]:
        _write(card_file(card.pk), card.holder_no)
    return cards


def _people(municipality, count: int) -> None:
    """People with a phone, an account, an installment paid once, a work item and a contact
    with a promise; one household with one member besides them; an opt-out."""
    campaign = CampaignFactory(municipality=municipality)
    household = HouseholdFactory(municipality=municipality)
    HouseholdMemberFactory(household=household)
    for _ in range(count):
        person = ObligorFactory(municipality=municipality, household=household)
        PhoneFactory(obligor=person)
        account = AccountFactory(obligor=person)
        installment = InstallmentFactory(account=account, paid=1_000)
        Payment.objects.create(installment=installment, amount=1_000, paid_on=dt.date(2025, 5, 1))
        item = WorkItem.objects.create(campaign=campaign, obligor=person, revenue_types=["nhi"])
        contact = cover(ContactFactory(obligor=person, work_item=item, campaign=campaign), account)
        make_promise(contact, account, promised_on=dt.date(2025, 6, 1))
    OptOutFactory(municipality=municipality)


def _import(municipality, media, name: str) -> ImportRun:
    _write(media / "imports" / name, "100000001,佐藤 一郎")
    return ImportRun.objects.create(
        municipality=municipality, kind="receivables", file_name=name, sha256=SHA,
        status="done", upload=f"imports/{name}",
    )  # fmt: skip


@pytest.fixture
def held(municipality, other_municipality, media):
    """Rows of every floor and the test-only app in both municipalities (the other's must not
    be counted); returns the files written for the report's municipality."""
    _people(municipality, 3)
    _people(other_municipality, 2)
    for where in (municipality, other_municipality):
        Report.objects.create(municipality=where, kind="daily", period=dt.date(2025, 5, 30))
    Report.objects.create(
        municipality=municipality, kind="daily", period=dt.date(2025, 5, 29), status="final"
    )
    _import(municipality, media, "koto.csv")
    mine = [media / "imports" / "koto.csv"]
    _import(other_municipality, media, "other.csv")
    cards = _cards(municipality, media, 7, with_files=2)
    mine += [card_file(card.pk) for card in cards[:2]]
    _cards(other_municipality, media, 4, with_files=4)
    return mine


def counted_by_hand(municipality, files) -> dict[str, int]:
    """Each declared item counted straight from its table for the municipality."""
    mine = {"municipality": municipality}
    of_people = {"obligor__municipality": municipality}
    return {
        "obligors": Obligor.objects.filter(**mine).count(),
        "phones": Phone.objects.filter(**of_people).count(),
        "households": Household.objects.filter(**mine).count(),
        "household_members": HouseholdMember.objects.filter(
            household__municipality=municipality
        ).count(),
        "accounts": Account.objects.filter(**of_people).count(),
        "installments": Installment.objects.filter(
            account__obligor__municipality=municipality
        ).count(),
        "payments": Payment.objects.filter(
            installment__account__obligor__municipality=municipality
        ).count(),
        "import_runs": ImportRun.objects.filter(**mine).count(),
        "work_items": WorkItem.objects.filter(**of_people).count(),
        "contacts": Contact.objects.filter(**of_people).count(),
        "promises": Promise.objects.filter(**of_people).count(),
        "opt_outs": OptOut.objects.filter(**mine).count(),
        "draft_reports": Report.objects.filter(**mine, status="draft").count(),
        "library_cards": LibraryCard.objects.filter(**mine).count(),
        "files": sum(1 for path in files if path.is_file()),
    }


def _holdings(snapshot) -> dict[str, int]:
    return {line["key"]: line["count"] for line in snapshot["holdings"]["lines"]}


def _pdf_count(text: str, label: str) -> str:
    """The count printed on the line of ``label`` in the PDF's text."""
    match = re.search(rf"^{re.escape(label)}\s*([\d,]+)$", text, re.M)
    assert match, f"{label} not printed"
    return match[1]


def test_the_holdings_list_every_item_every_app_declares_counted_for_the_municipality(
    municipality, held
):
    lines = status_report.figures(municipality, H1)["holdings"]["lines"]

    declared = [(item.key, item.label) for d in declarations() for item in d.items]
    assert [(line["key"], line["label"]) for line in lines[:-1]] == declared
    assert lines[-1]["key"] == "files" and "図書館カードの写し" in lines[-1]["label"]
    assert ("library_cards", "図書館カード") in declared  # the test-only app, by its declaration
    found = _holdings({"holdings": {"lines": lines}})
    by_hand = counted_by_hand(municipality, held)
    assert {key: found[key] for key in by_hand} == by_hand
    # What this test made is there, and nothing of the other municipality.
    assert (by_hand["obligors"], by_hand["payments"], by_hand["library_cards"]) == (3, 3, 7)
    assert (by_hand["household_members"], by_hand["files"]) == (1, 3)
    # Items this test made no rows for count nothing.
    assert {key for key, count in found.items() if count} <= set(by_hand)


def test_the_report_prints_the_holdings_of_its_making_and_a_re_print_keeps_them(
    municipality, other_municipality, media, held, supervisor, staff
):
    report = status_report.make_report(acting_user=supervisor, half_year=H1)
    kept = _holdings(report.figures)
    assert kept["library_cards"] == 7 and kept["obligors"] == 3
    text = _pdf_text(status_report.print_report(acting_user=supervisor, report=report))
    assert HOLDINGS in text
    assert _pdf_count(text, "図書館カード") == "7"

    _cards(municipality, media, 5, with_files=1)  # arrive after the report was made
    _people(municipality, 2)

    report.refresh_from_db()
    assert _holdings(report.figures) == kept
    again = _pdf_text(status_report.print_report(acting_user=staff, report=report))
    assert _pdf_count(again, "図書館カード") == "7"
    assert _pdf_count(again, "納付義務者（氏名・住所・生年月日等）") == "3"
    second = status_report.make_report(acting_user=supervisor, half_year=H1)
    assert _holdings(second.figures)["library_cards"] == 12
    assert _holdings(second.figures)["obligors"] == 5


def test_a_snapshot_made_before_the_holdings_prints_without_them(municipality, held, supervisor):
    report = status_report.make_report(acting_user=supervisor, half_year=H1)
    older = {key: value for key, value in report.figures.items() if key != "holdings"}
    PrivacyStatusReport.objects.filter(pk=report.pk).update(figures=older)
    report.refresh_from_db()

    text = _pdf_text(status_report.print_report(acting_user=supervisor, report=report))

    assert HOLDINGS not in text and "図書館カード" not in text
    assert "7. 事故（漏えい等の事案）" in text


def test_the_page_shows_the_holdings_as_they_stand(client, municipality, held, inspector):
    sign_in(client, inspector)
    page = client.get("/privacy/status-reports/?period=2025-1")
    assert _holdings(page.context["figures"])["library_cards"] == 7
    body = page.content.decode()
    assert HOLDINGS in body and "図書館カード" in body
