"""Card issuance's personal data reaches purge and verification through its declaration: a
whole purge takes targets, their events, reservations, ledger lines, calls and the recording
files; a purge of one revenue type leaves them; venues, slots, transfers (counts) and erasure
certificates stay; verification finds a purged name or 予約管理番号 copied elsewhere; cards on
their way to a venue hold the purge back."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from civicdesk.cards.choices import CallType, Channel, ReservationStatus
from civicdesk.cards.models import (
    Area,
    CallRecording,
    CardCall,
    CardTarget,
    Reservation,
    Slot,
    TargetEvent,
    Venue,
    VenueTransfer,
    VenueTransferItem,
)
from civicdesk.oversight.services import purge
from civicdesk.oversight.services import verification as purge_verification
from tests.cards.factories import CardTargetFactory, SlotFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NAME = "交付 花子"
NUMBER = "K000123456"


@pytest.fixture
def other_staff(municipality):
    return UserFactory(username="staff2", role="staff", municipality=municipality)


@pytest.fixture
def recordings_dir(settings, tmp_path):
    settings.CARDS_RECORDINGS_DIR = tmp_path / "recordings"
    return settings.CARDS_RECORDINGS_DIR


@pytest.fixture
def held(venues, municipality, card_operator, supervisor, recordings_dir):
    """A target with a reservation, an event, a ledger line, a call and its recording file."""
    target = CardTargetFactory(municipality=municipality, name=NAME, reservation_no=NUMBER)
    slot = SlotFactory(venue=venues.honchosha, booked_phone=1)
    Reservation.objects.create(
        target=target,
        slot=slot,
        channel=Channel.PHONE,
        status=ReservationStatus.BOOKED,
        contact_phone="090-1111-2222",
        booked_by=card_operator,
    )
    TargetEvent.objects.create(target=target, kind="reserved", by=card_operator)
    transfer = VenueTransfer.objects.create(
        municipality=municipality,
        venue=venues.honchosha,
        number=1,
        card_count=1,
        ledger_order="reservation_no",
        sent_by=supervisor,
        received_at=timezone.now(),
    )
    VenueTransferItem.objects.create(transfer=transfer, target=target, position=1)
    call = CardCall.objects.create(
        municipality=municipality,
        operator=card_operator,
        call_type=CallType.ISSUANCE,
        target=target,
        note="予約の変更",
    )
    audio = b"RIFF....WAVEfmt " + bytes(64)
    path = recordings_dir / "2026-06" / "call-1.wav"
    path.parent.mkdir(parents=True)
    path.write_bytes(audio)
    CallRecording.objects.create(
        municipality=municipality,
        call=call,
        call_type=CallType.ISSUANCE,
        recorded_at=timezone.now(),
        file_name="2026-06/call-1.wav",
        sha256=hashlib.sha256(audio).hexdigest(),
        size_bytes=len(audio),
        keep_until=dt.date(2026, 7, 31),
    )
    return target, path, transfer


def _plan(supervisor, other_staff, scope="all", revenue_type=""):
    plan = purge.plan_purge(
        acting_user=supervisor,
        scope=scope,
        revenue_type=revenue_type,
        planned_on=timezone.localdate(),
        reason="委託契約の終了",
    )
    return purge.approve_purge_plan(acting_user=other_staff, plan=plan)


def test_a_whole_purge_takes_targets_reservations_calls_and_recording_files(
    held, supervisor, other_staff
):
    _target, path, transfer = held
    plan = _plan(supervisor, other_staff)
    assert {
        key: plan.planned_counts[key] for key in plan.planned_counts if key.startswith("card_")
    } == {
        "card_recordings": 1,
        "card_calls": 1,
        "card_reservations": 1,
        "card_transfer_items": 1,
        "card_target_events": 1,
        "card_targets": 1,
    }
    plan = purge.execute_purge(acting_user=supervisor, plan=plan)
    for model in (CardTarget, Reservation, TargetEvent, VenueTransferItem, CardCall):
        assert not model.objects.exists(), model
    assert not CallRecording.objects.exists()
    assert not path.exists()
    # What holds no personal data stays: the venues, the table, the slots, the transfer's count.
    assert Venue.objects.count() == 3 and Area.objects.count() == 158
    assert Slot.objects.count() == 1
    assert VenueTransfer.objects.get(pk=transfer.pk).card_count == 1
    check = purge_verification.verify_purge(acting_user=other_staff, plan=plan)
    assert check.ok, check.findings


def test_a_purge_of_one_revenue_type_leaves_card_issuance_alone(held, supervisor, other_staff):
    _target, path, _transfer = held
    plan = _plan(supervisor, other_staff, scope="revenue_type", revenue_type="ltc")
    purge.execute_purge(acting_user=supervisor, plan=plan)
    assert CardTarget.objects.count() == 1 and CallRecording.objects.count() == 1
    assert path.exists()


def test_verification_finds_a_purged_name_left_in_a_venue_note(
    held, supervisor, other_staff, venues
):
    plan = purge.execute_purge(acting_user=supervisor, plan=_plan(supervisor, other_staff))
    venues.sogo.directions = f"{NAME}様の案内"  # a name copied where it does not belong
    venues.sogo.save()
    check = purge_verification.verify_purge(acting_user=other_staff, plan=plan)
    assert not check.ok
    assert any(finding["kind"] == "name" for finding in check.findings)


def test_cards_on_their_way_to_a_venue_hold_the_purge_back(held, supervisor, other_staff):
    _target, _path, transfer = held
    VenueTransfer.objects.filter(pk=transfer.pk).update(received_at=None)
    plan = _plan(supervisor, other_staff)
    with pytest.raises(purge.PurgeError, match="送付中"):
        purge.execute_purge(acting_user=supervisor, plan=plan)
    assert CardTarget.objects.filter(reservation_no=NUMBER).exists()


def test_a_recording_under_legal_hold_holds_the_purge_back(held, supervisor, other_staff):
    CallRecording.objects.update(legal_hold=True, hold_reason="捜査機関からの照会に対応中")
    plan = _plan(supervisor, other_staff)
    with pytest.raises(purge.PurgeError, match="法的保全"):
        purge.execute_purge(acting_user=supervisor, plan=plan)
    assert CallRecording.objects.count() == 1
