"""Receivables import (§1): what one row per installment becomes, and what re-imports do."""

from __future__ import annotations

from datetime import date

import pytest

from civicdesk.audit.models import AccessLogEntry
from civicdesk.receivables.models import Account, ImportRun, ImportStatus, Installment, Payment
from civicdesk.receivables.services import import_file
from civicdesk.registry.models import Household, Obligor, Phone, PhoneSource
from tests.receivables.fixtures.files import (
    RECEIVABLES_HEADERS,
    import_rows,
    receivables_row,
    write_csv,
)


@pytest.fixture
def run_import(tmp_path, staff, municipality):
    def _run(rows, **options):
        return import_rows(
            tmp_path, acting_user=staff, municipality=municipality, rows=rows, **options
        )

    return _run


def three_periods(**values):
    return [
        receivables_row(
            期別="1", 納期限="2025-06-30", 調定額="10000", 納付額="0", 未納額="10000", **values
        ),
        receivables_row(
            期別="2", 納期限="R7.7.31", 調定額="10000", 納付額="4,000", 未納額="6000", **values
        ),
        receivables_row(
            期別="3", 納期限="令和7年9月1日", 調定額="10000", 納付額="0", 未納額="10000", **values
        ),
    ]


def test_a_row_becomes_obligor_account_installment_phone_and_household(run_import):
    result = run_import([receivables_row()])

    assert result.error_count == 0, [str(e) for e in result.errors]
    obligor = Obligor.objects.get()
    assert obligor.resident_no == "1001"
    assert obligor.name == "山田　太郎"
    assert obligor.name_kana == "ヤマダ タロウ"  # half-width kana stored full-width
    assert obligor.sex == "male"
    assert obligor.birth_date == date(1975, 4, 1)  # S50.4.1
    assert obligor.postal_code == "135-0016"
    assert obligor.address == "東京都江東区東陽四丁目11番28号"
    assert (obligor.town, obligor.chome, obligor.block) == ("東陽", 4, "11-28")
    assert obligor.address_extra == "コーポ江東101"
    assert obligor.relationship == "世帯主"
    assert obligor.name_key == "山田太郎"
    assert obligor.kana_key == "やまだたろう"
    assert obligor.household == Household.objects.get(household_no="H1")

    account = Account.objects.get()
    assert (account.revenue_type, account.case_no, account.obligor) == ("nhi", "N1001", obligor)
    assert account.account_transfer is False
    assert account.demand_notice_on == date(2025, 7, 20)

    installment = Installment.objects.get()
    assert installment.fiscal_year == 2025
    assert installment.period == "1"
    assert installment.due_date == date(2025, 6, 30)
    assert (installment.assessed, installment.paid, installment.unpaid) == (12300, 0, 12300)

    phone = Phone.objects.get()
    assert (phone.number, phone.display, phone.kind) == ("+819012345678", "090-1234-5678", "mobile")
    assert phone.source == PhoneSource.PROVIDED


def test_counts_name_what_was_read_and_created(run_import):
    result = run_import(three_periods())
    assert result.counts == {
        "rows": 3,
        "obligors": 1,
        "accounts": 1,
        "installments": 3,
        "payments": 0,
        "households": 0,
        "members": 0,
        "created": 1 + 1 + 3,  # obligor, account, installments
        "updated": 0,
        "unchanged": 0,
        "deleted": 0,
        "errors": 0,
        "dropped_columns": ["延滞金", "徴収区分", "被保険者番号", "通称名"],
    }


def test_importing_the_same_file_twice_changes_nothing(run_import):
    first = run_import(three_periods())
    stamped = Obligor.objects.get().updated_at
    second = run_import(three_periods())

    assert second.counts["created"] == second.counts["updated"] == 0
    assert second.counts["unchanged"] == first.counts["created"] == 5
    assert Obligor.objects.get().updated_at == stamped
    assert Installment.objects.count() == 3
    assert Phone.objects.count() == 1


def test_a_file_replaces_the_installments_of_the_accounts_it_contains(run_import):
    run_import(three_periods())
    rows = three_periods()[:2]
    rows[1] = receivables_row(
        期別="2", 納期限="2025-07-31", 調定額="10000", 納付額="10000", 未納額="0"
    )
    result = run_import(rows)

    assert result.counts["deleted"] == 1  # 第3期 is no longer in the file
    assert result.counts["updated"] == 1  # 第2期 is now paid
    assert result.counts["unchanged"] == 3  # obligor, account, 第1期
    assert sorted(Installment.objects.values_list("period", "paid")) == [("1", 0), ("2", 10000)]


def test_an_absent_installment_with_payments_is_an_error_and_nothing_changes(run_import):
    run_import(three_periods())
    third = Installment.objects.get(period="3")
    Payment.objects.create(installment=third, amount=1000, paid_on=date(2025, 9, 10))
    result = run_import(three_periods()[:2])

    assert result.error_count == 1
    error = result.errors[0]
    assert (error.line, error.column) == (2, "整理番号")
    assert "令和7年度 第3期" in error.reason and "納付の記録" in error.reason
    assert Installment.objects.count() == 3


def test_accounts_absent_from_the_file_are_left_alone(run_import):
    run_import([receivables_row(), receivables_row(整理番号="N2002", 宛名番号="2002")])
    result = run_import([receivables_row()])
    assert result.counts["deleted"] == 0
    assert Account.objects.count() == 2


def test_full_deletes_absent_accounts_of_the_revenue_types_in_the_file(run_import):
    run_import(
        [
            receivables_row(),
            receivables_row(整理番号="N2002", 宛名番号="2002"),
            receivables_row(税目="介護", 整理番号="L3003", 宛名番号="3003"),
        ]
    )
    result = run_import([receivables_row()], full=True)

    assert result.error_count == 0
    assert result.counts["deleted"] == 1
    # The 介護 account is of a revenue type the file does not contain: it stays.
    assert sorted(Account.objects.values_list("case_no", flat=True)) == ["L3003", "N1001"]
    assert Installment.objects.count() == 2


def test_full_refuses_to_delete_an_account_with_payments(run_import):
    run_import([receivables_row(), receivables_row(整理番号="N2002", 宛名番号="2002")])
    Payment.objects.create(
        installment=Installment.objects.get(account__case_no="N2002"),
        amount=500,
        paid_on=date(2025, 7, 1),
    )
    result = run_import([receivables_row()], full=True)

    assert result.error_count == 1
    assert "整理番号 N2002" in result.errors[0].reason
    assert "--full" in result.errors[0].reason
    assert Account.objects.count() == 2


def test_a_case_number_held_by_another_person_in_the_database_is_an_error(run_import):
    run_import([receivables_row()])
    result = run_import([receivables_row(期別="2", 宛名番号="9999", 氏名="別人　花子")])

    assert result.error_count == 1
    error = result.errors[0]
    assert (error.line, error.column) == (2, "宛名番号")
    assert "別の宛名番号（1001）" in error.reason
    assert not Obligor.objects.filter(resident_no="9999").exists()
    assert Installment.objects.count() == 1


def test_one_person_in_several_revenue_types_is_one_obligor(run_import):
    result = run_import(
        [
            receivables_row(税目="住民税", 整理番号="R1", 徴収区分="普通"),
            receivables_row(
                税目="後期高齢", 整理番号="K1", 通称名="ヤマダ", 被保険者番号="12345678"
            ),
        ]
    )
    assert result.counts["obligors"] == 1
    obligor = Obligor.objects.get()
    # 通称名 may be held for 後期高齢; the person has a 後期高齢 row, so it is kept.
    assert obligor.alias_name == "ヤマダ"
    assert sorted(obligor.accounts.values_list("revenue_type", flat=True)) == [
        "late_elderly",
        "resident_tax",
    ]
    assert Account.objects.get(case_no="K1").insured_no == "12345678"
    assert Account.objects.get(case_no="R1").collection_kind == "ordinary"
    assert "通称名" not in result.dropped_columns


def test_fields_the_revenue_type_may_not_hold_are_dropped(run_import):
    result = run_import(
        [receivables_row(通称名="ヤマダ", 被保険者番号="12345678", 徴収区分="普通", 延滞金="500")]
    )
    obligor = Obligor.objects.get()
    account = Account.objects.get()
    assert obligor.alias_name == ""  # 通称名 only for 後期高齢
    assert account.insured_no == ""  # 被保険者番号 only for 後期高齢・介護
    assert account.collection_kind == ""  # 徴収区分 not for 国保
    assert Installment.objects.get().late_charge is None  # 延滞金 for nobody
    assert result.dropped_columns == ["延滞金", "徴収区分", "被保険者番号", "通称名"]


def test_the_access_log_names_only_the_columns_kept(run_import):
    result = run_import([receivables_row(延滞金="500")])
    entry = AccessLogEntry.objects.get(object_type="receivables.importrun")
    assert "延滞金" not in entry.fields
    assert set(entry.fields) == set(RECEIVABLES_HEADERS) - set(result.dropped_columns)


def test_the_last_non_empty_value_of_a_person_wins(run_import):
    run_import(
        [
            receivables_row(期別="1", 方書="旧方書", 郵便番号=""),
            receivables_row(期別="2", 方書="", 郵便番号="136-0072"),
            receivables_row(期別="3", 方書="新方書", 郵便番号=""),
        ]
    )
    obligor = Obligor.objects.get()
    assert (obligor.address_extra, obligor.postal_code) == ("新方書", "136-0072")


def test_provided_phones_follow_the_file_and_collected_ones_stay(run_import):
    run_import([receivables_row(電話番号="03-1234-5678;090-1234-5678")])
    obligor = Obligor.objects.get()
    Phone.objects.create(
        obligor=obligor,
        number="+815012345678",
        display="050-1234-5678",
        kind="ip",
        source=PhoneSource.COLLECTED,
    )
    result = run_import([receivables_row(電話番号="090-1234-5678")])

    assert result.counts["updated"] == 1  # the obligor: a provided phone went away
    assert sorted(Phone.objects.values_list("number", "source")) == [
        ("+815012345678", "collected"),
        ("+819012345678", "provided"),
    ]


def test_english_headers_in_any_order_are_read(tmp_path, staff, municipality):
    japanese = receivables_row()
    english = {
        "revenue_type": "resident_tax",
        "resident_no": "1001",
        "case_no": "R1",
        "name": japanese["氏名"],
        "address": japanese["住所"],
        "fiscal_year": "R7",
        "period": "随時",
        "due_date": "2025-12-25",
        "unpaid": "300",
        "paid": "0",
        "assessed": "300",
    }
    result = import_rows(
        tmp_path,
        acting_user=staff,
        municipality=municipality,
        rows=[english],
        headers=list(reversed(english)),
    )
    assert result.error_count == 0, [str(e) for e in result.errors]
    installment = Installment.objects.get()
    assert (installment.fiscal_year, installment.period, installment.unpaid) == (2025, "随時", 300)


@pytest.mark.parametrize(("encoding", "bom"), [("cp932", False), ("utf-8", True), ("utf-8", False)])
def test_cp932_and_utf8_with_or_without_bom_read_the_same(
    tmp_path, staff, municipality, encoding, bom
):

    path = write_csv(tmp_path / "f.csv", [receivables_row()], encoding=encoding, bom=bom)
    result = import_file(
        acting_user=staff, municipality=municipality, kind="receivables", path=path
    )
    assert result.error_count == 0
    assert result.run.encoding == ("cp932" if encoding == "cp932" else "utf-8")
    assert Obligor.objects.get().name == "山田　太郎"


def test_progress_rises_to_100(run_import):
    seen = []
    run_import(three_periods(), progress=seen.append)
    assert seen == sorted(seen)
    assert seen[-1] == 100
    assert len(seen) >= 2


def test_a_successful_import_is_recorded_as_done(run_import, staff):
    result = run_import(three_periods())
    run = ImportRun.objects.get()
    assert result.run == run
    assert run.status == ImportStatus.DONE
    assert (run.kind, run.file_name, run.acting_user, run.dry_run) == (
        "receivables",
        "data.csv",
        staff,
        False,
    )
    assert run.counts == result.counts
    assert run.error_count == 0 and run.errors == []
    assert run.duration_seconds is not None and run.finished_at is not None
    assert run.progress == 100


def test_a_person_seen_again_in_a_later_part_of_the_file_keeps_every_revenue_type(run_import):
    # Files are often sorted by revenue type: the same cells come back after other people.
    yamada = {"通称名": "ヤマダ", "徴収区分": ""}
    result = run_import(
        [
            receivables_row(税目="住民税", 整理番号="R1", **yamada),
            receivables_row(税目="住民税", 整理番号="R2", 宛名番号="2002", 氏名="佐藤　花子"),
            receivables_row(税目="後期高齢", 整理番号="K1", **yamada),
        ]
    )
    assert result.counts["obligors"] == 2
    # 通称名 is kept because the 後期高齢 rows (identical cells) count for the person too.
    assert Obligor.objects.get(resident_no="1001").alias_name == "ヤマダ"
    assert Obligor.objects.get(resident_no="2002").alias_name == ""
