"""The counter reports (issue 17 §7, seed 003 §6(15)⑥, §10): the figures from ticket events made
with the real ticket services, checked against values computed here from the planned timeline
(waits, service times, nearest-rank p50/p90, the share within target, evening and designated-day
volumes, minutes after closing); fees through the fee service, requests and reviews as plain
rows; the due dates; the files read back; the pages; the command.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from dataclasses import dataclass, field

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from civicdesk.audit.models import AccessLogEntry
from civicdesk.core.calendar import TOKYO
from civicdesk.core.models.calendar import BusinessCalendar
from civicdesk.core.services import add_designated_day
from civicdesk.counter.models import BereavementReservation, Queue, Request, Review
from civicdesk.counter.selectors.reports import period_figures
from civicdesk.counter.services import fees, tickets
from civicdesk.reports.renderers import counter as renderers
from civicdesk.reports.selectors.counter import (
    counter_annual_report,
    counter_daily_report,
    counter_monthly_report,
    submission_due,
)
from tests.conftest import _user, sign_in
from tests.counter import conftest as counter_fixtures
from tests.pdf import pdftotext

# The counter's fixtures (a small city hall floor: queues A and B, windows 1 and 2, the cashier);
# the reception, clerk and cashier users come from tests/conftest.py.
calendars, desk = counter_fixtures.calendars, counter_fixtures.desk

WED = dt.date(2026, 6, 10)  # TEST_NOW's day: open 8:30–17:15
MON = dt.date(2026, 6, 8)  # open to 19:00 (evening extension)
SAT = dt.date(2026, 6, 13)  # designated 8:30–12:00 in the fixture below
TUE_AFTER_HOLIDAY = dt.date(2026, 7, 21)  # Monday 20 July is 海の日: the evening moves here


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=TOKYO)


# --- The timeline ------------------------------------------------------------------------------


@dataclass
class Plan:
    """One ticket as planned: its queue, day, issue time and what happens to it. The expected
    figures are computed from these plans, not from the database."""

    queue: str
    day: dt.date
    issued: str
    called: str | None = None
    spans: list[tuple[str, str]] = field(default_factory=list)  # service spans (start, end)
    done: bool = False
    no_show: bool = False

    def wait(self) -> float | None:
        if self.called is None:
            return None
        return (at(self.day, self.called) - at(self.day, self.issued)).total_seconds() / 60

    def service(self) -> float | None:
        if not self.spans:
            return None
        return sum(
            (at(self.day, end) - at(self.day, start)).total_seconds() / 60
            for start, end in self.spans
        )


WED_PLANS = {
    "A1": Plan("A", WED, "09:00", "09:05", [("09:06", "09:16")], done=True),
    "A2": Plan("A", WED, "09:10", "09:30", [("09:31", "09:41")], done=True),
    "B1": Plan("B", WED, "09:15", "09:20", [("09:20", "09:28")], done=True),
    "B2": Plan("B", WED, "10:05", "10:07", no_show=True),
    "A3": Plan("A", WED, "16:50", "17:00", [("17:01", "17:05"), ("17:10", "17:40")], done=True),
    "A4": Plan("A", WED, "17:10"),
}


def run_wednesday(desk, reception, clerk, cashier) -> dict:
    """WED_PLANS through the real ticket services, in time order."""
    made = {}

    def issue(name, queue):
        made[name] = tickets.issue_ticket(
            acting_user=reception, queue=queue, at=at(WED, WED_PLANS[name].issued)
        )

    def call(counter, hhmm, user=clerk):
        return tickets.call_next(acting_user=user, counter=counter, at=at(WED, hhmm))

    issue("A1", desk.certificates)
    assert call(desk.window1, "09:05").pk == made["A1"].pk
    tickets.start_service(acting_user=clerk, ticket=made["A1"], at=at(WED, "09:06"))
    issue("A2", desk.certificates)
    issue("B1", desk.moves)
    tickets.send_to_pickup(acting_user=clerk, ticket=made["A1"], at=at(WED, "09:16"))
    assert call(desk.cash, "09:20", cashier).pk == made["A1"].pk
    assert call(desk.window2, "09:20").pk == made["B1"].pk  # window2 serves B first
    tickets.finish(acting_user=cashier, ticket=made["A1"], at=at(WED, "09:25"))
    tickets.finish(acting_user=clerk, ticket=made["B1"], at=at(WED, "09:28"))  # no 対応開始
    assert call(desk.window1, "09:30").pk == made["A2"].pk
    tickets.start_service(acting_user=clerk, ticket=made["A2"], at=at(WED, "09:31"))
    tickets.request_review(acting_user=clerk, ticket=made["A2"], at=at(WED, "09:41"))
    tickets.reviewed(acting_user=clerk, ticket=made["A2"], approved=True, at=at(WED, "09:50"))
    assert call(desk.cash, "09:55", cashier).pk == made["A2"].pk
    tickets.finish(acting_user=cashier, ticket=made["A2"], at=at(WED, "10:00"))
    issue("B2", desk.moves)
    assert call(desk.window2, "10:07").pk == made["B2"].pk
    tickets.mark_no_show(acting_user=clerk, ticket=made["B2"], at=at(WED, "10:12"))
    issue("A3", desk.certificates)
    assert call(desk.window1, "17:00").pk == made["A3"].pk
    tickets.start_service(acting_user=clerk, ticket=made["A3"], at=at(WED, "17:01"))
    tickets.park(acting_user=clerk, ticket=made["A3"], at=at(WED, "17:05"))
    issue("A4", desk.certificates)
    tickets.resume(acting_user=clerk, ticket=made["A3"], at=at(WED, "17:10"))
    tickets.finish(acting_user=clerk, ticket=made["A3"], at=at(WED, "17:40"))  # 25 min late
    return made


def served(reception, clerk, queue, counter, day, issued, called, done) -> None:
    """A ticket issued, called, started at the call and finished (service = done − called)."""
    ticket = tickets.issue_ticket(acting_user=reception, queue=queue, at=at(day, issued))
    assert tickets.call_next(acting_user=clerk, counter=counter, at=at(day, called)).pk == ticket.pk
    tickets.start_service(acting_user=clerk, ticket=ticket, at=at(day, called))
    tickets.finish(acting_user=clerk, ticket=ticket, at=at(day, done))


# --- Independent arithmetic --------------------------------------------------------------------


def nearest_rank(values: list[float], p: int) -> float | None:
    """The smallest value v with at least p % of the values at or below v (by counting)."""
    if not values:
        return None
    need = p * len(values) / 100
    return min(v for v in values if sum(1 for x in values if x <= v) >= need)


def minutes(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def expected_summary(plans: list[Plan], target_minutes: dict[str, int]) -> dict:
    waits = [p.wait() for p in plans if p.wait() is not None]
    services = [p.service() for p in plans if p.service() is not None]
    within = sum(1 for p in plans if p.wait() is not None and p.wait() <= target_minutes[p.queue])
    return {
        "tickets": len(plans),
        "called": len(waits),
        "not_called": len(plans) - len(waits),
        "done": sum(p.done for p in plans),
        "no_shows": sum(p.no_show for p in plans),
        "wait_p50": minutes(nearest_rank(waits, 50)),
        "wait_p90": minutes(nearest_rank(waits, 90)),
        "service_p50": minutes(nearest_rank(services, 50)),
        "service_p90": minutes(nearest_rank(services, 90)),
        "within_target": within,
        "within_target_share": round(within / len(waits), 4) if waits else None,
    }


TICKET_KEYS = list(expected_summary([], {}).keys())


def picked(figures: dict) -> dict:
    return {key: figures[key] for key in TICKET_KEYS}


# --- Fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def wednesday(desk, reception, clerk, cashier):
    return run_wednesday(desk, reception, clerk, cashier)


@pytest.fixture
def money(desk, municipality, clerk, cashier, staff, wednesday):
    """Requests and reviews of WED as plain rows (the request service takes a request only for
    a ticket being served, which would change the timeline's figures); fees through the fee
    service (a fee over the counter needs no ticket)."""
    cert, move = desk.certificate, desk.move

    def request(procedure, kind, quantity=1, status="intake", office=""):
        return Request.objects.create(
            municipality=municipality, procedure=procedure, day=WED, requester_kind=kind,
            requesting_office=office, quantity=quantity, status=status, created_by=clerk,
            created_at=at(WED, "09:30"), requester_name="窓口花子",
        )  # fmt: skip

    made = [
        request(cert, "self", 1),
        request(cert, "self", 3),
        request(cert, "agent", 1),
        request(cert, "official", 2, office="一関税務署"),
        request(move, "self", 1),
    ]
    request(cert, "self", 5, status="withdrawn")  # 取下げ: not counted
    for req, decision, hhmm in ((made[0], "approved", "09:50"), (made[1], "approved", "10:30"),
                                (made[2], "returned", "11:00")):  # fmt: skip
        Review.objects.create(
            request=req, decision=decision, reviewer=staff, requested_at=at(WED, "09:41"),
            at=at(WED, hhmm), reason="添付書類不足" if decision == "returned" else "",
        )  # fmt: skip

    def fee(quantity, payment="cash", kind="self", office=""):
        return fees.take_fee(
            acting_user=cashier, payment_kind=payment, procedure=cert, quantity=quantity,
            requester_kind=kind, requesting_office=office, at=at(WED, "10:00"),
        )  # fmt: skip

    first = fee(2)
    fee(1, "postal_order")
    assert fee(1, kind="official", office="一関税務署").payment_kind == "exempt"
    fees.reverse_fee(acting_user=cashier, entry=first, reason="通数誤り", at=at(WED, "10:05"))
    fee(3)
    return made


def bereavement(municipality, user, starts: dt.datetime, status: str) -> None:
    BereavementReservation.objects.create(
        municipality=municipality, reservation_no=str(uuid.uuid4())[:8], starts_at=starts,
        channel="phone", status=status, deceased_name="（故人）", deceased_on=dt.date(2026, 6, 1),
        visitor_name="（来庁者）", visitor_phone="0191-00-0000", created_by=user,
        created_at=starts - dt.timedelta(days=2),
    )  # fmt: skip


@pytest.fixture
def june(desk, municipality, reception, clerk, staff, calendars, money):
    """Besides WED: Monday evening tickets, a designated Saturday, bereavement cases."""
    served(reception, clerk, desk.certificates, desk.window1, MON, "10:00", "10:04", "10:10")
    served(reception, clerk, desk.certificates, desk.window1, MON, "17:15", "17:20", "17:30")
    served(reception, clerk, desk.moves, desk.window2, MON, "18:50", "18:55", "19:07")
    counter_calendar = next(c for c in calendars if c.service == "counter")
    add_designated_day(acting_user=staff, calendar=counter_calendar, date=SAT,
                       start=dt.time(8, 30), end=dt.time(12))  # fmt: skip
    served(reception, clerk, desk.certificates, desk.window1, SAT, "09:00", "09:10", "09:20")
    served(reception, clerk, desk.certificates, desk.window1, SAT, "11:50", "11:58", "12:30")
    bereavement(municipality, reception, at(WED, "13:00"), "reserved")
    bereavement(municipality, reception, at(dt.date(2026, 6, 12), "10:00"), "done")
    bereavement(municipality, reception, at(dt.date(2026, 6, 15), "10:00"), "cancelled")
    bereavement(municipality, reception, at(dt.date(2026, 7, 1), "10:00"), "reserved")
    return counter_calendar


# --- Tickets: waits, service, percentiles, target ----------------------------------------------


def test_daily_ticket_figures_match_the_timeline(desk, municipality, wednesday):
    targets = {"A": desk.certificates.target_wait_minutes, "B": desk.moves.target_wait_minutes}
    figures = period_figures(municipality, WED, WED)
    plans = list(WED_PLANS.values())
    assert picked(figures["tickets"]) == expected_summary(plans, targets)
    for row in figures["by_queue"]:
        mine = [p for p in plans if p.queue == row["code"]]
        assert picked(row) == expected_summary(mine, targets), row["code"]
    hours = sorted({int(p.issued[:2]) for p in plans})
    assert [row["hour"] for row in figures["by_hour"]] == hours
    for row in figures["by_hour"]:
        mine = [p for p in plans if int(p.issued[:2]) == row["hour"]]
        assert picked(row) == expected_summary(mine, targets), row["hour"]


def test_the_timeline_gives_the_figures_spelled_out(desk, municipality, wednesday):
    # The same figures by hand, so a mistake shared by the code and the helper shows too.
    total = period_figures(municipality, WED, WED)["tickets"]
    assert (total["tickets"], total["called"], total["done"], total["no_shows"]) == (6, 5, 4, 1)
    assert (total["wait_p50"], total["wait_p90"]) == (5.0, 20.0)  # waits 2, 5, 5, 10, 20
    assert (total["service_p50"], total["service_p90"]) == (10.0, 34.0)  # 8, 10, 10, 34
    assert (total["within_target"], total["within_target_share"]) == (4, 0.8)  # A2 waited 20


def test_a_longer_target_puts_more_tickets_within_it(desk, municipality, wednesday):
    Queue.objects.filter(pk=desk.certificates.pk).update(target_wait_minutes=20)
    assert period_figures(municipality, WED, WED)["tickets"]["within_target_share"] == 1.0


def test_transfers_count_the_first_wait_and_the_service_before_the_transfer(
    desk, municipality, reception, clerk
):
    ticket = tickets.issue_ticket(
        acting_user=reception, queue=desk.certificates, at=at(WED, "11:00")
    )
    tickets.call_next(acting_user=clerk, counter=desk.window1, at=at(WED, "11:03"))
    tickets.start_service(acting_user=clerk, ticket=ticket, at=at(WED, "11:04"))
    tickets.transfer(acting_user=clerk, ticket=ticket, queue=desk.moves, at=at(WED, "11:06"))
    tickets.call_next(acting_user=clerk, counter=desk.window2, at=at(WED, "11:30"))
    tickets.start_service(acting_user=clerk, ticket=ticket, at=at(WED, "11:31"))
    tickets.finish(acting_user=clerk, ticket=ticket, at=at(WED, "11:40"))
    figures = period_figures(municipality, WED, WED)
    row = {q["code"]: q for q in figures["by_queue"]}
    assert (row["A"]["tickets"], row["A"]["wait_p50"], row["A"]["service_p50"]) == (1, 3.0, 11.0)
    assert row["B"]["tickets"] == 0 and row["B"]["wait_p50"] is None


def test_a_returned_review_counts_the_second_span_as_service(desk, municipality, reception, clerk):
    ticket = tickets.issue_ticket(
        acting_user=reception, queue=desk.certificates, at=at(WED, "13:00")
    )
    tickets.call_next(acting_user=clerk, counter=desk.window1, at=at(WED, "13:01"))
    tickets.start_service(acting_user=clerk, ticket=ticket, at=at(WED, "13:02"))
    tickets.request_review(acting_user=clerk, ticket=ticket, at=at(WED, "13:07"))
    tickets.reviewed(acting_user=clerk, ticket=ticket, approved=False, at=at(WED, "13:20"))
    tickets.send_to_pickup(acting_user=clerk, ticket=ticket, at=at(WED, "13:23"))
    # 13:02–13:07 and 13:20–13:23; the 13 minutes in review are not service.
    assert period_figures(municipality, WED, WED)["tickets"]["service_p50"] == 8.0


# --- Hours: evening, designated day, after closing ----------------------------------------------


def test_monday_evening_designated_saturday_and_minutes_after_closing(municipality, june):
    figures = period_figures(municipality, dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    hours = figures["hours"]
    # Tickets at or after 17:15 on Monday the 8th: 17:15 and 18:50.
    assert hours["evening_tickets"] == 2
    # Mondays of June 2026: 1, 8, 15, 22, 29 (none a holiday).
    assert hours["evening_days"] == 5
    assert (hours["designated_days"], hours["designated_tickets"]) == (["2026-06-13"], 2)
    # WED 17:15 → 17:40 (25), MON 19:00 → 19:07 (7), SAT 12:00 → 12:30 (30).
    assert [(d["date"], d["minutes"]) for d in hours["days_after_closing"]] == [
        ("2026-06-08", 7),
        ("2026-06-10", 25),
        ("2026-06-13", 30),
    ]
    assert hours["minutes_after_closing"] == 25 + 7 + 30
    assert (figures["tickets"]["evening"], figures["tickets"]["designated"]) == (2, 2)


def test_the_evening_moves_to_the_day_after_a_monday_holiday(
    desk, municipality, calendars, reception, clerk
):
    served(
        reception,
        clerk,
        desk.certificates,
        desk.window1,
        TUE_AFTER_HOLIDAY,
        "18:00",
        "18:05",
        "18:20",
    )
    served(
        reception,
        clerk,
        desk.certificates,
        desk.window1,
        dt.date(2026, 7, 22),
        "17:00",
        "17:05",
        "17:14",
    )
    figures = period_figures(municipality, dt.date(2026, 7, 20), dt.date(2026, 7, 22))
    assert (figures["hours"]["evening_days"], figures["hours"]["evening_tickets"]) == (1, 1)
    assert figures["hours"]["minutes_after_closing"] == 0  # 18:20 < 19:00; 17:14 < 17:15


def test_seconds_after_closing_are_dropped(desk, municipality, calendars, reception, clerk):
    ticket = tickets.issue_ticket(
        acting_user=reception, queue=desk.certificates, at=at(WED, "17:10")
    )
    tickets.call_next(acting_user=clerk, counter=desk.window1, at=at(WED, "17:11"))
    tickets.finish(acting_user=clerk, ticket=ticket, at=at(WED, "17:18:59"))
    assert period_figures(municipality, WED, WED)["hours"]["minutes_after_closing"] == 3


# --- Requests, reviews, fees, bereavement --------------------------------------------------------


def test_requests_per_procedure_and_requester_kind_without_withdrawn(municipality, money):
    requests = period_figures(municipality, WED, WED)["requests"]
    lines = {(line["code"], line["requester_kind"]): (line["count"], line["quantity"])
             for line in requests["lines"]}  # fmt: skip
    assert lines == {
        ("juminhyo", "self"): (2, 4),
        ("juminhyo", "agent"): (1, 1),
        ("juminhyo", "official"): (1, 2),
        ("tennyu", "self"): (1, 1),
    }
    assert (requests["count"], requests["quantity"]) == (5, 8)
    by_kind = {row["kind"]: row["count"] for row in requests["by_requester_kind"]}
    assert by_kind == {"self": 3, "agent": 1, "third_party": 0, "official": 1, "postal": 0}


def test_reviews_count_approvals_and_returns(municipality, money):
    reviews = period_figures(municipality, WED, WED)["reviews"]
    assert (reviews["approved"], reviews["returned"], reviews["return_share"]) == (2, 1, 0.3333)
    assert period_figures(municipality, MON, MON)["reviews"]["count"] == 0


def test_fees_are_net_of_reversals_by_procedure_and_payment_kind(municipality, money):
    fees = period_figures(municipality, WED, WED)["fees"]
    by_payment = {row["kind"]: row["amount"] for row in fees["by_payment_kind"]}
    # cash: 600 − 600 (reversed) + 900; postal order 300; exempt 0.
    assert by_payment == {"cash": 900, "postal_order": 300, "exempt": 0}
    assert (fees["amount"], fees["quantity"], fees["charges"], fees["reversals"]) == (1200, 5, 4, 1)
    cash = next(line for line in fees["lines"] if line["payment_kind"] == "cash")
    assert (cash["charges"], cash["reversals"], cash["quantity"], cash["amount"]) == (2, 1, 3, 900)


def test_bereavement_cases_by_starts_at_and_status(municipality, june):
    june_figures = period_figures(municipality, dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    statuses = {row["status"]: row["count"] for row in june_figures["bereavement"]["by_status"]}
    assert statuses == {"reserved": 1, "checked_in": 0, "done": 1, "cancelled": 1}
    assert june_figures["bereavement"]["cases"] == 2  # cancelled ones are not cases


# --- Series, the reports, due dates ------------------------------------------------------------


def test_monthly_report_has_a_row_per_day_summing_to_the_month(municipality, june):
    data = counter_monthly_report(municipality, 2026, 6)
    assert [row["key"] for row in data["series"]][:2] == ["2026-06-01", "2026-06-02"]
    assert len(data["series"]) == 30
    days = {row["key"]: row for row in data["series"]}
    assert (days["2026-06-08"]["tickets"], days["2026-06-08"]["evening"]) == (3, 2)
    assert days["2026-06-10"]["fee_amount"] == 1200
    assert days["2026-06-13"]["minutes_after_closing"] == 30
    for key in ("tickets", "done", "no_shows", "evening", "designated"):
        assert sum(row[key] for row in data["series"]) == data["tickets"][key], key
    assert sum(row["bereavement"] for row in data["series"]) == data["bereavement"]["cases"]


def test_annual_report_has_twelve_months(municipality, june):
    data = counter_annual_report(municipality, 2026)
    assert [row["key"] for row in data["series"]] == [
        f"{year}-{month:02d}" for year, month in
        [(2026, m) for m in range(4, 13)] + [(2027, m) for m in range(1, 4)]
    ]  # fmt: skip
    months = {row["key"]: row for row in data["series"]}
    assert months["2026-06"]["tickets"] == data["tickets"]["tickets"] == 6 + 3 + 2
    assert (months["2026-06"]["bereavement"], months["2026-07"]["bereavement"]) == (2, 1)
    assert data["period"]["label"] == "令和8年度"


def test_monthly_report_due_dates_move_to_the_next_open_day(municipality, calendars):
    due = submission_due(municipality, 2026, 6)
    # 7 July 2026 is a Tuesday (open); 25 July a Saturday → Monday 27 July.
    assert (due["report"]["due"], due["report"]["moved"]) == ("2026-07-07", False)
    assert (due["roster"]["nominal"], due["roster"]["due"], due["roster"]["moved"]) == (
        "2026-07-25",
        "2026-07-27",
        True,
    )
    assert (due["report"]["covers"], due["roster"]["covers"]) == ("2026-06", "2026-08")
    # October's report: 7 November 2026 is a Saturday → Monday 9 November.
    assert submission_due(municipality, 2026, 10)["report"]["due"] == "2026-11-09"
    # December's: 7 January 2027 is a Thursday, open after the year-end closure.
    assert submission_due(municipality, 2026, 12)["report"]["due"] == "2027-01-07"


def test_a_designated_saturday_is_an_open_day_for_the_due_date(municipality, june, staff):
    counter_calendar = june
    add_designated_day(acting_user=staff, calendar=counter_calendar, date=dt.date(2026, 7, 25),
                       start=dt.time(8, 30), end=dt.time(12))  # fmt: skip
    assert submission_due(municipality, 2026, 6)["roster"]["due"] == "2026-07-25"


def test_without_a_counter_calendar_the_hours_figures_are_zero_and_due_dates_unknown(
    desk, municipality, wednesday
):
    BusinessCalendar.objects.filter(municipality=municipality, service="counter").delete()
    data = counter_monthly_report(municipality, 2026, 6)
    assert data["hours"]["calendar"] is False
    assert data["hours"]["minutes_after_closing"] == 0
    assert data["due"]["report"]["due"] is None
    assert data["tickets"]["tickets"] == 6


def test_a_fixed_number_of_queries_whatever_the_number_of_tickets(
    desk, municipality, calendars, reception, clerk
):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            counter_annual_report(municipality, 2026)
        return len(queries.captured_queries)

    served(reception, clerk, desk.certificates, desk.window1, WED, "09:00", "09:01", "09:02")
    count()  # the holidays of the years are filled on first use
    few = count()
    for minute in range(10, 40):
        served(
            reception,
            clerk,
            desk.moves,
            desk.window2,
            WED,
            f"11:{minute}",
            f"11:{minute}",
            f"11:{minute}",
        )
    assert count() == few


def test_the_reports_hold_no_personal_data(municipality, june, money):
    text = json.dumps(counter_monthly_report(municipality, 2026, 6), ensure_ascii=False)
    for personal in (
        "（故人）",
        "（来庁者）",
        "0191-00-0000",
        "一関税務署",
        "添付書類不足",
        "通数誤り",
    ):
        assert personal not in text


# --- Files ---------------------------------------------------------------------------------------


def sheet_rows(sheet) -> dict[str, tuple]:
    """First column → the row's cells (from the header row on)."""
    return {row[0].value: row for row in sheet.iter_rows(min_row=3) if row[0].value is not None}


def test_monthly_excel_reads_back_with_numbers_and_formats(municipality, june):
    data = counter_monthly_report(municipality, 2026, 6)
    book = load_workbook(io.BytesIO(renderers.render(data, "xlsx", municipality_name="一関市")))
    assert book.sheetnames[:5] == ["概要", "提出期限", "待ち行列別", "時間帯別", "日別"]
    assert "受付" in book.sheetnames and "手数料" in book.sheetnames
    summary = sheet_rows(book["概要"])
    assert summary["発券数"][1].value == data["tickets"]["tickets"] == 11
    assert summary["手数料 金額（取消後・円）"][1].value == 1200
    share = summary["目標時間内の割合"][1]
    assert (share.value, share.number_format) == (data["tickets"]["within_target_share"], "0.0%")
    queues = sheet_rows(book["待ち行列別"])
    wait = queues["A 証明書"][7]  # 目標, 発券, 呼出, 完了, 不在, 未呼出, then 待ち 中央値
    assert book["待ち行列別"].cell(row=3, column=8).value == "待ち時間 中央値（分）"
    assert (wait.value, wait.number_format) == (data["by_queue"][0]["wait_p50"], "#,##0.0")
    due = sheet_rows(book["提出期限"])
    assert due["業務従事者名簿（翌月勤務割当表）"][3].value == "令和8年7月27日（月）（翌開庁日）"
    assert due["業務報告書（前月の処理・取扱件数）"][3].value == "令和8年7月7日（火）"
    days = sheet_rows(book["日別"])
    assert days["6月8日（月）"][7].value == 2  # 夜間延長の発券
    assert days["合計"][1].value == 11
    assert "窓口業務 月次報告書 令和8年6月 一関市" in book["概要"]["A1"].value


def test_monthly_pdf_reads_back(municipality, june):
    data = counter_monthly_report(municipality, 2026, 6)
    text = pdftotext(renderers.render(data, "pdf", municipality_name="一関市"))
    for expected in (
        "窓口業務 月次報告書",
        "令和8年6月",
        "一関市",
        "提出期限",
        "令和8年7月27日（月）（翌開庁日）",
        "待ち行列別の待ち時間・対応時間",
        "1,200円",
        "A 証明書",
    ):
        assert expected in text, expected


def test_csv_is_cp932_with_one_line_per_figure(municipality, june):
    data = counter_monthly_report(municipality, 2026, 6)
    content = renderers.render(data, "csv", municipality_name="一関市")
    rows = list(csv.reader(io.StringIO(content.decode("cp932"))))
    assert rows[0] == ["表", "行", "列", "値"]
    assert content.count(b"\r\n") == len(rows)
    figures = {(table, row, column): value for table, row, column, value in rows[1:]}
    assert figures[("概要", "発券数", "値")] == "11"
    assert figures[("概要", "目標時間内の割合", "値")] == str(
        data["tickets"]["within_target_share"]
    )
    assert figures[("手続・納付方法別の手数料", "合計", "金額（円）")] == "1200"
    assert figures[("手続・請求者別の受付件数", "住民票の写し／本人", "通数")] == "4"
    assert figures[("日別の件数", "6月13日（土）", "指定開庁日の発券")] == "2"


@pytest.mark.parametrize("fmt", ["xlsx", "pdf", "csv"])
def test_daily_and_annual_render_in_every_format(municipality, june, fmt):
    for data in (
        counter_daily_report(municipality, WED),
        counter_annual_report(municipality, 2026),
    ):
        content = renderers.render(data, fmt, municipality_name="一関市")
        start = {"xlsx": b"PK\x03\x04", "pdf": b"%PDF", "csv": "表,行,列,値".encode("cp932")}[fmt]
        assert content.startswith(start), data["period"]["kind"]


# --- The command ---------------------------------------------------------------------------------


def test_command_prints_the_daily_report_as_json(municipality, wednesday, capsysbinary):
    call_command("report", "counter-daily", "--date", "2026-06-10", "--format", "json")
    data = json.loads(capsysbinary.readouterr().out)
    assert data["period"] == {
        "kind": "counter-daily",
        "start": "2026-06-10",
        "end": "2026-06-10",
        "label": "令和8年6月10日（水）",
    }
    assert data["tickets"]["tickets"] == 6
    assert data["hours"]["minutes_after_closing"] == 25


def test_command_writes_monthly_excel_and_annual_csv(municipality, june, tmp_path, capsysbinary):
    out = tmp_path / "窓口月次.xlsx"
    call_command("report", "counter-monthly", "--month", "2026-06", "--format", "xlsx",
                 "--out", str(out))  # fmt: skip
    assert sheet_rows(load_workbook(out)["概要"])["発券数"][1].value == 11
    call_command("report", "counter-annual", "--year", "2026", "--format", "csv")
    text = capsysbinary.readouterr().out.decode("cp932")
    assert text.startswith("表,行,列,値\r\n")
    assert "月別の件数,令和8年6月,発券,11\r\n" in text
    with pytest.raises(CommandError, match="既にあります"):
        call_command("report", "counter-monthly", "--month", "2026-06", "--format", "xlsx",
                     "--out", str(out))  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["counter-daily", "--date", "2026-6-1x"], "--date は"),
        (["counter-monthly", "--month", "2026-13"], "--month は"),
        (["counter-annual"], "--year"),
        (["counter-monthly", "--month", "2026-06", "--format", "pdf"], "--out"),
    ],
)
def test_command_refuses_bad_periods_and_binary_without_out(municipality, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("report", *args)


# --- The pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("operator", 403),
        ("reception", 403),
        ("counter_clerk", 403),
        ("cashier", 403),
        ("supervisor", 200),
        ("staff", 200),
        ("inspector", 200),
        ("admin", 403),
    ],
)
def test_who_may_read_the_counter_reports(client, municipality, calendars, role, status):
    sign_in(client, _user(role, municipality, username=f"{role}_reader"))
    for url in (
        "/reports/counter/",
        "/reports/counter/daily/2026-06-10/",
        "/reports/counter/monthly/2026-06/",
        "/reports/counter/annual/2026/",
        "/reports/counter/monthly/2026-06/csv/",
    ):
        assert client.get(url).status_code == status, url


def test_anonymous_visitors_are_sent_to_sign_in(client, municipality):
    response = client.get("/reports/counter/monthly/2026-06/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_monthly_page_shows_the_figures_and_the_due_dates(client, municipality, june, staff):
    sign_in(client, staff)
    text = client.get("/reports/counter/monthly/2026-06/").content.decode()
    assert "窓口業務 月次報告書" in text and "令和8年6月" in text
    assert "令和8年7月27日（月）（翌開庁日）" in text
    assert 'data-testid="counter-待ち行列別"' in text
    assert "1,200円" in text
    assert 'href="/reports/counter/monthly/2026-05/"' in text  # 前へ
    assert 'href="/reports/counter/monthly/2026-06/xlsx/"' in text


def test_a_download_is_an_export_in_the_access_log(client, municipality, june, supervisor):
    sign_in(client, supervisor)
    before = AccessLogEntry.objects.count()
    response = client.get("/reports/counter/daily/2026-06-10/xlsx/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "%E7%AA%93%E5%8F%A3" in response["Content-Disposition"]  # 窓口… (RFC 5987)
    assert sheet_rows(load_workbook(io.BytesIO(response.content))["概要"])["発券数"][1].value == 6
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert AccessLogEntry.objects.count() == before + 1
    assert (entry.action, entry.actor, entry.fields) == ("export", supervisor, [])
    assert "窓口業務報告書の出力" in entry.reason


@pytest.mark.parametrize(
    "url",
    [
        "/reports/counter/daily/2026-02-30/",
        "/reports/counter/monthly/2026-13/",
        "/reports/counter/annual/26/",
        "/reports/counter/daily/2026-06-10/docx/",
    ],
)
def test_a_malformed_period_or_format_is_a_page_that_does_not_exist(client, staff, url):
    sign_in(client, staff)
    assert client.get(url).status_code == 404


def test_the_index_opens_the_chosen_period(client, staff, calendars):
    sign_in(client, staff)
    response = client.get("/reports/counter/?kind=monthly&month=2026-05")
    assert (response.status_code, response["Location"]) == (
        302,
        "/reports/counter/monthly/2026-05/",
    )
    response = client.get("/reports/counter/?kind=daily&date=2026-02-30")
    assert response.status_code == 200
    assert "「2026-02-30」は開ける期間ではありません" in response.content.decode()
