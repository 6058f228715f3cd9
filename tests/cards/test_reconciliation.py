"""The daily reconciliation (§2, 別紙⑥ 2(1)②③): notices received vs imported vs mailed, cards
received (declared and recorded) vs transferred + in stock, each difference listed, and the
close refused while a difference is unexplained. Expected figures are counted here by hand."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from civicdesk.cards.models import CardTarget, ReconciliationClose
from civicdesk.cards.selectors.logistics import reconciliation
from civicdesk.cards.services import mailings, stock
from civicdesk.cards.services.reconciliation import close_reconciliation
from tests.cards.factories import CardTargetFactory, TargetImportFactory
from tests.conftest import TEST_NOW

pytestmark = pytest.mark.django_db
TODAY = TEST_NOW.date()


@pytest.fixture
def center_day(venues, municipality, supervisor, venue_clerk):
    """6 notices counted, 6 targets imported; a letter run of all 6 mailed today; 4 cards
    received (slip says 4), 3 sent to 本庁舎 (counted 3), 1 in stock."""
    batch = TargetImportFactory(municipality=municipality, row_count=6, notices_received=6)
    targets = CardTargetFactory.create_batch(6, municipality=municipality, imported_in=batch)
    run, _ = mailings.make_letter_run(
        acting_user=supervisor, municipality=municipality, reason="1回目"
    )
    mailings.record_mailed(acting_user=supervisor, mailing=run, mailed_on=TODAY)
    stock.record_card_receipt(
        acting_user=supervisor,
        municipality=municipality,
        received_on=TODAY,
        declared_count=4,
        reservation_nos=[t.reservation_no for t in targets[:4]],
    )
    transfer = stock.transfer_to_venue(
        acting_user=supervisor,
        venue=venues.honchosha,
        reservation_nos=[t.reservation_no for t in targets[:3]],
    )
    stock.receive_transfer(acting_user=venue_clerk, transfer=transfer, counted=3)
    return targets


def test_a_balanced_day_has_no_differences(center_day, municipality):
    figures = reconciliation(municipality, TODAY)
    assert (figures.notices_received, figures.targets_imported, figures.notices_mailed) == (6, 6, 6)
    assert figures.notices_pending == 0
    assert (figures.cards_declared, figures.cards_received) == (4, 4)
    assert (figures.cards_transferred, figures.cards_in_stock) == (3, 1)
    assert figures.differences == [] and figures.balanced


def test_the_figures_are_as_of_the_days_end(center_day, municipality):
    yesterday = reconciliation(municipality, TODAY - dt.timedelta(days=1))
    assert (yesterday.notices_mailed, yesterday.cards_received, yesterday.cards_transferred) == (
        0,
        0,
        0,
    )


def test_every_difference_is_listed(center_day, venues, municipality, supervisor, venue_clerk):
    more = TargetImportFactory(municipality=municipality, row_count=1, notices_received=2)
    extra = CardTargetFactory(municipality=municipality, imported_in=more)
    stock.record_card_receipt(
        acting_user=supervisor,
        municipality=municipality,
        received_on=TODAY,
        declared_count=2,
        reservation_nos=[extra.reservation_no],
    )
    transfer = stock.transfer_to_venue(acting_user=supervisor, venue=venues.honchosha, count=1)
    stock.receive_transfer(acting_user=venue_clerk, transfer=transfer, counted=0)
    # A card leaves the stock without a transfer (what the check is there to catch).
    CardTarget.objects.filter(pk=extra.pk, card_state="in_stock").update(card_state="returned")
    figures = reconciliation(municipality, TODAY)
    found = {d.label: (d.left, d.right) for d in figures.differences}
    assert found["交付通知書の受領数と取込件数"] == (6 + 2, 6 + 1)
    assert found[f"カード受領 {TODAY:%Y-%m-%d}（送付書と記録）"] == (2, 1)
    assert found["カードの受領数と会場への送付数＋保管数"] == (5, 4 + 0)
    assert found[f"送付 No.{transfer.number}（本庁舎）の会場での受領"] == (1, 0)
    assert len(figures.differences) == 4


def test_the_close_keeps_the_figures(center_day, municipality, supervisor):
    closed = close_reconciliation(acting_user=supervisor, municipality=municipality, day=TODAY)
    assert (closed.notices_received, closed.notices_mailed, closed.cards_received) == (6, 6, 4)
    assert (closed.cards_transferred, closed.cards_in_stock) == (3, 1)
    assert reconciliation(municipality, TODAY).close == closed
    with pytest.raises(ValidationError, match="締め済み"):
        close_reconciliation(acting_user=supervisor, municipality=municipality, day=TODAY)


def test_an_unexplained_difference_blocks_the_close(center_day, municipality, supervisor):
    TargetImportFactory(municipality=municipality, row_count=0, notices_received=1)
    with pytest.raises(ValidationError, match="差異があります。説明を記入してください"):
        close_reconciliation(acting_user=supervisor, municipality=municipality, day=TODAY)
    assert not ReconciliationClose.objects.exists()
    closed = close_reconciliation(
        acting_user=supervisor,
        municipality=municipality,
        day=TODAY,
        explanation="区の送付書の数え違い（区民課に確認済み）",
    )
    assert closed.notices_received == 7


def test_a_future_day_cannot_be_closed(venues, municipality, supervisor):
    with pytest.raises(ValidationError):
        close_reconciliation(
            acting_user=supervisor, municipality=municipality, day=TODAY + dt.timedelta(days=1)
        )


def test_stock_sent_after_the_day_still_counts_as_stock_that_day(
    center_day, venues, municipality, supervisor
):
    with time_machine.travel(TEST_NOW + dt.timedelta(days=1), tick=True):
        stock.transfer_to_venue(acting_user=supervisor, venue=venues.honchosha)
    figures = reconciliation(municipality, TODAY)
    assert (figures.cards_transferred, figures.cards_in_stock) == (3, 1)
    assert figures.balanced


@pytest.mark.parametrize("role", ["venue_clerk", "staff", "inspector"])
def test_only_the_centers_supervisor_closes(venues, municipality, users_by_role, role):
    with pytest.raises(PermissionDenied):
        close_reconciliation(acting_user=users_by_role[role], municipality=municipality, day=TODAY)
