"""The call center's pages (issue 18 §5): who may open each; finding a target by 予約管理番号 or
name + birth date (logged as a search); booking, changing and cancelling by phone or FAX with the
call type recorded, also after the web cut-off; a full slot refused on the page; a call without
a target; another municipality's target is a 404; the supervisor's day of calls by type."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.cards.choices import (
    CallType,
    Channel,
    ReservationStatus,
    TargetEventKind,
    TargetStatus,
)
from civicdesk.cards.models import CardCall, Reservation, Slot, TargetEvent
from civicdesk.cards.services import calls
from civicdesk.cards.services import reservations as service
from civicdesk.cards.services.calls import CallError
from civicdesk.core.calendar import TOKYO
from tests.cards.factories import CardTargetFactory, SlotFactory
from tests.conftest import sign_in
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

TOMORROW = dt.date(2026, 6, 11)
CENTER = {"card_operator", "supervisor"}
ROLES = [
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


@pytest.fixture
def target(municipality, venues):
    """A target whose letter went out (its 発送 event)."""
    made = CardTargetFactory(
        municipality=municipality,
        name="江東 花子",
        kana="コウトウ ハナコ",
        birth_date=dt.date(1975, 3, 3),
        status=TargetStatus.MAILED,
    )
    TargetEvent.objects.create(target=made, kind=TargetEventKind.MAILED)
    return made


@pytest.fixture
def slot(venues):
    return SlotFactory(venue=venues.honchosha, day=TOMORROW, hhmm="10:00")


def _status_of(client, url, method="get", data=None):
    response = getattr(client, method)(url, data or {})
    return response.status_code


# --- Permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_call_center_pages(client, users_by_role, target, role):
    sign_in(client, users_by_role[role])
    expected = 200 if role in CENTER else 403
    assert _status_of(client, reverse("cards:call_center")) == expected
    assert _status_of(client, reverse("cards:call_center_target", args=[target.pk])) == expected
    calls = 200 if role == "supervisor" else 403
    assert _status_of(client, reverse("cards:calls")) == calls


@pytest.mark.parametrize("role", ROLES)
def test_who_may_post_to_the_call_center(client, users_by_role, target, role):
    sign_in(client, users_by_role[role])
    for name in ("call_center_reserve", "call_center_cancel", "call_center_target_call"):
        status = _status_of(client, reverse(f"cards:{name}", args=[target.pk]), "post")
        assert (status == 403) == (role not in CENTER), (name, status)
    assert (_status_of(client, reverse("cards:call_center_call"), "post") == 403) == (
        role not in CENTER
    )


def test_anonymous_is_sent_to_sign_in_or_refused(client, target):
    for url in (
        reverse("cards:call_center"),
        reverse("cards:call_center_target", args=[target.pk]),
        reverse("cards:calls"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response.url


def test_the_pages_answer_405_to_the_wrong_method(client, card_operator, target):
    sign_in(client, card_operator)
    assert client.post(reverse("cards:call_center")).status_code == 405
    assert client.get(reverse("cards:call_center_reserve", args=[target.pk])).status_code == 405


def test_another_municipalitys_target_is_a_404(client, card_operator, venues):
    elsewhere = MunicipalityFactory(code="999999", name="他市")
    # the other city's target (its venue table is not loaded: borrowed for the test)
    area = venues.honchosha.areas.first()
    other = CardTargetFactory(municipality=elsewhere, area=area, venue=venues.honchosha)
    sign_in(client, card_operator)
    assert client.get(reverse("cards:call_center_target", args=[other.pk])).status_code == 404
    assert client.get(reverse("cards:call_center"), {"no": other.reservation_no}).status_code == 200


# --- Finding -------------------------------------------------------------------------------


def test_a_number_found_opens_the_targets_page_and_is_logged_as_a_search(
    client, card_operator, target
):
    sign_in(client, card_operator)
    typed = "ｋ" + target.reservation_no[1:].translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    response = client.get(reverse("cards:call_center"), {"no": typed})
    assert response.status_code == 302
    assert response.url == reverse("cards:call_center_target", args=[target.pk])
    assert AccessLogEntry.objects.filter(
        actor=card_operator, action=AccessAction.SEARCH, reason__contains="予約管理番号、1件"
    ).exists()


def test_name_and_birth_date_find_the_target_and_leave_a_lookup_event(
    client, card_operator, target, municipality
):
    CardTargetFactory(municipality=municipality, name="江東 花子", birth_date=dt.date(1990, 1, 1))
    sign_in(client, card_operator)
    response = client.get(
        reverse("cards:call_center"), {"name": "コウトウハナコ", "birth_date": "1975-03-03"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert target.reservation_no in page and "江東 花子" in page
    assert page.count("call-center/") >= 1
    assert "1 件" in page
    assert target.events.filter(kind="looked_up", by=card_operator).count() == 1
    assert AccessLogEntry.objects.filter(
        actor=card_operator, action=AccessAction.SEARCH, reason__contains="氏名・生年月日、1件"
    ).exists()


def test_a_search_without_number_or_name_and_birth_date_asks_for_them(client, card_operator):
    sign_in(client, card_operator)
    response = client.get(reverse("cards:call_center"), {"name": "江東"})
    assert "予約管理番号、または氏名と生年月日を入力してください。" in response.content.decode()
    assert not AccessLogEntry.objects.filter(action=AccessAction.SEARCH).exists()


def test_an_unknown_number_says_so(client, card_operator, venues):
    sign_in(client, card_operator)
    response = client.get(reverse("cards:call_center"), {"no": "K999999999"})
    assert "該当する方はいません" in response.content.decode()


# --- The target's page ---------------------------------------------------------------------


def test_the_target_page_shows_what_the_call_needs_and_logs_it(client, card_operator, target, slot):
    sign_in(client, card_operator)
    response = client.get(reverse("cards:call_center_target", args=[target.pk]))
    page = response.content.decode()
    for shown in (target.reservation_no, "江東 花子", "コウトウ ハナコ", target.address, "本庁舎"):
        assert shown in page
    assert f'value="{slot.pk}"' in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "each form's fields have their own ids"
    entry = AccessLogEntry.objects.get(
        actor=card_operator, action=AccessAction.VIEW, object_id=str(target.pk)
    )
    assert "住所" in entry.fields


def test_booking_by_phone_after_the_web_window_records_the_call(
    client, card_operator, target, slot
):
    sign_in(client, card_operator)
    response = client.post(
        reverse("cards:call_center_reserve", args=[target.pk]),
        {"slot": slot.pk, "channel": Channel.PHONE, "call_type": CallType.ISSUANCE, "note": ""},
    )
    assert response.status_code == 302
    reservation = Reservation.objects.get(target=target)
    assert (reservation.channel, reservation.status, reservation.booked_by) == (
        Channel.PHONE,
        ReservationStatus.BOOKED,
        card_operator,
    )
    assert Slot.objects.get(pk=slot.pk).booked_phone == 1
    call = CardCall.objects.get()
    assert (call.call_type, call.channel, call.target, call.operator) == (
        CallType.ISSUANCE,
        Channel.PHONE,
        target,
        card_operator,
    )
    page = client.get(response.url).content.decode()
    assert "予約を" in page and "受け付けました" in page


def test_a_fax_request_changes_a_web_booking_past_the_cutoff(client, card_operator, target, venues):
    soon = SlotFactory(venue=venues.honchosha, day=dt.date(2026, 6, 13))
    web = service.book(acting_user=None, target=target, slot=soon, channel=Channel.WEB)
    later = SlotFactory(venue=venues.honchosha, day=TOMORROW, hhmm="15:00")
    sign_in(client, card_operator)
    response = client.post(
        reverse("cards:call_center_reserve", args=[target.pk]),
        {"slot": later.pk, "channel": Channel.FAX, "call_type": CallType.ISSUANCE},
    )
    assert response.status_code == 302
    web.refresh_from_db()
    assert (web.slot, web.channel) == (later, Channel.FAX)
    assert Slot.objects.get(pk=soon.pk).booked_web == 0
    assert Slot.objects.get(pk=later.pk).booked_phone == 1
    assert CardCall.objects.get().channel == Channel.FAX


def test_a_full_slot_is_refused_on_the_page_and_no_call_is_recorded(
    client, card_operator, target, slot
):
    Slot.objects.filter(pk=slot.pk).update(booked_phone=slot.capacity_phone)
    sign_in(client, card_operator)
    response = client.post(
        reverse("cards:call_center_reserve", args=[target.pk]),
        {"slot": slot.pk, "channel": Channel.PHONE, "call_type": CallType.ISSUANCE},
    )
    assert response.status_code == 200
    assert "この枠は満席です" in response.content.decode()
    assert not Reservation.objects.exists()
    assert not CardCall.objects.exists()


def test_a_slot_of_another_venue_is_refused(client, card_operator, target, venues):
    elsewhere = SlotFactory(venue=venues.toyosu, day=TOMORROW)
    sign_in(client, card_operator)
    response = client.post(
        reverse("cards:call_center_reserve", args=[target.pk]),
        {"slot": elsewhere.pk, "channel": Channel.PHONE, "call_type": CallType.ISSUANCE},
    )
    assert "予約できるのは江東区役所２階の枠のみです" in response.content.decode()
    assert not Reservation.objects.exists()


def test_missing_slot_and_call_type_are_named(client, card_operator, target):
    sign_in(client, card_operator)
    response = client.post(
        reverse("cards:call_center_reserve", args=[target.pk]), {"channel": Channel.PHONE}
    )
    page = response.content.decode()
    assert "予約枠を選んでください。" in page
    assert "通話の種別（ア〜オ）を選んでください。" in page


def test_cancel_by_phone_gives_the_seat_back_and_records_the_call(
    client, card_operator, target, slot
):
    service.book(acting_user=card_operator, target=target, slot=slot, channel=Channel.PHONE)
    sign_in(client, card_operator)
    response = client.post(
        reverse("cards:call_center_cancel", args=[target.pk]),
        {"channel": Channel.PHONE, "call_type": CallType.ISSUANCE, "note": "都合が悪くなった"},
    )
    assert response.status_code == 302
    assert Reservation.objects.get(target=target).status == ReservationStatus.CANCELLED
    assert Slot.objects.get(pk=slot.pk).booked_phone == 0
    assert CardCall.objects.get().note == "都合が悪くなった"
    target.refresh_from_db()
    assert target.status == TargetStatus.MAILED


def test_cancel_without_a_reservation_is_refused(client, card_operator, target):
    sign_in(client, card_operator)
    response = client.post(
        reverse("cards:call_center_cancel", args=[target.pk]),
        {"channel": Channel.PHONE, "call_type": CallType.ISSUANCE},
    )
    assert "取り消す予約がありません" in response.content.decode()
    assert not CardCall.objects.exists()


def test_a_call_about_no_one_is_recorded(client, card_operator, municipality):
    sign_in(client, card_operator)
    response = client.post(
        reverse("cards:call_center_call"),
        {"channel": Channel.PHONE, "call_type": CallType.OTHER, "note": "制度全般"},
    )
    assert response.status_code == 302
    call = CardCall.objects.get()
    assert (call.target, call.call_type, call.municipality) == (None, CallType.OTHER, municipality)


def test_the_slot_picker_pages_by_week_without_javascript(client, card_operator, target, venues):
    next_week = SlotFactory(venue=venues.honchosha, day=dt.date(2026, 6, 18), hhmm="09:00")
    sign_in(client, card_operator)
    url = reverse("cards:call_center_target", args=[target.pk])
    assert f'value="{next_week.pk}"' not in client.get(url).content.decode()
    page = client.get(url, {"start": "2026-06-17"}).content.decode()
    assert f'value="{next_week.pk}"' in page
    assert "<script" not in page.split("<main")[-1]


# --- The day's calls -----------------------------------------------------------------------


def test_the_supervisor_sees_the_days_calls_by_type(client, supervisor, card_operator, target):
    def call(call_type, channel, at_target=None):
        return CardCall.objects.create(
            municipality=target.municipality,
            operator=card_operator,
            call_type=call_type,
            channel=channel,
            target=at_target,
        )

    call(CallType.ISSUANCE, Channel.PHONE, target)
    call(CallType.ISSUANCE, Channel.FAX)
    call(CallType.OTHER, Channel.PHONE)
    yesterday = call(CallType.APPLICATION, Channel.PHONE)
    CardCall.objects.filter(pk=yesterday.pk).update(
        at=dt.datetime(2026, 6, 9, 23, 59, tzinfo=TOKYO)
    )
    sign_in(client, supervisor)
    response = client.get(reverse("cards:calls"))
    table = response.context["table"]
    assert table == [
        (CallType.APPLICATION.label, 0, 0, 0),
        (CallType.ISSUANCE.label, 1, 1, 2),
        (CallType.RENEWAL.label, 0, 0, 0),
        (CallType.OPINION.label, 0, 0, 0),
        (CallType.OTHER.label, 1, 0, 1),
    ]
    assert response.context["totals"] == [2, 1, 3]
    assert target.reservation_no in response.content.decode()
    assert AccessLogEntry.objects.filter(actor=supervisor, reason__contains="受電一覧").exists()
    earlier = client.get(reverse("cards:calls"), {"date": "2026-06-09"})
    assert earlier.context["totals"] == [1, 0, 1]


# --- The call services ---------------------------------------------------------------------


def test_a_call_needs_a_type_and_phone_or_fax(card_operator, municipality):
    with pytest.raises(CallError) as caught:
        calls.record_call(
            acting_user=card_operator,
            municipality=municipality,
            call_type="x",
            channel=Channel.WEB,
            note="あ" * 501,
        )
    assert set(caught.value.message_dict) == {"call_type", "channel", "note"}
    assert not CardCall.objects.exists()


def test_a_call_about_another_municipalitys_target_is_refused(card_operator, target):
    elsewhere = MunicipalityFactory(code="999998", name="他町")
    with pytest.raises(CallError, match="別の自治体"):
        calls.record_call(
            acting_user=card_operator,
            municipality=elsewhere,
            call_type=CallType.OTHER,
            target=target,
            channel=Channel.PHONE,
        )


def test_a_booking_call_is_all_or_nothing(card_operator, target, slot):
    """A call type that cannot be recorded undoes the booking made in the same call."""
    with pytest.raises(CallError, match="通話の種別"):
        calls.take_call(
            acting_user=card_operator,
            target=target,
            action=calls.BOOK,
            slot=slot,
            channel=Channel.PHONE,
            call_type="?",
        )
    assert not Reservation.objects.exists()
    assert Slot.objects.get(pk=slot.pk).booked_phone == 0
    target.refresh_from_db()
    assert target.status == TargetStatus.MAILED


def test_the_same_booking_sent_twice_from_the_page_makes_one_reservation(
    client, card_operator, target, slot
):
    sign_in(client, card_operator)
    data = {"slot": slot.pk, "channel": Channel.PHONE, "call_type": CallType.ISSUANCE}
    url = reverse("cards:call_center_reserve", args=[target.pk])
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert again.status_code == 200
    assert "現在の予約と同じ枠です" in again.content.decode()
    assert Reservation.objects.filter(target=target).count() == 1
    assert Slot.objects.get(pk=slot.pk).booked_phone == 1
    assert CardCall.objects.count() == 1
