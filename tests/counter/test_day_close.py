"""The day close (日計・精算): expected amounts by payment kind from the entries (checked
against sums made here), counted cash by denomination, the difference and its reason, one
close a day, staff confirmation, and the day-total sheet read back from its PDF."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from civicdesk.audit.models import AccessLogEntry
from civicdesk.counter.models import DayClose
from civicdesk.counter.selectors import fees as selectors
from civicdesk.counter.services import day_close, fees
from civicdesk.counter.services.day_close import DayCloseError
from tests.conftest import TEST_NOW
from tests.counter.factories import FeeFactory, ProcedureFactory
from tests.pdf import pdftotext

pytestmark = pytest.mark.django_db
DAY = TEST_NOW.date()


@pytest.fixture
def seal(desk):
    procedure = ProcedureFactory(
        municipality=desk.certificate.municipality,
        code="inkan",
        name="印鑑登録証明書",
        queue=desk.certificates,
        position=1,
    )
    FeeFactory(procedure=procedure, unit_fee=350)
    return procedure


@pytest.fixture
def day_of_fees(desk, seal, cashier):
    """A day's entries: cash, postal orders, an exempt official request and one reversal."""
    take = fees.take_fee
    made = [
        take(acting_user=cashier, procedure=desk.certificate, quantity=2, payment_kind="cash"),
        take(acting_user=cashier, procedure=desk.certificate, quantity=1, payment_kind="cash"),
        take(acting_user=cashier, procedure=seal, quantity=3, payment_kind="cash"),
        take(acting_user=cashier, procedure=seal, quantity=1, payment_kind="postal_order"),
        take(
            acting_user=cashier,
            procedure=desk.certificate,
            quantity=4,
            payment_kind="cash",
            requester_kind="official",
            requesting_office="一関税務署",
        ),
    ]
    fees.reverse_fee(acting_user=cashier, entry=made[1], reason="重複して収納")
    return made


def test_the_day_totals_are_the_sums_of_the_entries(desk, seal, day_of_fees):
    totals = selectors.day_totals(desk.certificate.municipality_id, DAY)
    # Computed here: cash 2×300 + 1×300 − 1×300 + 3×350; postal order 1×350; exempt 0.
    assert totals.amounts == {"cash": 600 + 300 - 300 + 1050, "postal_order": 350, "exempt": 0}
    assert totals.counts == {"cash": 4, "postal_order": 1, "exempt": 1}
    assert totals.entries == 6 and totals.total == 2000
    assert totals.waived == 4 * 300
    certificate_cash = next(
        line for line in totals.lines if line.code == "juminhyo" and line.payment_kind == "cash"
    )
    assert (certificate_cash.charges, certificate_cash.reversals) == (2, 1)
    assert (certificate_cash.quantity, certificate_cash.amount) == (2, 600)
    assert [entry.reason for entry in totals.reversals] == ["重複して収納"]


def test_a_close_matching_the_cash_needs_no_reason(desk, day_of_fees, cashier):
    # 1,650 yen: one 1,000 yen note, one 500, one 100, one 50.
    close = day_close.close_day(
        acting_user=cashier, day=DAY, denominations={"1000": 1, 500: 1, "100": 1, "50": 1}
    )
    assert (close.counted_cash, close.difference, close.entries) == (1650, 0, 6)
    assert close.expected == {"cash": 1650, "postal_order": 350, "exempt": 0}
    assert close.denominations["1000"] == 1 and close.denominations["10000"] == 0


def test_a_cash_difference_without_a_reason_is_refused_and_nothing_is_saved(
    desk, day_of_fees, cashier
):
    with pytest.raises(DayCloseError) as refused:
        day_close.close_day(acting_user=cashier, day=DAY, denominations={"1000": 1, "500": 1})
    assert "150円不足" in refused.value.message_dict["reason"][0]
    assert not DayClose.objects.exists()
    close = day_close.close_day(
        acting_user=cashier,
        day=DAY,
        denominations={"1000": 1, "500": 1},
        reason="釣銭の渡し過ぎ（150円）",
    )
    assert (close.difference, close.reason) == (-150, "釣銭の渡し過ぎ（150円）")


def test_a_day_is_closed_once(desk, cashier, supervisor):
    day_close.close_day(acting_user=cashier, day=DAY, denominations={})
    with pytest.raises(DayCloseError, match="精算は済んでいます"):
        day_close.close_day(acting_user=supervisor, day=DAY, denominations={})
    assert DayClose.objects.count() == 1


@pytest.mark.parametrize(
    ("denominations", "message"),
    [({"3000": 1}, "金種ではありません"), ({"100": -1}, "0〜"), ({"100": "2"}, "整数")],
)
def test_unknown_denominations_and_bad_counts_are_refused(desk, cashier, denominations, message):
    with pytest.raises(DayCloseError, match=message):
        day_close.close_day(acting_user=cashier, day=DAY, denominations=denominations)
    assert not DayClose.objects.exists()


def test_a_day_still_to_come_cannot_be_closed(desk, cashier):
    with pytest.raises(DayCloseError, match="まだ来ていない日"):
        day_close.close_day(acting_user=cashier, day=DAY + dt.timedelta(days=1), denominations={})


@pytest.mark.parametrize("role", ["clerk", "reception", "staff"])
def test_only_the_cash_roles_close_a_day(request, desk, role):
    with pytest.raises(PermissionDenied):
        day_close.close_day(acting_user=request.getfixturevalue(role), day=DAY, denominations={})


def test_staff_confirm_a_close_they_did_not_make(desk, cashier, staff, supervisor):
    close = day_close.close_day(acting_user=cashier, day=DAY, denominations={})
    for other in (cashier, supervisor):
        with pytest.raises(PermissionDenied, match="市の職員だけ"):
            day_close.confirm_day_close(acting_user=other, day_close=close)
    confirmed = day_close.confirm_day_close(acting_user=staff, day_close=close)
    assert confirmed.confirmed_by_id == staff.pk and confirmed.confirmed_at is not None
    with pytest.raises(DayCloseError, match="確認済み"):
        day_close.confirm_day_close(acting_user=staff, day_close=close)


def test_the_day_total_sheet_shows_the_totals_and_its_print_is_logged(
    desk, day_of_fees, cashier, staff, municipality
):
    close = day_close.close_day(
        acting_user=cashier, day=DAY, denominations={"1000": 1, "500": 1, "100": 1, "50": 1}
    )
    day_close.confirm_day_close(acting_user=staff, day_close=close)
    text = pdftotext(day_close.day_total_pdf(acting_user=staff, day=DAY))
    assert "手数料 日計表" in text and municipality.name in text and "令和8年6月10日" in text
    assert "住民票の写し" in text and "印鑑登録証明書" in text
    assert "1,650円" in text and "350円" in text and "2,000円" in text
    assert "重複して収納" in text and "免除額（公用など）: 1,200円" in text
    assert "未精算" not in text
    entry = AccessLogEntry.objects.filter(action="print").get()
    assert entry.object_type == "counter.dayclose" and entry.actor_id == staff.pk


def test_a_sheet_before_the_close_says_so_and_logs_no_print(desk, day_of_fees, cashier):
    text = pdftotext(day_close.day_total_pdf(acting_user=cashier, day=DAY))
    assert "未精算" in text and "2,000円" in text
    assert not AccessLogEntry.objects.filter(action="print").exists()
