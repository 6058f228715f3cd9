"""The obligor page (名寄せ): one person, every account the viewer's policy allows, nothing more."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.receivables.selectors.obligors import obligor_view
from tests.conftest import PASSWORD, sign_in
from tests.factories import TeamFactory, UserFactory
from tests.registry.factories import (
    AccountFactory,
    HouseholdFactory,
    HouseholdMemberFactory,
    InstallmentFactory,
    ObligorFactory,
    PhoneFactory,
)

pytestmark = pytest.mark.django_db

FAR_FUTURE = dt.date(2099, 7, 31)  # never overdue, whenever the tests run


@pytest.fixture
def yamada(municipality):
    household = HouseholdFactory(municipality=municipality, household_no="H0000001")
    obligor = ObligorFactory(
        municipality=municipality,
        resident_no="000123456",
        name="山田 太郎",
        name_kana="ヤマダ タロウ",
        birth_date=dt.date(1960, 5, 1),
        household=household,
        relationship="世帯主",
    )
    HouseholdMemberFactory(
        household=household, resident_no="000123456", name="山田 太郎", relationship="世帯主"
    )
    HouseholdMemberFactory(
        household=household,
        resident_no="000123457",
        name="山田 花子",
        name_kana="ヤマダ ハナコ",
        relationship="妻",
    )
    PhoneFactory(obligor=obligor, display="090-1234-5678")

    nhi = AccountFactory(obligor=obligor, revenue_type="nhi", case_no="N-1")
    InstallmentFactory(
        account=nhi,
        fiscal_year=2024,
        period="1",
        due_date=dt.date(2024, 7, 31),
        assessed=30_000,
        paid=10_000,
    )
    InstallmentFactory(
        account=nhi,
        fiscal_year=2024,
        period="2",
        due_date=dt.date(2024, 8, 31),
        assessed=30_000,
        paid=30_000,
    )
    InstallmentFactory(
        account=nhi, fiscal_year=2099, period="1", due_date=FAR_FUTURE, assessed=5_000, paid=0
    )
    tax = AccountFactory(
        obligor=obligor, revenue_type="resident_tax", case_no="R-1", collection_kind="ordinary"
    )
    InstallmentFactory(
        account=tax,
        fiscal_year=2023,
        period="3",
        due_date=dt.date(2023, 10, 31),
        assessed=12_300,
        paid=0,
    )
    InstallmentFactory(
        account=tax,
        fiscal_year=2023,
        period="4",
        due_date=dt.date(2024, 1, 31),
        assessed=12_300,
        paid=12_300,
    )
    elderly = AccountFactory(obligor=obligor, revenue_type="late_elderly", case_no="L-1")
    InstallmentFactory(
        account=elderly,
        fiscal_year=2024,
        period="1",
        due_date=dt.date(2024, 7, 31),
        assessed=8_000,
        paid=0,
    )
    return obligor


@pytest.fixture
def elderly_visitor(municipality):
    team = TeamFactory(municipality=municipality, name="後期訪問", revenue_types=["late_elderly"])
    return UserFactory(
        username="visitor_late_elderly",
        role="visitor",
        municipality=municipality,
        team=team,
        password=PASSWORD,
    )


def page_of(client, user, obligor) -> str:
    sign_in(client, user)
    response = client.get(f"/obligors/{obligor.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_operator_sees_only_the_accounts_of_the_teams_revenue_types(client, operator, yamada):
    page = page_of(client, operator, yamada)
    assert "N-1" in page
    assert "R-1" not in page and "L-1" not in page
    assert "特別区民税" not in page and "後期高齢者" not in page


def test_supervisor_sees_every_account_grouped_by_revenue_type(supervisor, yamada):
    view = obligor_view(supervisor, yamada)
    assert [g.revenue_type for g in view.groups] == ["late_elderly", "nhi", "resident_tax"]
    assert [[a.case_no for a in g.accounts] for g in view.groups] == [["L-1"], ["N-1"], ["R-1"]]


def test_totals_per_account_count_only_what_is_still_owed(supervisor, yamada):
    totals = {
        a.case_no: a.totals for g in obligor_view(supervisor, yamada).groups for a in g.accounts
    }
    # N-1: 20,000 (part-paid, overdue) + 5,000 (due 2099); the fully paid period counts nowhere
    assert (totals["N-1"].unpaid, totals["N-1"].overdue_periods) == (25_000, 1)
    assert totals["N-1"].oldest_due_date == dt.date(2024, 7, 31)
    assert (totals["R-1"].unpaid, totals["R-1"].overdue_periods) == (12_300, 1)
    assert totals["R-1"].oldest_due_date == dt.date(2023, 10, 31)
    assert (totals["L-1"].unpaid, totals["L-1"].overdue_periods) == (8_000, 1)


def test_overall_totals_cover_every_visible_account(supervisor, operator, yamada):
    overall = obligor_view(supervisor, yamada).totals
    assert overall.unpaid == 25_000 + 12_300 + 8_000
    assert overall.oldest_due_date == dt.date(2023, 10, 31)
    assert overall.overdue_periods == 3
    # The NHI operator's totals are the NHI account's alone.
    mine = obligor_view(operator, yamada).totals
    assert (mine.unpaid, mine.overdue_periods) == (25_000, 1)


def test_unpaid_comes_from_the_generated_column(operator, yamada):
    (account,) = obligor_view(operator, yamada).groups[0].accounts
    rows = {(r["fiscal_year"], r["period"]): r for r in account.installments}
    assert rows[(2024, "1")]["unpaid"] == 30_000 - 10_000
    assert rows[(2024, "2")]["unpaid"] == 0
    assert [r["due_date"] for r in account.installments] == sorted(
        r["due_date"] for r in account.installments
    )


def test_page_formats_years_dates_and_amounts_the_japanese_way(client, supervisor, yamada):
    page = page_of(client, supervisor, yamada)
    assert "令和6年度" in page and "令和5年度" in page
    assert "第1期" in page
    assert "令和6年7月31日" in page
    assert "20,000円" in page
    assert "45,300円" in page  # overall unpaid
    assert "令和5年10月31日" in page  # oldest due date overall
    assert "昭和35年5月1日" in page  # birth date


def test_late_elderly_visitor_sees_name_and_address_and_nothing_else(
    client, elderly_visitor, yamada
):
    """Seed 000 別紙1 (3)②: visits for late-elderly premiums hold name, address, notice only."""
    page = page_of(client, elderly_visitor, yamada)
    assert "山田 太郎" in page and "ヤマダ タロウ" in page
    assert "東京都江東区東陽四丁目11番28号" in page
    assert "L-1" in page  # the account key is always held
    for hidden in ("090-1234-5678", "昭和35年5月1日", "円", "未納", "納期限", "世帯員", "妻"):
        assert hidden not in page, hidden
    assert "N-1" not in page and "R-1" not in page


def test_late_elderly_visitor_view_holds_no_hidden_values(elderly_visitor, yamada):
    view = obligor_view(elderly_visitor, yamada)
    assert [f.name for f in view.person] == [
        "name",
        "name_kana",
        "postal_code",
        "address",
        "address_extra",
    ]
    assert view.phones is None
    assert view.household is None
    assert view.totals is None
    (account,) = view.groups[0].accounts
    assert account.installments == [] and account.totals is None and account.details == []


def test_account_details_follow_the_accounts_own_revenue_type(supervisor, yamada):
    """徴収区分 is held for resident tax but not for NHI (seed 000 別紙1 第2条 (1), (2))."""
    details = {
        a.case_no: [d.name for d in a.details]
        for g in obligor_view(supervisor, yamada).groups
        for a in g.accounts
    }
    assert "collection_kind" in details["R-1"]
    assert "collection_kind" not in details["N-1"]
    assert "insured_no" in details["L-1"] and "insured_no" not in details["N-1"]


def test_phones_show_with_kind_source_and_status(client, operator, yamada):
    page = page_of(client, operator, yamada)
    assert "090-1234-5678" in page
    for label in ("携帯", "自治体提供", "未確認"):
        assert label in page


def test_household_members_are_listed_with_the_obligor_marked(operator, yamada):
    household = obligor_view(operator, yamada).household
    assert household.household_no == "H0000001"
    names = [(m.values["household_member_name"], m.is_self) for m in household.members]
    assert names == [("山田 太郎", True), ("山田 花子", False)]
    assert household.members[1].values["household_member_relationship"] == "妻"


def test_viewing_writes_one_access_log_entry_naming_the_fields_shown(client, operator, yamada):
    sign_in(client, operator)
    client.get(f"/obligors/{yamada.pk}/")
    (entry,) = AccessLogEntry.objects.filter(action=AccessAction.VIEW)
    assert (entry.actor, entry.object_type, entry.object_id) == (
        operator,
        "registry.obligor",
        str(yamada.pk),
    )
    # seed 000 別紙1 (2) NHI, calls: identity, address, phone, household members,
    # installments, notices, account transfer (contacts have no place on this page yet)
    assert entry.fields == sorted(
        [
            "resident_no",
            "revenue_type",
            "case_no",
            "name",
            "name_kana",
            "sex",
            "birth_date",
            "relationship",
            "postal_code",
            "address",
            "address_extra",
            "household_no",
            "phone",
            "household_member_name",
            "household_member_sex",
            "household_member_birth_date",
            "household_member_relationship",
            "fiscal_year",
            "period",
            "due_date",
            "assessed",
            "paid",
            "unpaid",
            "last_paid_on",
            "demand_notice_on",
            "reminder_on",
            "account_transfer",
        ]
    )


def test_late_elderly_visitors_log_names_only_what_they_saw(client, elderly_visitor, yamada):
    sign_in(client, elderly_visitor)
    client.get(f"/obligors/{yamada.pk}/")
    (entry,) = AccessLogEntry.objects.filter(action=AccessAction.VIEW)
    assert entry.fields == sorted(
        [
            "resident_no",
            "revenue_type",
            "case_no",
            "name",
            "name_kana",
            "postal_code",
            "address",
            "address_extra",
        ]
    )


def _page_queries(client, obligor):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/obligors/{obligor.pk}/").status_code == 200
    return len(captured)


def test_page_query_count_does_not_grow_with_installments_or_accounts(client, supervisor, yamada):
    sign_in(client, supervisor)
    few = _page_queries(client, yamada)
    ltc = AccountFactory(obligor=yamada, revenue_type="ltc", case_no="K-1")
    for period in range(1, 11):
        InstallmentFactory(account=ltc, fiscal_year=2024, period=str(period))
        InstallmentFactory(
            account=AccountFactory(obligor=yamada, revenue_type="resident_tax"),
            fiscal_year=2024,
            period=str(period),
        )
    PhoneFactory(obligor=yamada, display="03-1234-5678")
    HouseholdMemberFactory(household=yamada.household, name="山田 次郎", relationship="子")
    assert _page_queries(client, yamada) == few
