"""Items paid in full drop out after a payments import (issue 4 §1), inside the import."""

from __future__ import annotations

import datetime as dt

import pytest

from civicdesk.dunning import hooks as dunning_hooks
from civicdesk.dunning.choices import CampaignChannel, WorkItemStatus
from civicdesk.dunning.models import WorkItem
from civicdesk.dunning.services import campaign_items
from civicdesk.dunning.services import campaigns as services
from civicdesk.receivables import hooks
from civicdesk.receivables.models import ImportStatus, Installment
from civicdesk.registry.models import Obligor
from tests.receivables.fixtures.files import import_rows, receivables_row

TODAY = dt.date(2025, 10, 15)


def debt(resident_no, case_no, period, due, amount="12300"):
    return receivables_row(
        宛名番号=resident_no,
        整理番号=case_no,
        期別=period,
        納期限=due,
        調定額=amount,
        未納額=amount,
        電話番号="",
    )


def payment(case_no, period, amount):
    return {
        "税目": "国保",
        "整理番号": case_no,
        "年度": "令和7年度",
        "期別": period,
        "納付額": amount,
        "収納日": "2025-10-10",
        "領収日": "",
    }


@pytest.fixture
def only_campaign_hook():
    """The payments hook with only this part's receiver (the promises part is tested apart)."""

    def receiver(*, acting_user, installment_ids, import_run):
        campaign_items.drop_paid_items(
            acting_user=acting_user, installment_ids=installment_ids, today=TODAY
        )

    hooks.unregister_payments_hook(dunning_hooks.payments_imported)
    hooks.register_payments_hook(receiver)
    yield
    hooks.unregister_payments_hook(receiver)
    hooks.register_payments_hook(dunning_hooks.payments_imported)


@pytest.fixture
def campaign(tmp_path, staff, supervisor, municipality):
    result = import_rows(
        tmp_path,
        acting_user=staff,
        municipality=municipality,
        rows=[
            debt("1001", "N1001", "1", "2025-06-30"),
            debt("1001", "N1001", "2", "2025-07-31"),
            debt("1002", "N1002", "1", "2025-06-30"),
            debt("1003", "N1003", "1", "2025-06-30"),
        ],
    )
    assert result.error_count == 0, result.errors
    return services.create_campaign(
        acting_user=supervisor,
        name="国保 訪問",
        channel=CampaignChannel.VISIT,
        starts_on=dt.date(2025, 10, 1),
        ends_on=dt.date(2026, 3, 31),
        conditions={"revenue_types": ["nhi"]},
        today=TODAY,
    )


def item_of(campaign, resident_no) -> WorkItem:
    obligor = Obligor.objects.get(resident_no=resident_no)
    return WorkItem.objects.get(campaign=campaign, obligor=obligor)


def test_a_payments_import_drops_items_paid_in_full_and_refreshes_the_others(
    tmp_path, staff, municipality, campaign, only_campaign_hook
):
    done = item_of(campaign, "1003")
    WorkItem.objects.filter(pk=done.pk).update(status=WorkItemStatus.DONE)
    assert item_of(campaign, "1001").unpaid_total == 24_600

    result = import_rows(
        tmp_path,
        acting_user=staff,
        municipality=municipality,
        kind="payments",
        name="payments.csv",
        rows=[
            payment("N1002", "1", "12300"),  # everything 1002 owed
            payment("N1001", "1", "12300"),  # half of what 1001 owed
            payment("N1003", "1", "12300"),  # 1003's item is already done
        ],
    )

    assert result.run.status == ImportStatus.DONE, result.errors
    assert item_of(campaign, "1002").status == WorkItemStatus.DROPPED
    partly = item_of(campaign, "1001")
    assert partly.status == WorkItemStatus.OPEN
    assert partly.unpaid_total == 12_300
    assert partly.oldest_due_date == partly.newest_due_date == dt.date(2025, 7, 31)
    assert partly.overdue_periods == 1
    assert partly.priority == campaign_items.priority_for(
        campaign.priority_rule,
        unpaid_total=12_300,
        oldest_due_date=dt.date(2025, 7, 31),
        newest_due_date=dt.date(2025, 7, 31),
    )
    assert item_of(campaign, "1003").status == WorkItemStatus.DONE


def test_a_failing_drop_rolls_the_payments_import_back(
    tmp_path, staff, municipality, campaign, monkeypatch, only_campaign_hook
):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(campaign_items, "_refresh_chunk", broken)
    with pytest.raises(RuntimeError):
        import_rows(
            tmp_path,
            acting_user=staff,
            municipality=municipality,
            kind="payments",
            name="payments.csv",
            rows=[payment("N1002", "1", "12300")],
        )
    assert item_of(campaign, "1002").status == WorkItemStatus.OPEN
    assert not Installment.objects.filter(paid__gt=0).exists()


def test_drop_paid_items_handles_more_ids_than_sqlite_allows_in_one_query(campaign, supervisor):
    paid = Installment.objects.get(account__case_no="N1002")
    Installment.objects.filter(pk=paid.pk).update(paid=12_300)
    ids = [paid.pk, *range(10_000_000, 10_040_000)]  # 40,001 ids, nearly all unknown

    dropped = campaign_items.drop_paid_items(
        acting_user=supervisor, installment_ids=ids, today=TODAY
    )

    assert dropped == 1
    assert item_of(campaign, "1002").status == WorkItemStatus.DROPPED
    assert item_of(campaign, "1001").status == WorkItemStatus.OPEN


def test_nothing_touched_writes_nothing(campaign, supervisor, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert campaign_items.drop_paid_items(acting_user=supervisor, installment_ids=[]) == 0
