"""Tamper-proof paper (改ざん防止用紙): received, used per certificate copy, spoiled with a
reason, counted; the stock is the sum of the movements."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from civicdesk.counter.models import PaperMovement
from civicdesk.counter.selectors import fees as selectors
from civicdesk.counter.services import fees, paper
from civicdesk.counter.services.paper import PaperError
from tests.conftest import TEST_NOW
from tests.counter.flow import at_cashier

pytestmark = pytest.mark.django_db


def test_the_stock_is_received_less_used_and_spoiled(
    desk, reception, clerk, staff, cashier, municipality
):
    paper.receive_paper(acting_user=cashier, sheets=500, note="1冊")
    ticket, request = at_cashier(desk, reception, clerk, staff, cashier, quantity=3)
    fees.settle_requests(
        acting_user=cashier, requests=[request], payment_kind="cash", ticket=ticket
    )
    paper.spoil_paper(acting_user=clerk, sheets=2, note="印字ずれ")
    assert selectors.paper_stock(municipality.pk) == 500 - 3 - 2
    [day] = selectors.paper_by_day(municipality.pk, TEST_NOW.date(), TEST_NOW.date())
    assert (day.received, day.used, day.spoiled, day.adjusted) == (500, 3, 2, 0)


def test_a_count_writes_the_adjustment_that_makes_the_stock_the_count(desk, cashier, municipality):
    paper.receive_paper(acting_user=cashier, sheets=100)
    short = paper.count_paper(acting_user=cashier, counted=97)
    assert (short.kind, short.sheets) == ("counted", -3)
    assert "記録上 100枚" in short.note
    assert selectors.paper_stock(municipality.pk) == 97
    agreed = paper.count_paper(acting_user=cashier, counted=97)
    assert agreed.sheets == 0  # the count itself stays on record


def test_spoiled_sheets_need_a_reason(desk, clerk):
    with pytest.raises(PaperError) as refused:
        paper.spoil_paper(acting_user=clerk, sheets=1, note="")
    assert "書損の理由" in refused.value.message_dict["note"][0]
    assert not PaperMovement.objects.exists()


@pytest.mark.parametrize("sheets", [0, -5, 100_001, "10"])
def test_sheet_counts_outside_the_range_are_refused(desk, cashier, sheets):
    with pytest.raises(PaperError, match="枚数"):
        paper.receive_paper(acting_user=cashier, sheets=sheets)
    assert not PaperMovement.objects.exists()


@pytest.mark.parametrize("role", ["reception", "staff"])
def test_only_the_counter_roles_record_paper(request, desk, role):
    with pytest.raises(PermissionDenied):
        paper.receive_paper(acting_user=request.getfixturevalue(role), sheets=10)
