"""Bookings under real concurrency (PostgreSQL): twenty residents racing for a two-seat slot
get exactly two seats, and ten submits for one target make exactly one reservation. On SQLite
(which serialises writers) the same rules are checked one booking after another.

Threads share nothing but the database; each uses its own connection (closed at the end).
"""

from __future__ import annotations

import pytest
from django.db import connection

from civicdesk.cards.choices import Channel, ReservationStatus
from civicdesk.cards.models import Reservation, Slot
from civicdesk.cards.services import reservations as service
from civicdesk.cards.services.reservations import ReservationError
from tests.cards.factories import CardTargetFactory, SlotFactory
from tests.concurrency import run_threads

RESIDENTS = 20
SUBMITS = 10


def _slot(venues):
    return SlotFactory(venue=venues.honchosha, capacity_web=2)


def _book(target, slot):
    return service.book(acting_user=None, target=target, slot=slot, channel=Channel.WEB).pk


def _refusals(errors, message):
    assert all(isinstance(error, ReservationError) for error in errors), errors
    return sum(1 for error in errors if message in " ".join(error.messages))


@pytest.mark.postgres_only(reason="conditional UPDATEs racing between concurrent transactions")
@pytest.mark.django_db(transaction=True)
def test_twenty_residents_racing_for_two_seats_get_exactly_two(municipality, venues):
    slot = _slot(venues)
    targets = [CardTargetFactory(municipality=municipality) for _ in range(RESIDENTS)]
    booked, errors = run_threads(RESIDENTS, lambda n: _book(targets[n], slot))
    assert len(booked) == 2
    assert _refusals(errors, "満席") == RESIDENTS - 2
    assert Slot.objects.get(pk=slot.pk).booked_web == 2
    assert Reservation.objects.filter(slot=slot, status=ReservationStatus.BOOKED).count() == 2


@pytest.mark.postgres_only(reason="the partial unique index between concurrent transactions")
@pytest.mark.django_db(transaction=True)
def test_ten_submits_for_one_target_make_one_reservation(municipality, venues):
    slot = SlotFactory(venue=venues.honchosha, capacity_web=SUBMITS)
    target = CardTargetFactory(municipality=municipality)
    booked, errors = run_threads(SUBMITS, lambda n: _book(target, slot))
    assert len(booked) == 1
    assert _refusals(errors, "すでに予約があります") == SUBMITS - 1
    assert Reservation.objects.filter(target=target, status=ReservationStatus.BOOKED).count() == 1
    # the refused submits gave their seats back with their transactions
    assert Slot.objects.get(pk=slot.pk).booked_web == 1


@pytest.mark.django_db
def test_one_after_another_twenty_residents_get_two_seats_and_one_target_one_booking(
    municipality, venues
):
    """The same rules without threads (every database, SQLite included)."""
    if connection.vendor == "sqlite":
        print("SQLite serialises writers: the racing versions run in the PostgreSQL pass")
    slot = _slot(venues)
    errors, booked = [], []
    for _ in range(RESIDENTS):
        try:
            booked.append(_book(CardTargetFactory(municipality=municipality), slot))
        except ReservationError as error:
            errors.append(error)
    assert len(booked) == 2
    assert _refusals(errors, "満席") == RESIDENTS - 2
    assert Slot.objects.get(pk=slot.pk).booked_web == 2

    roomy = SlotFactory(venue=venues.honchosha, hhmm="11:00", capacity_web=SUBMITS)
    target = CardTargetFactory(municipality=municipality)
    errors, booked = [], []
    for _ in range(SUBMITS):
        try:
            booked.append(_book(target, roomy))
        except ReservationError as error:
            errors.append(error)
    assert len(booked) == 1
    assert _refusals(errors, "すでに予約があります") == SUBMITS - 1
    assert Slot.objects.get(pk=roomy.pk).booked_web == 1


@pytest.mark.postgres_only(reason="row locks of changes racing in opposite directions")
@pytest.mark.django_db(transaction=True)
def test_changes_swapping_two_slots_at_once_neither_deadlock_nor_lose_seats(municipality, venues):
    one = SlotFactory(venue=venues.honchosha, hhmm="10:00", capacity_web=RESIDENTS)
    two = SlotFactory(venue=venues.honchosha, hhmm="11:00", capacity_web=RESIDENTS)
    pairs = []
    for _ in range(SUBMITS):
        first = CardTargetFactory(municipality=municipality)
        second = CardTargetFactory(municipality=municipality)
        pairs.append((_book(first, one), _book(second, two)))

    def swap(n):
        mine = pairs[n // 2][n % 2]
        reservation = Reservation.objects.select_related("slot", "target").get(pk=mine)
        destination = two if reservation.slot_id == one.pk else one
        return service.change(
            acting_user=None, reservation=reservation, slot=destination, channel=Channel.WEB
        ).pk

    moved, errors = run_threads(2 * SUBMITS, swap)
    assert errors == []
    assert len(moved) == 2 * SUBMITS
    for slot in (one, two):
        held = Reservation.objects.filter(slot=slot, status=ReservationStatus.BOOKED).count()
        assert held == SUBMITS
        assert Slot.objects.get(pk=slot.pk).booked_web == held
