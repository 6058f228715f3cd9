"""Slots from each venue's calendar (issue 18 §4): 30-minute steps within the day's hours on
open days only, seats from the venue, idempotent; staff change seats, never below those taken;
the bookable slots per channel (the target's venue, the web window, free seats in the pool)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from civicdesk.audit.models import AccessLogEntry
from civicdesk.cards.choices import Channel
from civicdesk.cards.models import Slot, Venue
from civicdesk.cards.selectors.slots import bookable_slots, slot_days, web_window
from civicdesk.cards.services.slots import SlotError, change_capacity, open_slots
from civicdesk.core.calendar import TOKYO
from civicdesk.core.models.calendar import DesignatedDay
from tests.cards.factories import CardTargetFactory, SlotFactory
from tests.conftest import TEST_NOW, sign_in
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

WED = dt.date(2026, 6, 10)
SAT = dt.date(2026, 6, 13)
MON = dt.date(2026, 6, 15)


def _local(slot):
    return slot.starts_at.astimezone(TOKYO)


def _expected_starts(day, opens, closes, minutes):
    at = dt.datetime.combine(day, opens, tzinfo=TOKYO)
    end = dt.datetime.combine(day, closes, tzinfo=TOKYO)
    starts = []
    while at + dt.timedelta(minutes=minutes) <= end:
        starts.append(at)
        at += dt.timedelta(minutes=minutes)
    return starts


def test_a_weekday_gets_slots_in_the_venues_steps_within_its_hours(venues, staff):
    made = open_slots(acting_user=staff, venue=venues.honchosha, start=MON, end=MON)
    expected = _expected_starts(MON, dt.time(8, 30), dt.time(17, 0), 30)
    slots = list(Slot.objects.filter(venue=venues.honchosha).order_by("starts_at"))
    assert made == len(expected) == 17
    assert [slot.starts_at for slot in slots] == expected
    assert all(slot.ends_at - slot.starts_at == dt.timedelta(minutes=30) for slot in slots)
    first = slots[0]
    venue = venues.honchosha
    assert (first.capacity_web, first.capacity_phone, first.capacity_internal) == (
        venue.seats_web,
        venue.seats_phone,
        venue.seats_internal,
    )
    assert AccessLogEntry.objects.filter(actor=staff, object_type="cards.venue").exists()


def test_closed_days_get_no_slots_and_a_designated_day_does(venues, staff):
    venue = venues.sogo
    # Saturday 13 and Sunday 14 are closed; open the Saturday as a designated day 9:00-12:00.
    DesignatedDay.objects.create(
        calendar=venue.calendar, date=SAT, start=dt.time(9), end=dt.time(12), label="休日開庁"
    )
    made = open_slots(acting_user=staff, venue=venue, start=SAT, end=dt.date(2026, 6, 14))
    days = {_local(slot).date() for slot in Slot.objects.filter(venue=venue)}
    assert days == {SAT}
    assert made == len(_expected_starts(SAT, dt.time(9), dt.time(12), 30)) == 6


def test_a_slot_that_would_run_past_closing_is_not_made(venues, staff):
    venue = venues.toyosu
    venue.slot_minutes = 45
    venue.save()
    open_slots(acting_user=staff, venue=venue, start=MON, end=MON)
    last = Slot.objects.filter(venue=venue).order_by("starts_at").last()
    assert last.ends_at <= dt.datetime.combine(MON, dt.time(17), tzinfo=TOKYO)
    assert Slot.objects.filter(venue=venue).count() == (17 * 60 - 8 * 60 - 30) // 45


def test_opening_again_keeps_existing_slots_and_their_seats(venues, staff):
    venue = venues.honchosha
    open_slots(acting_user=staff, venue=venue, start=MON, end=MON)
    slot = Slot.objects.filter(venue=venue).order_by("starts_at").first()
    change_capacity(acting_user=staff, slot=slot, web=1)
    again = open_slots(acting_user=staff, venue=venue, start=MON, end=dt.date(2026, 6, 16))
    assert again == 17  # only Tuesday's
    slot.refresh_from_db()
    assert slot.capacity_web == 1
    assert Slot.objects.filter(venue=venue).count() == 34


def test_end_before_start_is_refused(venues, staff):
    with pytest.raises(SlotError, match="終了日"):
        open_slots(acting_user=staff, venue=venues.honchosha, start=MON, end=WED)


def test_capacity_never_goes_below_the_seats_taken(venues, staff):
    slot = SlotFactory(venue=venues.honchosha, capacity_web=4, booked_web=3)
    with pytest.raises(SlotError, match="予約済みの3席"):
        change_capacity(acting_user=staff, slot=slot, web=2)
    slot.refresh_from_db()
    assert slot.capacity_web == 4
    changed = change_capacity(acting_user=staff, slot=slot, web=3, phone=0)
    assert (changed.capacity_web, changed.capacity_phone) == (3, 0)


def test_a_negative_capacity_is_refused(venues, staff):
    slot = SlotFactory(venue=venues.honchosha)
    with pytest.raises(SlotError, match="0以上"):
        change_capacity(acting_user=staff, slot=slot, internal=-1)


def test_web_window_is_three_to_fortyfive_days_by_default():
    assert web_window(TEST_NOW) == (dt.date(2026, 6, 13), dt.date(2026, 7, 25))


@override_settings(CARDS_WEB_FIRST_DAY=1, CARDS_WEB_LAST_DAY=10)
def test_web_window_follows_the_settings():
    assert web_window(TEST_NOW) == (dt.date(2026, 6, 11), dt.date(2026, 6, 20))


def test_bookable_slots_are_the_targets_venue_in_the_channels_window_with_free_seats(
    venues, municipality
):
    target = CardTargetFactory(municipality=municipality)  # 東陽4丁目 → 本庁舎
    home = venues.honchosha
    too_soon = SlotFactory(venue=home, day=dt.date(2026, 6, 12))
    in_window = SlotFactory(venue=home, day=MON)
    web_full = SlotFactory(venue=home, day=MON, hhmm="10:30", booked_web=2)
    too_late = SlotFactory(venue=home, day=dt.date(2026, 7, 27))
    last_day = SlotFactory(venue=home, day=dt.date(2026, 7, 25), hhmm="16:30")
    past = SlotFactory(venue=home, day=WED, hhmm="09:00")
    SlotFactory(venue=venues.sogo, day=MON)

    web = bookable_slots(target, Channel.WEB, now=TEST_NOW)
    assert web == [in_window, last_day]
    phone = bookable_slots(target, Channel.PHONE, now=TEST_NOW)
    assert phone == [too_soon, in_window, web_full, last_day, too_late]
    assert past not in phone


def test_slot_days_group_by_tokyo_day(venues):
    home = venues.honchosha
    late = SlotFactory(venue=home, day=MON, hhmm="16:30")
    early = SlotFactory(venue=home, day=MON, hhmm="08:30")
    other = SlotFactory(venue=home, day=dt.date(2026, 6, 16), hhmm="08:30")
    days = slot_days([early, late, other])
    assert [(day.date, day.slots) for day in days] == [
        (MON, [early, late]),
        (dt.date(2026, 6, 16), [other]),
    ]


# --- The slots page ------------------------------------------------------------------------

SLOT_VIEWERS = {"card_operator", "venue_clerk", "supervisor", "staff", "inspector"}
ALL_ROLES = [
    "operator",
    "visitor",
    "reception",
    "counter_clerk",
    "cashier",
    "card_operator",
    "venue_clerk",
    "supervisor",
    "staff",
    "inspector",
    "admin",
]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_may_see_open_and_resize_slots(client, users_by_role, venues, role):
    slot = SlotFactory(venue=venues.honchosha)
    sign_in(client, users_by_role[role])
    assert client.get(reverse("cards:slots")).status_code == (200 if role in SLOT_VIEWERS else 403)
    opened = client.post(
        reverse("cards:slots_open"),
        {"venue": "honchosha", "start": "2026-06-16", "end": "2026-06-16"},
    )
    assert opened.status_code == (302 if role == "staff" else 403)
    resized = client.post(reverse("cards:slot_capacity", args=[slot.pk]), {"web": 5})
    assert resized.status_code == (302 if role == "staff" else 403)


def test_staff_open_a_venues_slots_and_see_them_by_week(client, staff, venues):
    sign_in(client, staff)
    response = client.post(
        reverse("cards:slots_open"),
        {"venue": "sogo", "start": "2026-06-15", "end": "2026-06-16"},
    )
    assert response.status_code == 302
    assert Slot.objects.filter(venue=venues.sogo).count() == 2 * 17
    page = client.get(response.url)
    assert "34枠作成しました" in page.content.decode()
    days = page.context["days"]
    assert [day.date for day in days] == [MON, dt.date(2026, 6, 16)]


def test_staff_change_seats_on_the_page_never_below_those_taken(client, staff, venues):
    slot = SlotFactory(venue=venues.honchosha, capacity_web=4, booked_web=3)
    sign_in(client, staff)
    url = reverse("cards:slot_capacity", args=[slot.pk])
    page = client.post(url, {"web": 1, "phone": 1, "internal": 1}, follow=True)
    assert "予約済みの3席より少なくできません" in page.content.decode()
    slot.refresh_from_db()
    assert slot.capacity_web == 4
    client.post(url, {"web": 8, "phone": 0, "internal": 2})
    slot.refresh_from_db()
    assert (slot.capacity_web, slot.capacity_phone, slot.capacity_internal) == (8, 0, 2)


def test_another_municipalitys_slot_is_a_404(client, staff, venues):
    slot = SlotFactory(venue=venues.honchosha)
    Venue.objects.filter(pk=venues.honchosha.pk).update(
        municipality=MunicipalityFactory(code="999997", name="他区")
    )
    sign_in(client, staff)
    assert (
        client.post(reverse("cards:slot_capacity", args=[slot.pk]), {"web": 1}).status_code == 404
    )
    assert client.get(reverse("cards:slots"), {"venue": "honchosha"}).status_code == 404
