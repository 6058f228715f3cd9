"""The card reports (issue 18 §10): per venue and in total, for a day and a month, the figures
from rows built with the ORM from a plan, checked against counts computed here from the plan
(never from the database): bookings by channel on the Tokyo day they were made, changes and
cancellations, slots and seats, visits and no-shows, cards issued, returned and failed, the
venue day, reissued notices, calls by type, the reconciliation; the files read back; the
command; the pages and who may open them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from dataclasses import dataclass

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from civicdesk.cards.choices import POOL_OF_CHANNEL, CallType, Channel, ReservationStatus
from civicdesk.cards.models import (
    Area,
    CardCall,
    ReconciliationClose,
    Reservation,
    TargetEvent,
    VenueDay,
)
from civicdesk.cards.services import reservations
from civicdesk.cards.services.venues import setup_venues
from civicdesk.core.calendar import TOKYO
from civicdesk.core.services import setup_demo_calendars
from civicdesk.reports.renderers import cards as renderers
from civicdesk.reports.selectors.cards import cards_daily_report, cards_monthly_report
from tests.cards import conftest as cards_fixtures
from tests.cards.factories import CardTargetFactory, SlotFactory
from tests.factories import MunicipalityFactory
from tests.pdf import pdftotext

venues = cards_fixtures.venues

TUE = dt.date(2026, 6, 9)
WED = dt.date(2026, 6, 10)  # TEST_NOW's day: the daily report's day
THU = dt.date(2026, 6, 11)
MON = dt.date(2026, 6, 15)  # the day most bookings are for
VENUES = ("honchosha", "sogo", "toyosu")
SHORT = {"honchosha": "本庁舎", "sogo": "総合区民センター", "toyosu": "豊洲シビックセンター"}


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=TOKYO)


# --- The plan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotPlan:
    venue: str
    day: dt.date
    hhmm: str
    web: int = 2
    phone: int = 1
    internal: int = 1


@dataclass(frozen=True)
class BookingPlan:
    venue: str
    channel: str
    booked: dt.datetime
    slot: int  # index in SLOTS
    status: str = ReservationStatus.BOOKED


SLOTS = [
    SlotPlan("honchosha", WED, "10:00"),  # 0
    SlotPlan("honchosha", WED, "10:30"),  # 1
    SlotPlan("sogo", WED, "14:00", web=3, phone=2, internal=0),  # 2
    SlotPlan("honchosha", MON, "10:00"),  # 3
    SlotPlan("sogo", MON, "10:00"),  # 4
    SlotPlan("toyosu", MON, "10:00"),  # 5
    SlotPlan("toyosu", THU, "09:00", web=1, phone=0, internal=0),  # 6: offered, not booked
]

BOOKINGS = [
    # The day boundary in Tokyo: 23:59 on Tuesday and 00:01 on Wednesday (15:01 UTC Tuesday).
    BookingPlan("honchosha", Channel.WEB, at(TUE, "23:59"), 3),
    BookingPlan("honchosha", Channel.WEB, at(WED, "00:01"), 3),
    BookingPlan("honchosha", Channel.PHONE, at(WED, "09:30"), 3),
    BookingPlan("honchosha", Channel.FAX, at(WED, "11:00"), 3, ReservationStatus.CANCELLED),
    BookingPlan("sogo", Channel.WEB, at(WED, "13:00"), 4),
    BookingPlan("sogo", Channel.INTERNAL, at(WED, "15:00"), 4),
    BookingPlan("toyosu", Channel.WEB, at(WED, "23:59"), 5),
    BookingPlan("toyosu", Channel.PHONE, at(THU, "00:01"), 5),
    # Wednesday's slots, booked at the start of the month: visits and no-shows on Wednesday.
    BookingPlan(
        "honchosha", Channel.WEB, at(dt.date(2026, 6, 1), "09:00"), 0, ReservationStatus.ATTENDED
    ),
    BookingPlan(
        "honchosha", Channel.WEB, at(dt.date(2026, 6, 1), "09:05"), 0, ReservationStatus.NO_SHOW
    ),
    BookingPlan(
        "honchosha", Channel.PHONE, at(dt.date(2026, 6, 2), "10:00"), 1, ReservationStatus.ATTENDED
    ),
    BookingPlan("honchosha", Channel.INTERNAL, at(dt.date(2026, 6, 2), "10:00"), 1),
    BookingPlan(
        "sogo", Channel.FAX, at(dt.date(2026, 6, 3), "16:00"), 2, ReservationStatus.ATTENDED
    ),
    BookingPlan(
        "sogo", Channel.WEB, at(dt.date(2026, 6, 3), "16:30"), 2, ReservationStatus.NO_SHOW
    ),
    # Another month: in no June report.
    BookingPlan("sogo", Channel.WEB, at(dt.date(2026, 5, 31), "23:59"), 4),
]


@dataclass(frozen=True)
class EventPlan:
    kind: str
    venue: str | None  # the event's venue (None: the target's)
    target_venue: str
    when: dt.datetime


EVENTS = [
    EventPlan("issued", "honchosha", "honchosha", at(WED, "10:15")),
    EventPlan("issued", "honchosha", "honchosha", at(WED, "00:01")),
    EventPlan("issued", "sogo", "honchosha", at(WED, "23:59")),  # issued where the card was
    EventPlan("issued", "sogo", "sogo", at(THU, "00:01")),
    EventPlan("issued", "toyosu", "toyosu", at(TUE, "23:59")),
    EventPlan("returned", "honchosha", "honchosha", at(WED, "16:00")),
    EventPlan("failed", "toyosu", "toyosu", at(WED, "11:00")),
    EventPlan("changed", None, "honchosha", at(WED, "09:00")),
    EventPlan("changed", None, "sogo", at(THU, "09:00")),
    EventPlan("cancelled", None, "sogo", at(WED, "12:00")),
    EventPlan("cancelled", "toyosu", "toyosu", at(WED, "12:30")),
    EventPlan("notice_reissued", None, "honchosha", at(WED, "08:00")),
    EventPlan("notice_reissued", None, "toyosu", at(WED, "17:00")),
    EventPlan("notice_reissued", None, "sogo", at(TUE, "17:00")),
    EventPlan("reserved", None, "sogo", at(WED, "09:00")),  # not a figure of the reports
]

CALLS = [
    (CallType.APPLICATION, at(WED, "09:00")),
    (CallType.APPLICATION, at(WED, "23:59")),
    (CallType.ISSUANCE, at(WED, "12:00")),
    (CallType.OTHER, at(THU, "00:01")),
    (CallType.OPINION, at(TUE, "23:59")),
    (CallType.RENEWAL, at(dt.date(2026, 7, 1), "00:01")),
]

# (venue, day, opening, received, issued, returned, failed, counted, explanation)
VENUE_DAYS = [
    ("honchosha", WED, 10, 5, 3, 1, 0, 10, "1枚不足。金庫を確認中"),  # expected 11: －1
    ("sogo", WED, 4, 0, 1, 0, 0, 3, ""),
    ("honchosha", TUE, 8, 2, 0, 0, 0, 10, ""),
]
PERSONAL = ("江東 太郎", "K0000", "1980-04-01", "東京都江東区", "金庫を確認中", "突合の説明")


def area_of(venue) -> Area:
    return Area.objects.filter(venue=venue).order_by("sort_order").first()


@pytest.fixture
def plan(municipality, venues, card_operator, venue_clerk, supervisor):
    """Every row of the plan in the database."""
    by_code = {code: getattr(venues, code) for code in VENUES}

    def target(code):
        venue = by_code[code]
        return CardTargetFactory(municipality=municipality, area=area_of(venue), venue=venue)

    seats = Counter()
    for booking in BOOKINGS:
        if booking.status != ReservationStatus.CANCELLED:
            seats[(booking.slot, POOL_OF_CHANNEL[booking.channel])] += 1
    slots = [
        SlotFactory(
            venue=by_code[slot.venue],
            day=slot.day,
            hhmm=slot.hhmm,
            capacity_web=slot.web,
            capacity_phone=slot.phone,
            capacity_internal=slot.internal,
            booked_web=seats[(n, "web")],
            booked_phone=seats[(n, "phone")],
            booked_internal=seats[(n, "internal")],
        )
        for n, slot in enumerate(SLOTS)
    ]
    for booking in BOOKINGS:
        person = target(booking.venue)
        Reservation.objects.create(
            target=person,
            slot=slots[booking.slot],
            channel=booking.channel,
            status=booking.status,
            booked_at=booking.booked,
        )
        # What the booking service writes with it: the step, its channel and venue.
        TargetEvent.objects.create(
            target=person,
            kind="reserved",
            at=booking.booked,
            channel=booking.channel,
            venue=by_code[booking.venue],
        )
    for event in EVENTS:
        TargetEvent.objects.create(
            target=target(event.target_venue),
            kind=event.kind,
            at=event.when,
            venue=by_code[event.venue] if event.venue else None,
        )
    for call_type, when in CALLS:
        CardCall.objects.create(
            municipality=municipality, at=when, operator=card_operator, call_type=call_type
        )
    for code, day, opening, received, issued, returned, failed, counted, text in VENUE_DAYS:
        VenueDay.objects.create(
            venue=by_code[code],
            date=day,
            opening=opening,
            received=received,
            issued=issued,
            returned=returned,
            failed=failed,
            counted=counted,
            explanation=text,
            closed_by=venue_clerk,
        )
    ReconciliationClose.objects.create(
        municipality=municipality,
        date=WED,
        notices_received=100,
        notices_mailed=90,
        notices_pending=8,
        cards_received=50,
        cards_transferred=45,
        cards_in_stock=5,
        explanation="突合の説明: 2通は区へ照会中",
        closed_by=supervisor,
    )
    ReconciliationClose.objects.create(
        municipality=municipality,
        date=TUE,
        notices_received=20,
        notices_mailed=20,
        notices_pending=0,
        cards_received=10,
        cards_transferred=10,
        cards_in_stock=0,
        closed_by=supervisor,
    )
    return by_code


# --- Expected figures, from the plan -----------------------------------------------------------


def local_day(when: dt.datetime) -> dt.date:
    return when.astimezone(TOKYO).date()


def expected(venue: str, days: set[dt.date]) -> dict:
    """The figures of one venue over ``days``, counted from the plan."""
    bookings = [b for b in BOOKINGS if b.venue == venue and local_day(b.booked) in days]
    figures = {f"bookings_{channel}": 0 for channel in Channel.values}
    for booking in bookings:
        figures[f"bookings_{booking.channel}"] += 1
    figures["bookings"] = len(bookings)
    for kind, key in [
        ("changed", "changed"),
        ("cancelled", "cancelled"),
        ("issued", "issued"),
        ("returned", "returned"),
        ("failed", "failed"),
    ]:
        figures[key] = sum(
            1
            for event in EVENTS
            if event.kind == kind
            and (event.venue or event.target_venue) == venue
            and local_day(event.when) in days
        )
    offered = [n for n, slot in enumerate(SLOTS) if slot.venue == venue and slot.day in days]
    figures["slots"] = len(offered)
    figures["capacity"] = sum(SLOTS[n].web + SLOTS[n].phone + SLOTS[n].internal for n in offered)
    held = [b for b in BOOKINGS if b.slot in offered and b.status != ReservationStatus.CANCELLED]
    figures["booked"] = len(held)
    figures["attended"] = sum(1 for b in held if b.status == ReservationStatus.ATTENDED)
    figures["no_shows"] = sum(1 for b in held if b.status == ReservationStatus.NO_SHOW)
    return figures


def june() -> set[dt.date]:
    return {dt.date(2026, 6, day) for day in range(1, 31)}


def picked(figures: dict, keys) -> dict:
    return {key: figures[key] for key in keys}


KEYS = list(expected("honchosha", {WED}))


# --- The figures -------------------------------------------------------------------------------


@pytest.mark.parametrize("day", [TUE, WED, THU, MON])
def test_daily_figures_per_venue_match_the_plan(municipality, plan, day):
    data = cards_daily_report(municipality, day)
    assert [row["code"] for row in data["by_venue"]] == list(VENUES)
    for row in data["by_venue"]:
        assert picked(row, KEYS) == expected(row["code"], {day}), row["code"]
    total = {key: sum(expected(code, {day})[key] for code in VENUES) for key in KEYS}
    assert picked(data["total"], KEYS) == total


def test_the_wednesday_figures_spelled_out(municipality, plan):
    data = cards_daily_report(municipality, WED)
    honchosha, sogo, toyosu = data["by_venue"]
    # 00:01 web, 09:30 phone, 11:00 FAX (cancelled since, still booked that day); not 23:59 Tue.
    assert (honchosha["bookings_web"], honchosha["bookings_phone"], honchosha["bookings_fax"]) == (
        1,
        1,
        1,
    )
    assert (toyosu["bookings_web"], toyosu["bookings_phone"]) == (1, 0)  # 23:59 in, 00:01 out
    assert (honchosha["slots"], honchosha["capacity"], honchosha["booked"]) == (2, 8, 4)
    assert (honchosha["attended"], honchosha["no_shows"]) == (2, 1)
    assert (sogo["slots"], sogo["capacity_web"], sogo["capacity_phone"], sogo["booked"]) == (
        1,
        3,
        2,
        2,
    )
    assert honchosha["use_share"] == 0.5
    assert (honchosha["issued"], sogo["issued"], toyosu["issued"]) == (2, 1, 0)
    assert (honchosha["returned"], toyosu["failed"]) == (1, 1)
    assert (honchosha["changed"], sogo["cancelled"], toyosu["cancelled"]) == (1, 1, 1)
    assert data["total"]["bookings"] == 6


def test_a_booking_at_2359_and_0001_fall_on_their_tokyo_days(municipality, plan):
    tuesday = cards_daily_report(municipality, TUE)["by_venue"][0]
    wednesday = cards_daily_report(municipality, WED)["by_venue"][0]
    assert tuesday["bookings_web"] == 1  # 23:59 JST Tuesday (14:59 UTC)
    assert wednesday["bookings_web"] == 1  # 00:01 JST Wednesday (15:01 UTC Tuesday)
    thursday = cards_daily_report(municipality, THU)
    assert thursday["by_venue"][2]["bookings_phone"] == 1  # toyosu, 00:01 Thursday
    assert thursday["calls"]["total"] == 1  # オ at 00:01, not Wednesday's 23:59


def test_reissued_notices_and_calls_by_type_are_city_wide(municipality, plan):
    data = cards_daily_report(municipality, WED)
    assert data["notices_reissued"] == 2
    by_type = {line["code"]: line["count"] for line in data["calls"]["by_type"]}
    wanted = Counter(code for code, when in CALLS if local_day(when) == WED)
    assert by_type == {code: wanted.get(code, 0) for code in CallType.values}
    assert data["calls"]["total"] == 3
    assert [line["label"][0] for line in data["calls"]["by_type"]] == list("アイウエオ")


def test_the_venue_day_and_reconciliation_state_of_the_day(municipality, plan):
    data = cards_daily_report(municipality, WED)
    states = {row["code"]: row["venue_day"] for row in data["by_venue"]}
    assert states["honchosha"] == {
        "open": True,
        "closed": True,
        "difference": 10 - (10 + 5 - 3 - 1 - 0),
        "explained": True,
    }
    assert states["sogo"] == {"open": True, "closed": True, "difference": 0, "explained": False}
    assert states["toyosu"] == {
        "open": True,
        "closed": False,
        "difference": None,
        "explained": None,
    }
    day = data["reconciliation"]["day"]
    assert (day["closed"], day["notices_difference"], day["cards_difference"]) == (
        True,
        100 - 90 - 8,
        50 - 45 - 5,
    )
    assert day["explained"] is True
    thursday = cards_daily_report(municipality, THU)["reconciliation"]["day"]
    assert thursday["closed"] is False and thursday["notices_difference"] is None


def test_monthly_totals_and_a_row_per_day(municipality, plan):
    data = cards_monthly_report(municipality, 2026, 6)
    assert data["period"]["label"] == "令和8年6月"
    assert len(data["series"]) == 30
    assert data["series"][9]["date"] == "2026-06-10"
    for row in data["by_venue"]:
        assert picked(row, KEYS) == expected(row["code"], june()), row["code"]
    for key in KEYS:
        assert data["total"][key] == sum(day["total"][key] for day in data["series"]), key
    wednesday = cards_daily_report(municipality, WED)
    assert picked(data["series"][9]["total"], KEYS) == picked(wednesday["total"], KEYS)
    assert data["notices_reissued"] == 3
    assert data["calls"]["total"] == 5  # July's ウ is not June's
    assert data["reconciliation"] == {"closed_days": 2, "days_with_difference": 1}
    by_code = {row["code"]: row["venue_days"] for row in data["by_venue"]}
    weekdays = sum(1 for day in june() if day.weekday() < 5)  # no holiday in June 2026
    assert by_code["honchosha"] == {
        "open_days": weekdays,
        "open_days_not_closed": weekdays - 2,  # Tuesday and Wednesday closed
        "closed_days": 2,
        "days_with_difference": 1,
        "difference": -1,
    }
    assert by_code["toyosu"] == {
        "open_days": weekdays,
        "open_days_not_closed": weekdays,
        "closed_days": 0,
        "days_with_difference": 0,
        "difference": 0,
    }


def test_a_day_the_venue_does_not_open_is_not_a_missing_close(municipality, plan):
    saturday = cards_daily_report(municipality, dt.date(2026, 6, 13))
    for row in saturday["by_venue"]:
        assert row["venue_day"] == {
            "open": False,
            "closed": False,
            "difference": None,
            "explained": None,
        }


def test_the_reports_hold_no_personal_data(municipality, plan):
    for data in (
        cards_daily_report(municipality, WED),
        cards_monthly_report(municipality, 2026, 6),
    ):
        text = json.dumps(data, ensure_ascii=False)
        for personal in PERSONAL:
            assert personal not in text, personal


def test_a_fixed_number_of_queries_whatever_the_period(municipality, plan):
    cards_daily_report(municipality, THU)  # the first read of 2026 fills the holiday table
    with CaptureQueriesContext(connection) as day:
        cards_daily_report(municipality, WED)
    with CaptureQueriesContext(connection) as month:
        cards_monthly_report(municipality, 2026, 6)
    assert len(day.captured_queries) == len(month.captured_queries) <= 16


@time_machine.travel(at(WED, "10:00"), tick=False)  # whatever CIVICDESK_TEST_NOW says
def test_bookings_changes_and_cancellations_through_the_reservation_services(
    municipality, venues, card_operator
):
    """The real services on Wednesday at 10:00: three bookings, one changed from WEB to
    the call center's seat of a later slot, one cancelled."""
    honchosha = venues.honchosha
    first = SlotFactory(venue=honchosha, day=MON, hhmm="10:00")
    later = SlotFactory(venue=honchosha, day=MON, hhmm="11:00")
    a, b, c = (
        CardTargetFactory(municipality=municipality, area=area_of(honchosha), venue=honchosha)
        for _ in range(3)
    )
    moved = reservations.book(acting_user=None, target=a, slot=first, channel=Channel.WEB)
    reservations.book(acting_user=None, target=b, slot=first, channel=Channel.WEB)
    dropped = reservations.book(
        acting_user=card_operator, target=c, slot=first, channel=Channel.PHONE
    )
    reservations.change(
        acting_user=card_operator, reservation=moved, slot=later, channel=Channel.PHONE
    )
    reservations.cancel(acting_user=card_operator, reservation=dropped, channel=Channel.PHONE)
    wednesday = cards_daily_report(municipality, WED)["by_venue"][0]
    # A booking counts under the channel it was made through, though the call center moved it.
    assert picked(wednesday, ["bookings_web", "bookings_phone", "bookings", "changed",
                              "cancelled"]) == {
        "bookings_web": 2, "bookings_phone": 1, "bookings": 3, "changed": 1, "cancelled": 1,
    }  # fmt: skip
    monday = cards_daily_report(municipality, MON)["by_venue"][0]
    assert picked(monday, ["slots", "capacity", "booked_web", "booked_phone", "booked"]) == {
        "slots": 2, "capacity": 2 * (2 + 1 + 1), "booked_web": 1, "booked_phone": 1, "booked": 2,
    }  # fmt: skip


def test_another_municipality_s_rows_are_not_counted(municipality, plan, card_operator):
    before = cards_daily_report(municipality, WED)
    other = MunicipalityFactory(code="011002", name="札幌市")
    setup_demo_calendars(acting_user=None, municipality=other)
    venue = setup_venues(acting_user=None, municipality=other)[0]
    target = CardTargetFactory(municipality=other, area=area_of(venue), venue=venue)
    slot = SlotFactory(venue=venue, day=WED, booked_web=1)
    Reservation.objects.create(
        target=target, slot=slot, channel=Channel.WEB, booked_at=at(WED, "09:00"),
        status=ReservationStatus.ATTENDED,
    )  # fmt: skip
    TargetEvent.objects.create(target=target, kind="issued", at=at(WED, "10:00"), venue=venue)
    CardCall.objects.create(
        municipality=other, at=at(WED, "09:00"), operator=card_operator, call_type="a"
    )
    after = cards_daily_report(municipality, WED)
    assert after == before
    assert cards_daily_report(other, WED)["total"]["issued"] == 1


def test_without_venues_the_report_is_empty_not_an_error(municipality):
    data = cards_monthly_report(municipality, 2026, 6)
    assert data["by_venue"] == [] and data["total"]["bookings"] == 0
    assert data["total"]["use_share"] is None
    for fmt in ("xlsx", "pdf", "csv"):
        assert renderers.render(data, fmt, municipality_name="江東区")


# --- Files ---------------------------------------------------------------------------------------


def sheet_rows(sheet) -> dict[str, tuple]:
    """First column → the row's cells (from the header row on)."""
    return {row[0].value: row for row in sheet.iter_rows(min_row=3) if row[0].value is not None}


def test_monthly_excel_reads_back_with_numbers(municipality, plan):
    data = cards_monthly_report(municipality, 2026, 6)
    book = load_workbook(io.BytesIO(renderers.render(data, "xlsx", municipality_name="江東区")))
    assert book.sheetnames == [
        "予約",
        "枠と来場",
        "カード",
        "会場の日締め",
        "再発行・受電",
        "突合",
        "日別",
        "日別（本庁舎）",
        "日別（総合区民センター）",
        "日別（豊洲シビックセンター）",
    ]
    assert "マイナンバーカード交付 月次報告書 令和8年6月 江東区" in book["予約"]["A1"].value
    bookings = sheet_rows(book["予約"])
    assert [cell.value for cell in bookings["会場"]][1:6] == [
        "予約 WEB",
        "予約 コールセンター",
        "予約 FAX",
        "予約 区職員",
        "予約 計",
    ]
    honchosha = expected("honchosha", june())
    assert bookings["本庁舎"][5].value == honchosha["bookings"]
    assert bookings["合計"][5].value == sum(expected(c, june())["bookings"] for c in VENUES)
    share = sheet_rows(book["枠と来場"])["本庁舎"][10]
    assert share.number_format == "0.0%"
    assert share.value == round(honchosha["booked"] / honchosha["capacity"], 4)
    days = sheet_rows(book["日別"])
    assert days["6月10日（水）"][1].value == 6
    assert days["6月10日（水）"][13].value == "締め済（差異あり）"
    assert days["6月11日（木）"][13].value == "未締め"
    assert days["合計"][1].value == data["total"]["bookings"]
    toyosu = sheet_rows(book["日別（豊洲シビックセンター）"])
    assert toyosu["6月10日（水）"][11].value == "未締め"
    assert toyosu["6月13日（土）"][11].value == "閉場日"
    assert toyosu["6月10日（水）"][12].value is None  # no difference: the day is not closed
    calls = sheet_rows(book["再発行・受電"])
    assert calls["受電 ア 申請に関する問合せ"][1].value == 2
    assert calls["交付通知書の再発行"][1].value == 3


def test_daily_pdf_reads_back(municipality, plan):
    data = cards_daily_report(municipality, WED)
    text = pdftotext(renderers.render(data, "pdf", municipality_name="江東区"))
    for wanted in (
        "マイナンバーカード交付 日次報告書",
        "令和8年6月10日（水）",
        "江東区",
        "会場別の予約",
        "本庁舎",
        "豊洲シビックセンター",
        "未締め",
        "50.0%",
        "オ マイナンバー制度全般に関する問合せ",
        "事務センターの突合",
    ):
        assert wanted in text, wanted
    for personal in PERSONAL:
        assert personal not in text


@pytest.mark.parametrize("encoding", ["cp932", "utf-8"])
def test_csv_has_one_line_per_figure_in_either_encoding(municipality, plan, encoding):
    data = cards_daily_report(municipality, WED)
    content = renderers.render(data, "csv", municipality_name="江東区", encoding=encoding)
    assert content.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8")
    rows = list(
        csv.reader(io.StringIO(content.decode("utf-8-sig" if encoding == "utf-8" else "cp932")))
    )
    assert rows[0] == ["表", "行", "列", "値"]
    assert content.count(b"\r\n") == len(rows)
    figures = {(table, row, column): value for table, row, column, value in rows[1:]}
    bookings = "会場別の予約（予約を受け付けた日で集計）"
    assert figures[(bookings, "本庁舎", "予約 FAX")] == "1"
    assert figures[(bookings, "合計", "予約 計")] == "6"
    slots = "会場別の予約枠・来場（枠の日で集計）"
    assert figures[(slots, "本庁舎", "予約率")] == "0.5"
    assert figures[(slots, "豊洲シビックセンター", "予約率")] == ""  # no seats offered
    venue_days = "会場の日締め（前日残＋受領－交付－返却－交付不可＝実数）"
    assert figures[(venue_days, "本庁舎", "差異（実数－帳簿）")] == "-1"
    assert figures[(venue_days, "本庁舎", "差異の説明")] == "あり"
