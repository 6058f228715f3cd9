"""The card issuance reports (issue 18 §10) as data (JSON-ready dicts): the pages, the files
(xlsx, PDF, CSV) and ``civicdesk report cards-…`` all render these.

- マイナンバーカード交付 日次報告書 (cards-daily): per venue and in total, the day's bookings by
  channel, changes and cancellations, slots offered and seats booked, visits and no-shows,
  cards issued, returned and failed, the venue's day close; for the city, reissued notices,
  calls by type ア–オ and the center's reconciliation.
- マイナンバーカード交付 月次報告書 (cards-monthly): the same for the month, and a row per day.

A day is a Tokyo day. Bookings count on the day they were made under the channel they were
made through (the RESERVED step; a later change by the call center does not move it); seats,
visits and no-shows on the day of their slot; steps of a target (変更, 取消, 交付, 返却,
交付不可, 通知再発行) on the day of their event, at the event's venue (else the target's).
Counts only: no names, numbers or explanations' text (an explanation counts as given or not).
Every figure comes from a fixed number of grouped queries, whatever the period's length.

The data: ``period``, ``municipality``, ``venues`` [{code, short_name, name}], ``by_venue``
[{code, …, the figures (FIGURE_KEYS and use_share), venue_days {open_days,
open_days_not_closed, closed_days, days_with_difference, difference}, and for a day venue_day
{open, closed, difference, explained}}], ``total`` (the figures), ``notices_reissued``,
``calls`` {by_type [{code, label, count}], total}, ``reconciliation`` {closed_days,
days_with_difference, and for a day ``day`` with the close's figures and differences}, and for a
month ``series`` [{date, by_venue {code: figures}, total, notices_reissued, calls,
reconciliation}].
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import models
from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce, TruncDate

from civicdesk.cards.choices import CallType, Channel, ReservationStatus, SeatPool, TargetEventKind
from civicdesk.cards.models import (
    CardCall,
    ReconciliationClose,
    Reservation,
    Slot,
    TargetEvent,
    Venue,
    VenueDay,
)
from civicdesk.core import calendar
from civicdesk.core.calendar import TOKYO, day_bounds
from civicdesk.core.japanese import era_date, era_year
from civicdesk.core.models import Municipality
from civicdesk.reports.selectors.reports import month_bounds, municipality_data

WEEKDAYS = "月火水木金土日"


class CardsReportKind(models.TextChoices):
    DAILY = "cards-daily", "マイナンバーカード交付 日次報告書"
    MONTHLY = "cards-monthly", "マイナンバーカード交付 月次報告書"


# The steps of a target the reports count, by the key of the figures.
EVENT_FIGURES = {
    TargetEventKind.CHANGED: "changed",
    TargetEventKind.CANCELLED: "cancelled",
    TargetEventKind.ISSUED: "issued",
    TargetEventKind.RETURNED: "returned",
    TargetEventKind.FAILED: "failed",
}
# The figures of a venue (or of all venues) in a day or a period, in the order tables show them.
FIGURE_KEYS = (
    *(f"bookings_{channel}" for channel in Channel.values),
    "bookings",
    "changed",
    "cancelled",
    "slots",
    *(f"capacity_{pool}" for pool in SeatPool.values),
    "capacity",
    *(f"booked_{pool}" for pool in SeatPool.values),
    "booked",
    "attended",
    "no_shows",
    "issued",
    "returned",
    "failed",
)


# --- The reports -------------------------------------------------------------------------------


def cards_daily_report(municipality: Municipality, day: dt.date) -> dict:
    label = f"{era_date(day)}（{WEEKDAYS[day.weekday()]}）"
    return {
        "period": _period(CardsReportKind.DAILY, day, day, label),
        "municipality": municipality_data(municipality),
        **period_figures(municipality, day, day),
    }


def cards_monthly_report(municipality: Municipality, year: int, month: int) -> dict:
    start, end = month_bounds(year, month)
    return {
        "period": _period(CardsReportKind.MONTHLY, start, end, f"{era_year(start)}{month}月"),
        "municipality": municipality_data(municipality),
        **period_figures(municipality, start, end, series=True),
    }


def cards_report(municipality: Municipality, kind: str, start: dt.date) -> dict:
    """The report of ``kind`` whose period starts at ``start`` (a day, or a month's 1st)."""
    if kind == CardsReportKind.DAILY:
        return cards_daily_report(municipality, start)
    if kind == CardsReportKind.MONTHLY:
        return cards_monthly_report(municipality, start.year, start.month)
    raise ValueError(f"unknown card report kind {kind!r}")


def _period(kind: str, start: dt.date, end: dt.date, label: str) -> dict:
    return {"kind": kind, "start": start.isoformat(), "end": end.isoformat(), "label": label}


# --- The figures -------------------------------------------------------------------------------


def period_figures(
    municipality: Municipality, start: dt.date, end: dt.date, *, series: bool = False
) -> dict:
    """Per venue and in total for [start, end]; with ``series``, a row per day as well."""
    venues = list(
        Venue.objects.filter(municipality=municipality)
        .select_related("calendar")
        .order_by("sort_order", "code")
    )
    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    counts = _Counts(municipality, venues, start, end)
    per_day = {day: _day(counts, venues, day) for day in days}
    result = {
        "venues": [_venue_data(venue) for venue in venues],
        "by_venue": [_venue_totals(venue, [per_day[day] for day in days]) for venue in venues],
        "total": _summed(per_day[day]["total"] for day in days),
        "notices_reissued": sum(per_day[day]["notices_reissued"] for day in days),
        "calls": _calls(
            {code: sum(per_day[day]["calls"][code] for day in days) for code in CallType.values}
        ),
        "reconciliation": _reconciliation_days([per_day[day]["reconciliation"] for day in days]),
    }
    if start == end:
        only = per_day[start]
        result["reconciliation"]["day"] = only["reconciliation"]
        for row in result["by_venue"]:
            row["venue_day"] = only["by_venue"][row["code"]]["venue_day"]
    if series:
        result["series"] = [_series_row(day, per_day[day]) for day in days]
    return result


def _venue_data(venue: Venue) -> dict:
    return {"code": venue.code, "short_name": venue.short_name, "name": venue.name}


def _venue_totals(venue: Venue, days: list[dict]) -> dict:
    figures = [day["by_venue"][venue.code] for day in days]
    return {
        **_venue_data(venue),
        **_summed(figures),
        "venue_days": _venue_days([day["venue_day"] for day in figures]),
    }


def _day(counts: _Counts, venues: list[Venue], day: dt.date) -> dict:
    by_venue = {venue.code: counts.venue_figures(day, venue) for venue in venues}
    return {
        "by_venue": by_venue,
        "total": _summed(by_venue.values()),
        "notices_reissued": counts.reissued.get(day, 0),
        "calls": {code: counts.calls.get((day, code), 0) for code in CallType.values},
        "reconciliation": counts.reconciliation_state(day),
    }


def _series_row(day: dt.date, figures: dict) -> dict:
    return {
        "date": day.isoformat(),
        "by_venue": figures["by_venue"],
        "total": figures["total"],
        "notices_reissued": figures["notices_reissued"],
        "calls": _calls(figures["calls"]),
        "reconciliation": figures["reconciliation"],
    }


def _summed(rows) -> dict:
    total = dict.fromkeys(FIGURE_KEYS, 0)
    for row in rows:
        for key in FIGURE_KEYS:
            total[key] += row[key]
    total["use_share"] = _share(total["booked"], total["capacity"])
    return total


def _share(part: int, whole: int) -> float | None:
    """A fraction (0.25, not 25 %) as the counter reports give theirs; None without seats."""
    return round(part / whole, 4) if whole else None


def _calls(by_type: dict[str, int]) -> dict:
    return {
        "by_type": [
            {"code": code, "label": label, "count": by_type[code]}
            for code, label in CallType.choices
        ],
        "total": sum(by_type.values()),
    }


def _venue_days(states: list[dict]) -> dict:
    closed = [state for state in states if state["closed"]]
    return {
        "open_days": sum(1 for state in states if state["open"]),
        # An open day without its close is what a supervisor chases.
        "open_days_not_closed": sum(1 for state in states if state["open"] and not state["closed"]),
        "closed_days": len(closed),
        "days_with_difference": sum(1 for state in closed if state["difference"]),
        "difference": sum(state["difference"] for state in closed),
    }


def _reconciliation_days(states: list[dict]) -> dict:
    closed = [state for state in states if state["closed"]]
    return {
        "closed_days": len(closed),
        "days_with_difference": sum(
            1 for state in closed if state["notices_difference"] or state["cards_difference"]
        ),
    }


class _Counts:
    """The period's rows counted per (day, venue, …) in one grouped query per source."""

    def __init__(self, municipality: Municipality, venues: list[Venue], start, end):
        self.bounds = day_bounds(start, end)
        self.start, self.end = start, end
        self.calendars = calendar.snapshots([venue.calendar for venue in venues], start, end)
        self.bookings = self._bookings(municipality)
        self.events, self.reissued = self._events(municipality)
        self.slots = self._slots(municipality)
        self.outcomes = self._outcomes(municipality)
        self.venue_days = {
            (row.date, row.venue_id): row
            for row in VenueDay.objects.filter(
                venue__municipality=municipality, date__range=(start, end)
            )
        }
        self.closes = {
            row.date: row
            for row in ReconciliationClose.objects.filter(
                municipality=municipality, date__range=(start, end)
            )
        }
        self.calls = {
            (row["day"], row["call_type"]): row["n"]
            for row in CardCall.objects.filter(municipality=municipality, at__range=self.range)
            .annotate(day=TruncDate("at", tzinfo=TOKYO))
            .values("day", "call_type")
            .annotate(n=Count("pk"))
        }

    @property
    def range(self) -> tuple[dt.datetime, dt.datetime]:
        # [start 00:00, end+1 00:00): the upper bound is excluded by a microsecond.
        return self.bounds[0], self.bounds[1] - dt.timedelta(microseconds=1)

    def _bookings(self, municipality) -> dict:
        # A booking counts under the channel it was made through (its RESERVED event), even if
        # the call center later moved it to a seat of another pool.
        rows = (
            TargetEvent.objects.filter(
                target__municipality=municipality,
                kind=TargetEventKind.RESERVED,
                at__range=self.range,
            )
            .annotate(
                day=TruncDate("at", tzinfo=TOKYO),
                where=Coalesce(F("venue_id"), F("target__venue_id")),
            )
            .values("day", "where", "channel")
            .annotate(n=Count("pk"))
        )
        return {(row["day"], row["where"], row["channel"]): row["n"] for row in rows}

    def _events(self, municipality) -> tuple[dict, dict]:
        kinds = [*EVENT_FIGURES, TargetEventKind.NOTICE_REISSUED]
        rows = (
            TargetEvent.objects.filter(
                target__municipality=municipality, kind__in=kinds, at__range=self.range
            )
            .annotate(
                day=TruncDate("at", tzinfo=TOKYO),
                where=Coalesce(F("venue_id"), F("target__venue_id")),
            )
            .values("day", "where", "kind")
            .annotate(n=Count("pk"))
        )
        events, reissued = {}, defaultdict(int)
        for row in rows:
            if row["kind"] == TargetEventKind.NOTICE_REISSUED:
                reissued[row["day"]] += row["n"]
            else:
                events[(row["day"], row["where"], row["kind"])] = row["n"]
        return events, reissued

    def _slots(self, municipality) -> dict:
        sums = {f"{part}_{pool}": Sum(f"{part}_{pool}") for part in ("capacity", "booked")
                for pool in SeatPool.values}  # fmt: skip
        rows = (
            Slot.objects.filter(venue__municipality=municipality, starts_at__range=self.range)
            .annotate(day=TruncDate("starts_at", tzinfo=TOKYO))
            .values("day", "venue_id")
            .annotate(slots=Count("pk"), **sums)
        )
        return {(row["day"], row["venue_id"]): row for row in rows}

    def _outcomes(self, municipality) -> dict:
        rows = (
            Reservation.objects.filter(
                slot__venue__municipality=municipality,
                slot__starts_at__range=self.range,
                status__in=[ReservationStatus.ATTENDED, ReservationStatus.NO_SHOW],
            )
            .annotate(day=TruncDate("slot__starts_at", tzinfo=TOKYO))
            .values("day", "slot__venue_id", "status")
            .annotate(n=Count("pk"))
        )
        return {(row["day"], row["slot__venue_id"], row["status"]): row["n"] for row in rows}

    def venue_figures(self, day: dt.date, venue: Venue) -> dict:
        figures = {
            f"bookings_{channel}": self.bookings.get((day, venue.pk, channel), 0)
            for channel in Channel.values
        }
        figures["bookings"] = sum(figures.values())
        for kind, key in EVENT_FIGURES.items():
            figures[key] = self.events.get((day, venue.pk, kind), 0)
        slots = self.slots.get((day, venue.pk), {})
        figures["slots"] = slots.get("slots", 0)
        for part in ("capacity", "booked"):
            for pool in SeatPool.values:
                figures[f"{part}_{pool}"] = slots.get(f"{part}_{pool}") or 0
            figures[part] = sum(figures[f"{part}_{pool}"] for pool in SeatPool.values)
        figures["use_share"] = _share(figures["booked"], figures["capacity"])
        figures["attended"] = self.outcomes.get((day, venue.pk, ReservationStatus.ATTENDED), 0)
        figures["no_shows"] = self.outcomes.get((day, venue.pk, ReservationStatus.NO_SHOW), 0)
        figures["venue_day"] = self.venue_day_state(day, venue)
        return figures

    def venue_day_state(self, day: dt.date, venue: Venue) -> dict:
        is_open = self.calendars[venue.calendar_id].day(day).open
        closed = self.venue_days.get((day, venue.pk))
        if closed is None:
            return {"open": is_open, "closed": False, "difference": None, "explained": None}
        return {
            "open": is_open,
            "closed": True,
            "difference": closed.difference,
            "explained": bool(closed.explanation.strip()),
        }

    def reconciliation_state(self, day: dt.date) -> dict:
        close = self.closes.get(day)
        if close is None:
            return {
                "closed": False,
                **dict.fromkeys(RECONCILIATION_FIGURES),
                "notices_difference": None,
                "cards_difference": None,
                "explained": None,
            }
        return {
            "closed": True,
            **{key: getattr(close, key) for key in RECONCILIATION_FIGURES},
            # 別紙⑥ 2(1)②③: received = mailed (+ not yet mailed); received = sent (+ stock).
            "notices_difference": close.notices_received
            - close.notices_mailed
            - close.notices_pending,
            "cards_difference": close.cards_received
            - close.cards_transferred
            - close.cards_in_stock,
            "explained": bool(close.explanation.strip()),
        }


RECONCILIATION_FIGURES = (
    "notices_received",
    "notices_mailed",
    "notices_pending",
    "cards_received",
    "cards_transferred",
    "cards_in_stock",
)
