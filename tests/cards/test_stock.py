"""Cards received, moved and handed out (別紙⑥ 2(1)③, 別紙③ 2, §7): receipts with errors by
position, transfers only of the venue's own stock and never more than it, the ledger's order,
the hand-over register and its receipt, the ledger PDF read back (both copies), and the desk's
issue / return / failure."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicdesk.audit.models import AccessLogEntry
from civicdesk.cards.choices import (
    CardState,
    Channel,
    ReservationStatus,
    TargetEventKind,
    TargetStatus,
)
from civicdesk.cards.models import (
    CardReceipt,
    CardTarget,
    Reservation,
    VenueTransfer,
    VenueTransferItem,
)
from civicdesk.cards.selectors.logistics import transfer_lines
from civicdesk.cards.services import stock
from civicdesk.cards.services.stock import LedgerOrder
from civicdesk.privacy.models import ExportRecord, HandOverRecord
from tests.cards.factories import CardTargetFactory, SlotFactory
from tests.concurrency import run_threads
from tests.conftest import TEST_NOW
from tests.pdf import pdftotext

pytestmark = pytest.mark.django_db
TODAY = TEST_NOW.date()


def receive(user, municipality, targets, declared=None):
    numbers = [t.reservation_no for t in targets]
    return stock.record_card_receipt(
        acting_user=user,
        municipality=municipality,
        received_on=TODAY,
        declared_count=len(numbers) if declared is None else declared,
        reservation_nos=numbers,
    )


def states(*targets):
    return [CardTarget.objects.get(pk=t.pk).card_state for t in targets]


@pytest.fixture
def honcho_targets(venues, municipality):
    return CardTargetFactory.create_batch(3, municipality=municipality)


def test_a_receipt_puts_each_named_card_in_stock(honcho_targets, municipality, supervisor):
    receipt = receive(supervisor, municipality, honcho_targets)
    assert states(*honcho_targets) == [CardState.IN_STOCK] * 3
    assert receipt.targets.count() == 3
    for target in honcho_targets:
        assert target.events.filter(kind=TargetEventKind.CARD_RECEIVED).count() == 1


def test_unknown_repeated_or_received_numbers_are_refused_by_position(
    honcho_targets, municipality, supervisor
):
    first, second, third = honcho_targets
    receive(supervisor, municipality, [first])
    with pytest.raises(ValidationError) as caught:
        stock.record_card_receipt(
            acting_user=supervisor,
            municipality=municipality,
            received_on=TODAY,
            declared_count=4,
            reservation_nos=[
                second.reservation_no,
                "X999",
                first.reservation_no,
                second.reservation_no,
            ],
        )
    messages = caught.value.message_dict["reservation_nos"]
    assert messages[0].startswith("2件目") and "X999" in messages[0]
    assert messages[1].startswith("3件目") and "受領済み" in messages[1]
    assert messages[2].startswith("4件目") and "重複" in messages[2]
    assert CardReceipt.objects.count() == 1
    assert states(second, third) == [CardState.NOT_RECEIVED] * 2


def test_a_declared_count_that_differs_is_recorded(honcho_targets, municipality, supervisor):
    receipt = receive(supervisor, municipality, honcho_targets[:2], declared=3)
    assert (receipt.declared_count, receipt.targets.count()) == (3, 2)


def test_a_transfer_takes_only_the_venues_stock(venues, municipality, supervisor):
    mine = CardTargetFactory(municipality=municipality)
    other = CardTargetFactory(municipality=municipality, town="豊洲")
    not_received = CardTargetFactory(municipality=municipality)
    receive(supervisor, municipality, [mine, other])
    with pytest.raises(ValidationError) as caught:
        stock.transfer_to_venue(
            acting_user=supervisor,
            venue=venues.honchosha,
            reservation_nos=[other.reservation_no, not_received.reservation_no],
        )
    text = " ".join(caught.value.messages)
    assert "在庫を超えています" in text  # two named, one in this venue's stock
    assert "会場が違います" in text and "在庫にありません" in text
    assert not VenueTransfer.objects.exists()
    assert states(mine, other) == [CardState.IN_STOCK] * 2


def test_a_transfer_of_the_targets_given(venues, municipality, supervisor):
    first, second = CardTargetFactory.create_batch(2, municipality=municipality)
    receive(supervisor, municipality, [first, second])
    transfer = stock.transfer_to_venue(
        acting_user=supervisor, venue=venues.honchosha, targets=[second]
    )
    assert transfer.card_count == 1
    assert states(first, second) == [CardState.IN_STOCK, CardState.IN_TRANSIT]


def test_a_transfer_never_exceeds_the_stock(venues, municipality, supervisor):
    targets = CardTargetFactory.create_batch(2, municipality=municipality)
    receive(supervisor, municipality, targets)
    with pytest.raises(ValidationError, match="在庫を超えています"):
        stock.transfer_to_venue(acting_user=supervisor, venue=venues.honchosha, count=3)
    assert not VenueTransfer.objects.exists() and not HandOverRecord.objects.exists()


def test_a_transfer_is_numbered_in_transit_and_in_the_hand_over_register(
    honcho_targets, venues, municipality, supervisor
):
    receive(supervisor, municipality, honcho_targets)
    first = stock.transfer_to_venue(acting_user=supervisor, venue=venues.honchosha, count=2)
    second = stock.transfer_to_venue(acting_user=supervisor, venue=venues.honchosha)
    assert (first.number, first.card_count, second.number, second.card_count) == (1, 2, 2, 1)
    assert sorted(states(*honcho_targets)) == [CardState.IN_TRANSIT] * 3
    hand_over = first.hand_over
    assert hand_over.count == 2 and "江東区役所２階" in hand_over.receiver
    assert HandOverRecord.objects.count() == 2


def test_the_ledger_follows_the_order_staff_choose(venues, municipality, supervisor):
    # 町丁目順: area sort_order then address; 予約日時順: the booked slot, unbooked last.
    late_area = CardTargetFactory(
        municipality=municipality, reservation_no="A1", town="東陽", chome=4
    )
    early_area = CardTargetFactory(
        municipality=municipality, reservation_no="A2", town="東陽", chome=1
    )
    unbooked = CardTargetFactory(
        municipality=municipality, reservation_no="A0", town="東陽", chome=4
    )
    targets = [late_area, early_area, unbooked]
    assert early_area.area.sort_order < late_area.area.sort_order
    for target, hhmm in ((late_area, "09:00"), (early_area, "11:00")):
        Reservation.objects.create(
            target=target, slot=SlotFactory(venue=venues.honchosha, hhmm=hhmm), channel=Channel.WEB
        )
    receive(supervisor, municipality, targets)

    def order_of(order):
        transfer = stock.transfer_to_venue(
            acting_user=supervisor,
            venue=venues.honchosha,
            order=order,
            reservation_nos=[t.reservation_no for t in targets],
        )
        numbers = [item.target.reservation_no for item in transfer_lines(transfer)]
        CardTarget.objects.filter(pk__in=[t.pk for t in targets]).update(
            card_state=CardState.IN_STOCK
        )
        return numbers

    assert order_of(LedgerOrder.RESERVATION_NO) == ["A0", "A1", "A2"]
    assert order_of(LedgerOrder.AREA) == ["A2", "A0", "A1"]
    assert order_of(LedgerOrder.BOOKING) == ["A1", "A2", "A0"]


def test_the_venue_receives_a_transfer_and_a_short_count_is_recorded(
    honcho_targets, venues, municipality, supervisor, venue_clerk
):
    receive(supervisor, municipality, honcho_targets)
    transfer = stock.transfer_to_venue(acting_user=supervisor, venue=venues.honchosha)
    received = stock.receive_transfer(acting_user=venue_clerk, transfer=transfer, counted=2)
    assert received.received_count == 2 and received.received_by == venue_clerk
    assert states(*honcho_targets) == [CardState.AT_VENUE] * 3
    assert received.hand_over.receiver_confirmed_by == venue_clerk
    events = honcho_targets[0].events.filter(kind=TargetEventKind.ARRIVED)
    assert events.get().venue == venues.honchosha
    with pytest.raises(ValidationError, match="受領済み"):
        stock.receive_transfer(acting_user=venue_clerk, transfer=transfer, counted=3)


def test_only_the_venue_receives_and_only_the_center_sends(
    honcho_targets, venues, municipality, supervisor, venue_clerk, staff
):
    receive(supervisor, municipality, honcho_targets)
    with pytest.raises(PermissionDenied):
        stock.transfer_to_venue(acting_user=venue_clerk, venue=venues.honchosha)
    transfer = stock.transfer_to_venue(acting_user=supervisor, venue=venues.honchosha)
    for user in (supervisor, staff):
        with pytest.raises(PermissionDenied):
            stock.receive_transfer(acting_user=user, transfer=transfer, counted=3)


def test_the_ledger_pdf_lists_each_card_twice_with_the_copy_mark(venues, municipality, supervisor):
    targets = [
        CardTargetFactory(
            municipality=municipality, reservation_no=f"L{n:03d}", name=f"江東 次郎{n}"
        )
        for n in range(3)
    ]
    receive(supervisor, municipality, targets)
    transfer = stock.transfer_to_venue(acting_user=supervisor, venue=venues.honchosha)
    text = pdftotext(stock.ledger_pdf(acting_user=supervisor, transfer=transfer))
    assert "各会場送付台帳" in text and "控え" in text and "送付用" in text
    for target in targets:
        assert text.count(target.reservation_no) == 2
        assert text.count(target.name) == 2
    assert text.index("L000") < text.index("L001") < text.index("L002")
    assert "3枚" in text
    record = ExportRecord.objects.get(file_format="pdf")
    assert record.count == 3
    assert AccessLogEntry.objects.filter(action="print", object_id=str(transfer.pk)).count() == 1


@pytest.fixture
def at_venue(venues, municipality, supervisor, venue_clerk):
    target = CardTargetFactory(municipality=municipality, status=TargetStatus.RESERVED)
    receive(supervisor, municipality, [target])
    transfer = stock.transfer_to_venue(acting_user=supervisor, venue=venues.honchosha)
    stock.receive_transfer(acting_user=venue_clerk, transfer=transfer, counted=1)
    target.refresh_from_db()
    return target


def test_issuing_needs_the_identity_check(at_venue, venue_clerk):
    with pytest.raises(ValidationError, match="本人確認が済んでいません"):
        stock.issue_card(acting_user=venue_clerk, target=at_venue, identity_checked=False)
    assert states(at_venue) == [CardState.AT_VENUE]


def test_issuing_marks_target_card_and_reservation(at_venue, venues, venue_clerk):
    booking = Reservation.objects.create(
        target=at_venue, slot=SlotFactory(venue=venues.honchosha), channel=Channel.PHONE
    )
    stock.issue_card(acting_user=venue_clerk, target=at_venue, identity_checked=True)
    at_venue.refresh_from_db()
    booking.refresh_from_db()
    assert (at_venue.status, at_venue.card_state) == (TargetStatus.ISSUED, CardState.ISSUED)
    assert booking.status == ReservationStatus.ATTENDED and booking.ended_by == venue_clerk
    assert at_venue.events.get(kind=TargetEventKind.ISSUED).venue == venues.honchosha
    with pytest.raises(ValidationError, match="会場にありません"):
        stock.issue_card(acting_user=venue_clerk, target=at_venue, identity_checked=True)


def test_a_moved_out_target_is_not_issued_the_card(at_venue, venue_clerk):
    CardTarget.objects.filter(pk=at_venue.pk).update(status=TargetStatus.MOVED_OUT)
    with pytest.raises(ValidationError, match="転出の方には交付できません"):
        stock.issue_card(acting_user=venue_clerk, target=at_venue, identity_checked=True)
    assert states(at_venue) == [CardState.AT_VENUE]


def test_a_card_not_at_the_venue_cannot_be_issued(venues, municipality, venue_clerk):
    target = CardTargetFactory(municipality=municipality)
    with pytest.raises(ValidationError, match="会場にありません"):
        stock.issue_card(acting_user=venue_clerk, target=target, identity_checked=True)


def test_return_and_failure(venues, municipality, supervisor, venue_clerk):
    returned, failed = CardTargetFactory.create_batch(2, municipality=municipality)
    receive(supervisor, municipality, [returned, failed])
    transfer = stock.transfer_to_venue(acting_user=supervisor, venue=venues.honchosha)
    stock.receive_transfer(acting_user=venue_clerk, transfer=transfer, counted=2)
    stock.return_card(acting_user=venue_clerk, target=returned, note="転出のため")
    with pytest.raises(ValidationError, match="理由"):
        stock.fail_issue(acting_user=venue_clerk, target=failed, reason="  ")
    stock.fail_issue(acting_user=venue_clerk, target=failed, reason="カード不良")
    returned.refresh_from_db()
    failed.refresh_from_db()
    assert returned.card_state == CardState.RETURNED
    assert (failed.status, failed.card_state, failed.failure_reason) == (
        TargetStatus.FAILED,
        CardState.FAILED,
        "カード不良",
    )
    assert returned.events.get(kind=TargetEventKind.RETURNED).note == "転出のため"


def test_the_desk_is_the_venue_clerks(at_venue, supervisor, card_operator):
    for user in (supervisor, card_operator):
        with pytest.raises(PermissionDenied):
            stock.issue_card(acting_user=user, target=at_venue, identity_checked=True)


def test_a_future_receipt_date_is_refused(honcho_targets, municipality, supervisor):
    with pytest.raises(ValidationError, match="未来"):
        stock.record_card_receipt(
            acting_user=supervisor,
            municipality=municipality,
            received_on=TODAY + dt.timedelta(days=1),
            declared_count=1,
            reservation_nos=[honcho_targets[0].reservation_no],
        )


@pytest.mark.postgres_only(reason="row locks between concurrent transactions")
@pytest.mark.django_db(transaction=True)
def test_racing_transfers_never_send_a_card_twice(venues, municipality, supervisor):
    targets = CardTargetFactory.create_batch(6, municipality=municipality)
    receive(supervisor, municipality, targets)
    results, errors = run_threads(
        4, lambda n: stock.transfer_to_venue(acting_user=supervisor, venue=venues.honchosha).pk
    )
    assert len(results) == 1 and len(errors) == 3
    assert all(isinstance(error, ValidationError) for error in errors)
    assert VenueTransfer.objects.get().card_count == 6
    assert VenueTransferItem.objects.values("target").distinct().count() == 6


@pytest.mark.postgres_only(reason="row locks between concurrent transactions")
@pytest.mark.django_db(transaction=True)
def test_racing_receipts_of_the_same_cards_record_them_once(venues, municipality, supervisor):
    targets = CardTargetFactory.create_batch(3, municipality=municipality)
    results, errors = run_threads(3, lambda n: receive(supervisor, municipality, targets).pk)
    assert len(results) == 1 and len(errors) == 2
    assert CardReceipt.objects.count() == 1
    assert states(*targets) == [CardState.IN_STOCK] * 3
