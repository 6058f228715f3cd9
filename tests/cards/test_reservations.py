"""Bookings through every channel (issue 18 §4, §5): the seat taken in the statement that
checks it, one active reservation per target, the target's own venue, no past slot, closed
targets refused, the web window and cut-off (not for the call center), events, statuses, the
access log for staff and no personal data in the public log; no-shows after the day."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from civicdesk.audit.models import AccessLogEntry
from civicdesk.cards.choices import (
    Channel,
    ReservationStatus,
    TargetEventKind,
    TargetStatus,
)
from civicdesk.cards.models import CardTarget, Reservation, Slot, TargetEvent
from civicdesk.cards.selectors.reservations import active_reservation
from civicdesk.cards.services import reservations as service
from civicdesk.cards.services.reservations import ReservationError
from civicdesk.core.calendar import TOKYO
from tests.cards.factories import CardTargetFactory, SlotFactory
from tests.conftest import TEST_NOW

pytestmark = pytest.mark.django_db

MON = dt.date(2026, 6, 15)


@pytest.fixture
def target(municipality, venues):
    """A target whose letter went out (its 発送 event)."""
    made = CardTargetFactory(municipality=municipality, status=TargetStatus.MAILED)
    TargetEvent.objects.create(target=made, kind=TargetEventKind.MAILED)
    return made


@pytest.fixture
def slot(venues):
    return SlotFactory(venue=venues.honchosha, day=MON)


def _fresh(slot):
    return Slot.objects.get(pk=slot.pk)


def _events(target):
    return list(TargetEvent.objects.filter(target=target).values_list("kind", "channel"))


# --- Booking -------------------------------------------------------------------------------


def test_a_web_booking_takes_a_web_seat_and_reserves_the_target(target, slot):
    reservation = service.book(
        acting_user=None, target=target, slot=slot, channel=Channel.WEB, contact_email="a@b.jp"
    )
    assert reservation.status == ReservationStatus.BOOKED
    assert reservation.booked_by is None
    seats = _fresh(slot)
    assert (seats.booked_web, seats.booked_phone, seats.booked_internal) == (1, 0, 0)
    target.refresh_from_db()
    assert target.status == TargetStatus.RESERVED
    assert _events(target)[1:] == [(TargetEventKind.RESERVED, Channel.WEB)]
    assert active_reservation(target) == reservation


@pytest.mark.parametrize(
    ("channel", "pool"),
    [(Channel.PHONE, "phone"), (Channel.FAX, "phone"), (Channel.INTERNAL, "internal")],
)
def test_each_channel_takes_a_seat_of_its_own_pool(target, slot, card_operator, channel, pool):
    service.book(acting_user=card_operator, target=target, slot=slot, channel=channel)
    seats = _fresh(slot)
    assert seats.booked(pool) == 1
    assert sum(seats.booked(p) for p in ("web", "phone", "internal")) == 1


def test_a_full_pool_refuses_and_nothing_is_written(municipality, venues, slot):
    first, second, third = (CardTargetFactory(municipality=municipality) for _ in range(3))
    service.book(acting_user=None, target=first, slot=slot, channel=Channel.WEB)
    service.book(acting_user=None, target=second, slot=slot, channel=Channel.WEB)
    with pytest.raises(ReservationError, match="この枠は満席です"):
        service.book(acting_user=None, target=third, slot=slot, channel=Channel.WEB)
    assert _fresh(slot).booked_web == 2 == slot.capacity_web
    assert not Reservation.objects.filter(target=third).exists()
    assert _events(third) == []
    third.refresh_from_db()
    assert third.status == TargetStatus.NOTICE_RECEIVED


def test_a_full_web_pool_leaves_the_call_centers_seats(municipality, venues, slot, card_operator):
    Slot.objects.filter(pk=slot.pk).update(booked_web=2)
    target = CardTargetFactory(municipality=municipality)
    service.book(acting_user=card_operator, target=target, slot=slot, channel=Channel.PHONE)
    assert _fresh(slot).booked_phone == 1


def test_the_seat_is_checked_and_taken_in_one_update(target, slot):
    with CaptureQueriesContext(connection) as queries:
        service.book(acting_user=None, target=target, slot=slot, channel=Channel.WEB)
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    seat = [sql for sql in updates if '"cards_slot"' in sql]
    assert len(seat) == 1
    assert '"booked_web" < ' in seat[0] or '"booked_web" < "' in seat[0]
    assert not [
        q
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and "cards_slot" in q["sql"].split("FROM")[1][:30]
    ]


def test_a_second_booking_for_the_same_target_is_refused(target, slot, venues):
    service.book(acting_user=None, target=target, slot=slot, channel=Channel.WEB)
    other = SlotFactory(venue=venues.honchosha, day=MON, hhmm="11:00")
    with pytest.raises(ReservationError, match="すでに予約があります"):
        service.book(acting_user=None, target=target, slot=other, channel=Channel.WEB)
    assert Reservation.objects.filter(target=target).count() == 1
    assert _fresh(other).booked_web == 0


def test_a_double_submit_racing_past_the_check_gives_one_reservation(target, slot, monkeypatch):
    """The second submit passes the early check (the first not yet committed, simulated by
    hiding it) and hits the database constraint: a clear error, its seat given back."""
    service.book(acting_user=None, target=target, slot=slot, channel=Channel.WEB)
    monkeypatch.setattr(service, "has_active_reservation", lambda _target: False)
    with pytest.raises(ReservationError, match="すでに予約があります"):
        service.book(acting_user=None, target=target, slot=slot, channel=Channel.WEB)
    assert Reservation.objects.filter(target=target).count() == 1
    assert _fresh(slot).booked_web == 1


def test_only_a_slot_at_the_targets_own_venue(target, venues):
    elsewhere = SlotFactory(venue=venues.sogo, day=MON)
    with pytest.raises(ReservationError, match="予約できるのは江東区役所２階の枠のみです"):
        service.book(acting_user=None, target=target, slot=elsewhere, channel=Channel.WEB)
    assert _fresh(elsewhere).booked_web == 0


def test_a_past_slot_is_refused_even_for_the_call_center(target, venues, card_operator):
    past = SlotFactory(venue=venues.honchosha, day=dt.date(2026, 6, 10), hhmm="09:00")
    with pytest.raises(ReservationError, match="過ぎた枠"):
        service.book(acting_user=card_operator, target=target, slot=past, channel=Channel.PHONE)


@pytest.mark.parametrize(
    "status", [TargetStatus.ISSUED, TargetStatus.MOVED_OUT, TargetStatus.FAILED]
)
def test_issued_moved_out_or_failed_targets_cannot_book(municipality, venues, slot, status):
    target = CardTargetFactory(municipality=municipality, status=status)
    with pytest.raises(ReservationError, match="交付済み・転出・交付不可の方は予約できません"):
        service.book(acting_user=None, target=target, slot=slot, channel=Channel.WEB)
    assert _fresh(slot).booked_web == 0


@pytest.mark.parametrize(
    ("day", "ok"),
    [
        (dt.date(2026, 6, 12), False),  # 2 days ahead
        (dt.date(2026, 6, 13), True),  # 3 days ahead: the first
        (dt.date(2026, 7, 25), True),  # 45 days ahead: the last
        (dt.date(2026, 7, 26), False),
    ],
)
def test_the_web_books_only_from_three_to_fortyfive_days_ahead(target, venues, day, ok):
    slot = SlotFactory(venue=venues.honchosha, day=day)
    if ok:
        service.book(acting_user=None, target=target, slot=slot, channel=Channel.WEB)
    else:
        with pytest.raises(ReservationError, match="WEBで予約できるのは"):
            service.book(acting_user=None, target=target, slot=slot, channel=Channel.WEB)
    assert _fresh(slot).booked_web == (1 if ok else 0)


def test_the_call_center_books_outside_the_web_window(target, venues, card_operator):
    tomorrow = SlotFactory(venue=venues.honchosha, day=dt.date(2026, 6, 11))
    service.book(acting_user=card_operator, target=target, slot=tomorrow, channel=Channel.PHONE)
    assert _fresh(tomorrow).booked_phone == 1


def test_days_ahead_are_tokyo_calendar_days(target, venues):
    """At 23:30 Tokyo on the 10th (14:30 UTC) a slot on the 13th is 3 days ahead."""
    slot = SlotFactory(venue=venues.honchosha, day=dt.date(2026, 6, 13), hhmm="08:30")
    late = dt.datetime(2026, 6, 10, 23, 30, tzinfo=TOKYO)
    service.book(acting_user=None, target=target, slot=slot, channel=Channel.WEB, now=late)
    assert _fresh(slot).booked_web == 1


def test_staff_bookings_are_in_the_access_log_web_ones_only_in_the_public_log(
    municipality, venues, slot, card_operator, caplog
):
    by_phone = CardTargetFactory(municipality=municipality)
    by_web = CardTargetFactory(municipality=municipality)
    service.book(acting_user=card_operator, target=by_phone, slot=slot, channel=Channel.PHONE)
    assert AccessLogEntry.objects.filter(
        actor=card_operator, object_type="cards.cardtarget", object_id=str(by_phone.pk)
    ).exists()
    before = AccessLogEntry.objects.count()
    with caplog.at_level(logging.INFO, logger="civicdesk.cards.public"):
        reservation = service.book(
            acting_user=None,
            target=by_web,
            slot=slot,
            channel=Channel.WEB,
            contact_email="taro@example.jp",
            contact_phone="09012345678",
        )
    assert AccessLogEntry.objects.count() == before
    public = [r for r in caplog.records if r.name == "civicdesk.cards.public"]
    assert len(public) == 1
    text = public[0].getMessage()
    assert f"id={reservation.pk}" in text and f"slot={slot.pk}" in text
    for personal in (
        by_web.name,
        by_web.reservation_no,
        "taro@example.jp",
        "09012345678",
        by_web.address,
        "1980",
    ):
        assert personal not in text


# --- Change --------------------------------------------------------------------------------


def test_a_change_takes_the_new_seat_and_gives_the_old_one_back(target, slot, venues):
    reservation = service.book(acting_user=None, target=target, slot=slot, channel=Channel.WEB)
    other = SlotFactory(venue=venues.honchosha, day=MON, hhmm="14:00")
    service.change(acting_user=None, reservation=reservation, slot=other, channel=Channel.WEB)
    assert (_fresh(slot).booked_web, _fresh(other).booked_web) == (0, 1)
    assert Reservation.objects.get(pk=reservation.pk).slot == other
    assert _events(target)[-1] == (TargetEventKind.CHANGED, Channel.WEB)


def test_a_change_to_a_full_slot_keeps_the_old_seat(municipality, target, slot, venues):
    reservation = service.book(acting_user=None, target=target, slot=slot, channel=Channel.WEB)
    full = SlotFactory(venue=venues.honchosha, day=MON, hhmm="14:00", booked_web=2)
    with pytest.raises(ReservationError, match="満席"):
        service.change(acting_user=None, reservation=reservation, slot=full, channel=Channel.WEB)
    assert (_fresh(slot).booked_web, _fresh(full).booked_web) == (1, 2)
    assert Reservation.objects.get(pk=reservation.pk).slot == slot


def test_the_call_center_moves_a_web_booking_into_its_own_pool(target, slot, card_operator):
    reservation = service.book(acting_user=None, target=target, slot=slot, channel=Channel.WEB)
    service.change(
        acting_user=card_operator, reservation=reservation, slot=slot, channel=Channel.PHONE
    )
    seats = _fresh(slot)
    assert (seats.booked_web, seats.booked_phone) == (0, 1)
    assert Reservation.objects.get(pk=reservation.pk).channel == Channel.PHONE


def test_the_web_cannot_change_or_cancel_after_the_cutoff_the_call_center_can(
    target, venues, card_operator
):
    soon = SlotFactory(venue=venues.honchosha, day=dt.date(2026, 6, 13))
    reservation = service.book(acting_user=None, target=target, slot=soon, channel=Channel.WEB)
    later = SlotFactory(venue=venues.honchosha, day=dt.date(2026, 6, 16))
    # On the 11th the slot of the 13th is 2 days away: still allowed; on the 12th not.
    with time_machine.travel(dt.datetime(2026, 6, 12, 9, tzinfo=TOKYO), tick=False):
        with pytest.raises(ReservationError, match="2日前まで"):
            service.change(
                acting_user=None, reservation=reservation, slot=later, channel=Channel.WEB
            )
        with pytest.raises(ReservationError, match="2日前まで"):
            service.cancel(acting_user=None, reservation=reservation, channel=Channel.WEB)
        service.cancel(acting_user=card_operator, reservation=reservation, channel=Channel.PHONE)
    assert _fresh(soon).booked_web == 0


def test_the_web_may_still_cancel_on_the_cutoff_day(target, venues):
    soon = SlotFactory(venue=venues.honchosha, day=dt.date(2026, 6, 13))
    reservation = service.book(acting_user=None, target=target, slot=soon, channel=Channel.WEB)
    on_cutoff = dt.datetime(2026, 6, 11, 23, 59, tzinfo=TOKYO)
    service.cancel(acting_user=None, reservation=reservation, channel=Channel.WEB, now=on_cutoff)
    assert Reservation.objects.get(pk=reservation.pk).status == ReservationStatus.CANCELLED


def test_a_change_to_the_same_slot_is_refused(target, slot):
    reservation = service.book(acting_user=None, target=target, slot=slot, channel=Channel.WEB)
    with pytest.raises(ReservationError, match="同じ枠"):
        service.change(acting_user=None, reservation=reservation, slot=slot, channel=Channel.WEB)


def test_a_stale_change_does_not_give_a_seat_back_twice(target, slot, venues):
    reservation = service.book(acting_user=None, target=target, slot=slot, channel=Channel.WEB)
    stale = Reservation.objects.get(pk=reservation.pk)
    one = SlotFactory(venue=venues.honchosha, day=MON, hhmm="11:00")
    two = SlotFactory(venue=venues.honchosha, day=MON, hhmm="12:00")
    service.change(acting_user=None, reservation=reservation, slot=one, channel=Channel.WEB)
    with pytest.raises(ReservationError, match="他の操作で変更"):
        service.change(acting_user=None, reservation=stale, slot=two, channel=Channel.WEB)
    assert [_fresh(s).booked_web for s in (slot, one, two)] == [0, 1, 0]


# --- Cancel --------------------------------------------------------------------------------


def test_cancel_gives_the_seat_back_and_the_status_it_had(target, slot, card_operator):
    reservation = service.book(acting_user=None, target=target, slot=slot, channel=Channel.WEB)
    service.cancel(acting_user=card_operator, reservation=reservation, channel=Channel.PHONE)
    assert _fresh(slot).booked_web == 0
    target.refresh_from_db()
    assert target.status == TargetStatus.MAILED
    assert _events(target)[-1] == (TargetEventKind.CANCELLED, Channel.PHONE)
    assert active_reservation(target) is None
    # a new booking is possible after a cancel
    service.book(acting_user=None, target=target, slot=slot, channel=Channel.WEB)


def test_cancelling_twice_is_refused_and_gives_back_one_seat(target, slot):
    reservation = service.book(acting_user=None, target=target, slot=slot, channel=Channel.WEB)
    stale = Reservation.objects.get(pk=reservation.pk)
    service.cancel(acting_user=None, reservation=reservation, channel=Channel.WEB)
    with pytest.raises(ReservationError, match="予約中ではありません"):
        service.cancel(acting_user=None, reservation=stale, channel=Channel.WEB)
    assert _fresh(slot).booked_web == 0


def test_status_without_reservation_follows_the_targets_facts(municipality, venues):
    fresh = CardTargetFactory(municipality=municipality)
    assert service.status_without_reservation(fresh) == TargetStatus.NOTICE_RECEIVED


# --- No-shows and attendance ---------------------------------------------------------------


def test_no_shows_after_the_day_make_the_targets_uncollected(municipality, venues, card_operator):
    day = dt.date(2026, 6, 11)
    slot = SlotFactory(venue=venues.honchosha, day=day)
    came, absent, cancelled = (CardTargetFactory(municipality=municipality) for _ in range(3))
    other_day = CardTargetFactory(municipality=municipality)
    Slot.objects.filter(pk=slot.pk).update(capacity_phone=5)
    r_came = service.book(acting_user=card_operator, target=came, slot=slot, channel=Channel.PHONE)
    r_absent = service.book(
        acting_user=card_operator, target=absent, slot=slot, channel=Channel.PHONE
    )
    r_cancelled = service.book(
        acting_user=card_operator, target=cancelled, slot=slot, channel=Channel.PHONE
    )
    next_day = SlotFactory(venue=venues.honchosha, day=dt.date(2026, 6, 12))
    r_other = service.book(
        acting_user=card_operator, target=other_day, slot=next_day, channel=Channel.PHONE
    )
    service.cancel(acting_user=card_operator, reservation=r_cancelled, channel=Channel.PHONE)
    with time_machine.travel(dt.datetime(2026, 6, 11, 10, tzinfo=TOKYO), tick=False):
        service.mark_attended(acting_user=card_operator, reservation=r_came)
    with time_machine.travel(dt.datetime(2026, 6, 12, 8, tzinfo=TOKYO), tick=False):
        marked = service.mark_no_shows(acting_user=None, municipality=municipality, day=day)
    assert marked == 1
    statuses = {
        r.pk: Reservation.objects.get(pk=r.pk).status
        for r in (r_came, r_absent, r_cancelled, r_other)
    }
    assert statuses == {
        r_came.pk: ReservationStatus.ATTENDED,
        r_absent.pk: ReservationStatus.NO_SHOW,
        r_cancelled.pk: ReservationStatus.CANCELLED,
        r_other.pk: ReservationStatus.BOOKED,
    }
    assert CardTarget.objects.get(pk=absent.pk).status == TargetStatus.UNCOLLECTED
    assert CardTarget.objects.get(pk=came.pk).status == TargetStatus.RESERVED
    assert _events(absent)[-1] == (TargetEventKind.NO_SHOW, Channel.PHONE)
    # after a no-show a cancelled new booking returns to 未受領
    assert service.status_without_reservation(absent) == TargetStatus.UNCOLLECTED


def test_no_shows_cannot_be_marked_before_the_day_is_over(municipality, venues):
    with pytest.raises(ReservationError, match="まだ終わっていません"):
        service.mark_no_shows(acting_user=None, municipality=municipality, day=TEST_NOW.date())


def test_attendance_is_refused_before_the_reservations_day(target, slot, venue_clerk):
    reservation = service.book(acting_user=None, target=target, slot=slot, channel=Channel.WEB)
    with pytest.raises(ReservationError, match="予約日より前"):
        service.mark_attended(acting_user=venue_clerk, reservation=reservation)


# --- Commands ------------------------------------------------------------------------------


def _run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("cards", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_mark_no_shows_command_defaults_to_yesterday(municipality, venues, card_operator):
    yesterday = SlotFactory(venue=venues.honchosha, day=dt.date(2026, 6, 9))
    absent = CardTargetFactory(municipality=municipality)
    Reservation.objects.create(target=absent, slot=yesterday, channel=Channel.PHONE)
    Slot.objects.filter(pk=yesterday.pk).update(booked_phone=1)
    code, out, _ = _run("mark-no-shows", "--json")
    assert code == 0
    assert json.loads(out) == {"day": "2026-06-09", "no_shows": 1}
    assert Reservation.objects.get(target=absent).status == ReservationStatus.NO_SHOW


def test_mark_no_shows_command_refuses_today(municipality, venues):
    code, _, err = _run("mark-no-shows", "--day", "2026-06-10")
    assert code == 1
    assert "まだ終わっていません" in err


def test_open_slots_command_makes_a_weeks_slots(municipality, venues):
    code, out, _ = _run(
        "open-slots", "--venue", "toyosu", "--from", "2026-06-15", "--to", "2026-06-21", "--json"
    )
    assert code == 0
    assert json.loads(out)["created"] == 5 * 17  # Monday to Friday, 08:30-17:00 in 30 min
    code, _, err = _run("open-slots", "--venue", "toyosu", "--from", "2026-06-15", "--to", "x")
    assert (code, err) == (1, "--to: 日付は YYYY-MM-DD で指定してください: x\n")
    code, _, err = _run(
        "open-slots", "--venue", "nowhere", "--from", "2026-06-15", "--to", "2026-06-16"
    )
    assert code == 1
    assert "会場 nowhere はありません" in err


@override_settings(CARDS_WEB_CUTOFF_DAYS=0, CARDS_WEB_FIRST_DAY=1)
def test_the_web_window_and_cutoff_follow_the_settings(target, venues):
    tomorrow = SlotFactory(venue=venues.honchosha, day=dt.date(2026, 6, 11))
    reservation = service.book(acting_user=None, target=target, slot=tomorrow, channel=Channel.WEB)
    on_the_day = dt.datetime(2026, 6, 11, 8, tzinfo=TOKYO)
    service.cancel(acting_user=None, reservation=reservation, channel=Channel.WEB, now=on_the_day)
    assert _fresh(tomorrow).booked_web == 0
