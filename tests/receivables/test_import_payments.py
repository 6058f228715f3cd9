"""Payments (§3): a Payment per row, the installment's paid amount, and the dunning hook."""

from __future__ import annotations

from datetime import date

import pytest

from civicdesk.receivables import hooks
from civicdesk.receivables.models import ImportRun, ImportStatus, Installment, Payment
from tests.receivables.fixtures.files import import_rows, receivables_row


@pytest.fixture
def installments(tmp_path, staff, municipality):
    result = import_rows(
        tmp_path,
        acting_user=staff,
        municipality=municipality,
        name="receivables.csv",
        rows=[
            receivables_row(期別="1", 調定額="10000", 納付額="0", 未納額="10000"),
            receivables_row(
                期別="2", 調定額="10000", 納付額="2000", 未納額="8000", 最終納付日="2025-07-01"
            ),
        ],
    )
    assert result.error_count == 0
    return {i.period: i for i in Installment.objects.all()}


@pytest.fixture
def run_import(tmp_path, staff, municipality, installments):
    def _run(rows, **options):
        return import_rows(
            tmp_path,
            acting_user=staff,
            municipality=municipality,
            rows=rows,
            kind="payments",
            name="payments.csv",
            **options,
        )

    return _run


def payment(period="1", amount="3000", paid_on="2025-07-10", **values):
    row = {
        "税目": "国保",
        "整理番号": "N1001",
        "年度": "令和7年度",
        "期別": period,
        "納付額": amount,
        "収納日": paid_on,
        "領収日": "",
    }
    row.update(values)
    return row


@pytest.fixture
def received():
    calls = []

    def receiver(*, acting_user, installment_ids, import_run):
        calls.append((acting_user, installment_ids, import_run))

    hooks.register_payments_hook(receiver)
    yield calls
    hooks.unregister_payments_hook(receiver)


def test_payments_are_recorded_and_added_to_their_installments(run_import, installments):
    result = run_import(
        [
            payment(),
            payment(amount="1,000", paid_on="R7.8.1", 領収日="2025-07-31"),
            payment(period="2"),
        ]
    )
    assert result.error_count == 0, [str(e) for e in result.errors]
    first = Installment.objects.get(pk=installments["1"].pk)
    assert (first.paid, first.unpaid, first.last_paid_on) == (4000, 6000, date(2025, 8, 1))
    second = Installment.objects.get(pk=installments["2"].pk)
    # 2025-07-10 is later than the 最終納付日 the receivables file gave.
    assert (second.paid, second.last_paid_on) == (5000, date(2025, 7, 10))
    late = Payment.objects.get(amount=1000)
    assert (late.paid_on, late.received_on, late.import_run) == (
        date(2025, 8, 1),
        date(2025, 7, 31),
        result.run,
    )
    assert result.counts["payments"] == 3
    assert result.counts["installments"] == 2
    assert result.counts["created"] == 3


def test_only_unknown_columns_of_a_payments_file_are_dropped(run_import):
    rows = [{**payment(), "備考": "窓口"}]
    result = run_import(rows, headers=[*payment(), "備考"])
    assert result.error_count == 0
    assert result.dropped_columns == ["備考"]


def test_the_same_payments_file_twice_adds_nothing(run_import, installments):
    run_import([payment(), payment(period="2")])
    result = run_import([payment(), payment(period="2")])
    assert (result.counts["created"], result.counts["unchanged"]) == (0, 2)
    assert Installment.objects.get(pk=installments["1"].pk).paid == 3000
    assert Payment.objects.count() == 2


def test_an_overpayment_is_recorded_as_it_is(run_import, installments):
    result = run_import([payment(amount="15000")])
    assert result.error_count == 0
    assert Installment.objects.get(pk=installments["1"].pk).unpaid == -5000


def test_a_payment_for_an_unknown_installment_is_an_error(run_import, installments):
    result = run_import([payment(), payment(period="5"), payment(整理番号="N9999")])
    assert [str(e) for e in result.errors] == [
        "payments.csv:3:期別: 整理番号 N1001 に令和7年度 第5期の期別がありません",
        "payments.csv:4:整理番号: 整理番号 N9999 の口座が登録されていません",
    ]
    assert not Payment.objects.exists()
    assert Installment.objects.get(pk=installments["1"].pk).paid == 0


def test_the_same_payment_twice_in_one_file_is_an_error(run_import):
    result = run_import([payment(), payment(年度="2025")])
    assert [str(e) for e in result.errors] == [
        "payments.csv:3:期別: 同じ納付（同じ期別・収納日・納付額）が 2 行目にもあります"
    ]


def test_a_zero_payment_is_an_error(run_import):
    result = run_import([payment(amount="0")])
    assert [str(e) for e in result.errors] == ["payments.csv:2:納付額: 納付額は1円以上です"]


def test_the_hook_hears_which_installments_were_paid(run_import, installments, received, staff):
    result = run_import([payment(), payment(amount="500"), payment(period="2")])
    assert received == [(staff, sorted([installments["1"].pk, installments["2"].pk]), result.run)]


def test_the_hook_runs_inside_the_import_transaction(run_import, installments, received):
    def failing(*, acting_user, installment_ids, import_run):
        raise RuntimeError("promise check failed")

    hooks.register_payments_hook(failing)
    try:
        with pytest.raises(RuntimeError):
            run_import([payment()])
    finally:
        hooks.unregister_payments_hook(failing)
    # The receiver's failure took the payments with it, and the run says so.
    assert not Payment.objects.exists()
    run = ImportRun.objects.get(kind="payments")
    assert run.status == ImportStatus.FAILED
    assert "promise check failed" in run.errors[0]["reason"]
    assert Installment.objects.get(pk=installments["1"].pk).paid == 0


def test_the_hook_is_not_called_for_a_dry_run_or_when_nothing_new_was_paid(run_import, received):
    run_import([payment()], dry_run=True)
    assert received == []
    assert not Payment.objects.exists()
    run_import([payment()])
    run_import([payment()])
    assert len(received) == 1
