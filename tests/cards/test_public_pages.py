"""The public site's pages after sign-in: the target's own venue, its slots by day (full ones
shown 満席 and not selectable), book with an optional contact, change, cancel until the web
cut-off; a full slot, another venue's slot (id tampering), a slot outside the web window and a
double submit are refused with nothing written; no page shows the resident's name or address."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from civicdesk.cards.choices import Channel, ReservationStatus
from civicdesk.cards.models import Reservation, Slot
from civicdesk.cards.services.reservations import book
from tests.cards.factories import CardTargetFactory, SlotFactory
from tests.cards.factories_public import public_site, sign_in_form  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_site")]

BIRTH = dt.date(1975, 11, 3)
MONDAY = dt.date(2026, 6, 15)  # 5 days after the pinned Wednesday: inside the web window


@pytest.fixture
def target(venues, municipality):
    return CardTargetFactory(
        municipality=municipality,
        reservation_no="K000000555",
        birth_date=BIRTH,
        name="深川 花子",
        kana="フカガワ ハナコ",
        town="東陽",
        chome=4,
        address="東京都江東区東陽4丁目9番17号",
    )


@pytest.fixture
def slots(venues):
    honchosha = venues.honchosha
    return {
        "first": SlotFactory(venue=honchosha, day=MONDAY, hhmm="10:00"),
        "second": SlotFactory(venue=honchosha, day=MONDAY, hhmm="10:30"),
        "next_day": SlotFactory(venue=honchosha, day=MONDAY + dt.timedelta(days=1)),
        "full": SlotFactory(
            venue=honchosha, day=MONDAY, hhmm="11:00", capacity_web=1, booked_web=1
        ),
        "elsewhere": SlotFactory(venue=venues.sogo, day=MONDAY, hhmm="10:00"),
        "tomorrow": SlotFactory(venue=honchosha, day=dt.date(2026, 6, 11)),
    }


@pytest.fixture
def resident(client, target):
    assert sign_in_form(client, "K000000555", BIRTH).status_code == 302
    return client


def _book(client, slot, **contact):
    return client.post("/yoyaku/book/", {"slot": slot.pk, **contact})


def test_home_shows_the_own_venue_and_no_reservation_yet(resident, target, slots):
    html = resident.get("/yoyaku/menu/").content.decode()
    assert "江東区役所２階" in html and "江東区東陽4-11-28" in html
    assert "東陽町駅" in html
    assert "予約はまだありません" in html


def test_the_slots_are_the_own_venues_by_day_with_full_ones_not_selectable(resident, slots):
    response = resident.get("/yoyaku/slots/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<fieldset class="yoyaku-day">') == 2  # Monday and Tuesday
    assert f'value="{slots["first"].pk}"' in html
    assert f'value="{slots["full"].pk}" id="slot-{slots["full"].pk}" disabled' in html
    assert "満席" in html
    assert f'value="{slots["elsewhere"].pk}"' not in html
    assert f'value="{slots["tomorrow"].pk}"' not in html  # inside the first days: call center


def test_booking_takes_a_web_seat_and_keeps_the_contact_for_the_reminder(
    resident, target, slots, caplog
):
    with caplog.at_level(logging.INFO, logger="civicdesk.cards.public"):
        response = _book(resident, slots["first"], contact_email="hanako@example.jp")
    assert response.status_code == 302 and response["Location"] == "/yoyaku/menu/"
    reservation = Reservation.objects.get(target=target)
    assert reservation.channel == Channel.WEB
    assert reservation.contact_email == "hanako@example.jp" and reservation.contact_phone == ""
    assert Slot.objects.get(pk=slots["first"].pk).booked_web == 1
    home = resident.get("/yoyaku/menu/").content.decode()
    assert "予約しました" in home and "10:00〜10:30" in home
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert f"id={reservation.pk}" in logged
    assert "K000000555" not in logged and "hanako" not in logged and "深川" not in logged


def test_a_phone_number_is_stored_normalised(resident, target, slots):
    _book(resident, slots["first"], contact_phone="090-1234-5678")
    assert Reservation.objects.get(target=target).contact_phone == "+819012345678"


def test_both_an_email_and_a_phone_are_refused(resident, target, slots):
    response = _book(
        resident, slots["first"], contact_email="a@example.jp", contact_phone="09012345678"
    )
    assert response.status_code == 400
    assert "どちらか一方だけ" in response.content.decode()
    assert not Reservation.objects.exists()


def test_a_double_submit_gives_one_reservation(resident, target, slots):
    first = _book(resident, slots["first"])
    second = _book(resident, slots["first"])
    assert first.status_code == second.status_code == 302
    assert Reservation.objects.filter(target=target).count() == 1
    assert Slot.objects.get(pk=slots["first"].pk).booked_web == 1


def test_a_full_slot_is_refused_and_nothing_is_written(resident, target, slots):
    response = _book(resident, slots["full"])
    assert response.status_code == 400
    assert "満席です" in response.content.decode()
    assert not Reservation.objects.exists()
    assert Slot.objects.get(pk=slots["full"].pk).booked_web == 1


def test_another_venues_slot_by_id_tampering_is_refused(resident, target, slots):
    response = _book(resident, slots["elsewhere"])
    assert response.status_code == 400
    assert "江東区役所２階の枠のみです" in response.content.decode()
    assert not Reservation.objects.exists()
    assert Slot.objects.get(pk=slots["elsewhere"].pk).booked_web == 0


def test_a_slot_before_the_web_window_is_refused(resident, target, slots):
    response = _book(resident, slots["tomorrow"])
    assert response.status_code == 400
    assert "コールセンターにお電話ください" in response.content.decode()
    assert not Reservation.objects.exists()


def test_an_unknown_slot_id_is_refused(resident, slots):
    response = resident.post("/yoyaku/book/", {"slot": 999999})
    assert response.status_code == 400
    assert "この枠は選べません" in response.content.decode()


def test_change_moves_the_seat(resident, target, slots):
    _book(resident, slots["first"])
    page = resident.get("/yoyaku/slots/").content.decode()
    assert "日時の変更" in page and 'action="/yoyaku/change/"' in page
    response = resident.post("/yoyaku/change/", {"slot": slots["next_day"].pk})
    assert response.status_code == 302
    reservation = Reservation.objects.get(target=target, status=ReservationStatus.BOOKED)
    assert reservation.slot_id == slots["next_day"].pk
    assert Slot.objects.get(pk=slots["first"].pk).booked_web == 0
    assert Slot.objects.get(pk=slots["next_day"].pk).booked_web == 1
    # The same change sent twice: still one reservation, the seat taken once.
    assert resident.post("/yoyaku/change/", {"slot": slots["next_day"].pk}).status_code == 302
    assert Slot.objects.get(pk=slots["next_day"].pk).booked_web == 1


def test_change_to_a_full_slot_is_refused(resident, target, slots):
    _book(resident, slots["first"])
    response = resident.post("/yoyaku/change/", {"slot": slots["full"].pk})
    assert response.status_code == 400
    assert "満席です" in response.content.decode()
    assert Reservation.objects.get(target=target).slot_id == slots["first"].pk


def test_cancel_gives_the_seat_back(resident, target, slots):
    _book(resident, slots["first"])
    assert "予約の取消" in resident.get("/yoyaku/cancel/").content.decode()
    response = resident.post("/yoyaku/cancel/")
    assert response.status_code == 302
    assert Reservation.objects.get(target=target).status == ReservationStatus.CANCELLED
    assert Slot.objects.get(pk=slots["first"].pk).booked_web == 0
    assert "予約を取り消しました" in resident.get("/yoyaku/menu/").content.decode()


def test_past_the_cut_off_change_and_cancel_are_refused_with_the_call_center(
    resident, target, slots, card_operator
):
    # The call center booked tomorrow's slot (it may); the web may no longer move it.
    book(acting_user=card_operator, target=target, slot=slots["tomorrow"], channel=Channel.PHONE)
    home = resident.get("/yoyaku/menu/").content.decode()
    assert "2日前までです" in home and "コールセンターへお電話ください" in home
    assert 'href="/yoyaku/cancel/"' not in home
    assert resident.get("/yoyaku/slots/").status_code == 302
    refused = resident.post("/yoyaku/change/", {"slot": slots["first"].pk})
    assert refused.status_code == 302
    assert "2日前まで" in resident.get("/yoyaku/menu/").content.decode()
    assert resident.post("/yoyaku/cancel/").status_code == 400
    reservation = Reservation.objects.get(target=target)
    assert reservation.status == ReservationStatus.BOOKED
    assert reservation.slot_id == slots["tomorrow"].pk


def test_pages_need_a_sign_in(client, slots):
    for path in ("/yoyaku/menu/", "/yoyaku/slots/", "/yoyaku/cancel/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/yoyaku/"
    response = client.post("/yoyaku/book/", {"slot": slots["first"].pk})
    assert response.status_code == 302 and not Reservation.objects.exists()


def test_no_page_shows_the_residents_name_or_address(client, target, slots):
    seen = [client.get("/yoyaku/")]
    seen.append(sign_in_form(client, "K000000555", dt.date(1975, 11, 4)))
    seen.append(sign_in_form(client, "K000000555", BIRTH))
    for step in (
        lambda: client.get("/yoyaku/menu/"),
        lambda: client.get("/yoyaku/slots/"),
        lambda: _book(client, slots["full"]),
        lambda: _book(client, slots["first"], contact_email="hanako@example.jp"),
        lambda: client.get("/yoyaku/menu/"),
        lambda: client.get("/yoyaku/slots/"),
        lambda: client.post("/yoyaku/change/", {"slot": slots["second"].pk}),
        lambda: client.get("/yoyaku/cancel/"),
        lambda: client.post("/yoyaku/cancel/"),
        lambda: client.get("/yoyaku/menu/"),
    ):
        seen.append(step())
    personal = ["深川 花子", "深川", "花子", "フカガワ", "東陽4丁目9番17号", "9番17号"]
    for response in seen:
        text = response.content.decode() + " ".join(f"{k}: {v}" for k, v in response.items())
        for fact in personal:
            assert fact not in text, (response.request["PATH_INFO"], fact)


def test_personal_pages_are_noindex_and_never_cached(resident, slots):
    for path in ("/yoyaku/menu/", "/yoyaku/slots/"):
        response = resident.get(path)
        assert response["X-Robots-Tag"].startswith("noindex")
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        assert '<meta name="robots" content="noindex' in response.content.decode()


def test_a_target_whose_card_is_issued_signs_in_but_cannot_book(resident, target, slots):
    target.status = "issued"
    target.save()
    home = resident.get("/yoyaku/menu/").content.decode()
    assert "現在予約できません" in home and 'href="/yoyaku/slots/"' not in home
    assert resident.get("/yoyaku/slots/").status_code == 302
    assert _book(resident, slots["first"]).status_code == 302  # back home, nothing booked
    assert not Reservation.objects.exists()
