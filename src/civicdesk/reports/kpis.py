"""The figures of every report, computed from the contacts (definitions: docs/reports.md).

- attempts: outbound-call contacts in the period.
- reached (対話): contacts whose party is 本人, 家族 or その他.
- reach rate (対話率) = reached outbound calls ÷ outbound-call attempts.
- promises (納付約束): contacts that created at least one promise.
- promise rate (納付約束率) = promises ÷ reached contacts (per channel, and for all channels).
- kept rate = kept promises ÷ promises whose date fell in the period.
- paid after contact: payments received within CIVICDESK_REPORT_PAID_DAYS (30) days after a
  reached contact in the period on the same account.
- night: contacts flagged night (at or after the end of the regular hours of the channel's
  calendar), reached and not reached.
A contact that covered several revenue types counts once in each of them and once in the total.

One grouped query reads the contacts of a period — per contact its Tokyo day, channel, party,
outcome, night, whether it made a promise and the revenue types it covered (a bit mask), all
columns of Contact and of one covering index (ADR 0011) — grouped by all of these; the total
and every revenue type are folded here from those few thousand rows, so a month of a million
contacts is one index scan, not one query per figure.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Sum

from civicdesk.core.calendar import day_bounds
from civicdesk.core.choices import REACHED_PARTIES, ContactChannel, RevenueType
from civicdesk.core.functions import DaysBefore
from civicdesk.core.models import Municipality
from civicdesk.dunning.choices import PromiseStatus
from civicdesk.dunning.coverage import type_mask
from civicdesk.dunning.models import Contact, ContactAccount, HandOver, Promise
from civicdesk.receivables.models import Payment

TOTAL = "total"
NIGHT_CHANNELS = {ContactChannel.OUTBOUND_CALL: "calls", ContactChannel.VISIT: "visits"}
TYPE_MASKS = {revenue_type: type_mask(revenue_type) for revenue_type in RevenueType.values}


def rate(numerator: int, denominator: int) -> float | None:
    """A fraction (0.25, not 25); None when nothing was there to count."""
    return round(numerator / denominator, 4) if denominator else None


# --- Counting ----------------------------------------------------------------------------------


@dataclass
class Counts:
    """What one revenue type (or the total) did in a period, before rates."""

    contacts: int = 0
    attempts: int = 0
    reached_calls: int = 0
    reached: int = 0
    promises: int = 0
    by_channel: dict = field(default_factory=lambda: defaultdict(Counter))
    calls_by_outcome: Counter = field(default_factory=Counter)
    night: dict = field(default_factory=lambda: defaultdict(Counter))

    def add_row(self, channel: str, party: str, outcome: str, night: bool, promised: bool, n: int):
        reached = party in REACHED_PARTIES
        self.contacts += n
        self.by_channel[channel]["contacts"] += n
        if reached:
            self.reached += n
            self.by_channel[channel]["reached"] += n
        if promised:
            self.promises += n
            self.by_channel[channel]["promises"] += n
        if channel == ContactChannel.OUTBOUND_CALL:
            self.attempts += n
            self.calls_by_outcome[outcome] += n
            if reached:
                self.reached_calls += n
        if night and channel in NIGHT_CHANNELS:
            self.night[NIGHT_CHANNELS[channel]]["reached" if reached else "not_reached"] += n

    def as_dict(self) -> dict:
        by_channel = {
            channel: {
                "contacts": self.by_channel[channel]["contacts"],
                "reached": self.by_channel[channel]["reached"],
                "promises": self.by_channel[channel]["promises"],
                "promise_rate": rate(
                    self.by_channel[channel]["promises"], self.by_channel[channel]["reached"]
                ),
            }
            for channel in ContactChannel.values
        }
        return {
            "contacts": self.contacts,
            "attempts": self.attempts,
            "reached_calls": self.reached_calls,
            "reach_rate": rate(self.reached_calls, self.attempts),
            "reached": self.reached,
            "promises": self.promises,
            "promise_rate": rate(self.promises, self.reached),
            "visits": by_channel[ContactChannel.VISIT]["contacts"],
            "sms": by_channel[ContactChannel.SMS]["contacts"],
            "letters": by_channel[ContactChannel.LETTER]["contacts"],
            "inbound_calls": by_channel[ContactChannel.INBOUND_CALL]["contacts"],
            "by_channel": by_channel,
            "calls_by_outcome": dict(sorted(self.calls_by_outcome.items())),
            "night": {
                name: {
                    "reached": self.night[name]["reached"],
                    "not_reached": self.night[name]["not_reached"],
                }
                for name in NIGHT_CHANNELS.values()
            },
        }


def contact_rows(municipality_id: int, start: dt.date, end: dt.date):
    """(day, revenue type or TOTAL, channel, party, outcome, night, promised, count) rows.

    One grouped query over the report columns of Contact (day, promised, coverage: ADR 0011),
    in the order of the covering index dunning_contact_report, so a month of a million contacts
    is read from the index alone and comes back as a few thousand rows; the total and every
    revenue type are folded here from the coverage bits."""
    rows = (
        scoped_contacts(municipality_id)
        .filter(day__range=(start, end))
        .values_list("day", "channel", "party", "outcome", "night", "promised", "coverage")
        .annotate(n=Count("*"))
        .order_by()
    )
    for day, channel, party, outcome, night, promised, mask, n in rows:
        yield day, TOTAL, channel, party, outcome, night, promised, n
        for revenue_type, bits in TYPE_MASKS.items():
            if mask & bits:
                yield day, revenue_type, channel, party, outcome, night, promised, n


def scoped_contacts(municipality_id: int):
    """The municipality's contacts; without the join to obligors when it is the only one."""
    if only_municipality(municipality_id):
        return Contact.objects.all()
    return Contact.objects.filter(obligor__municipality_id=municipality_id)


def only_municipality(municipality_id: int) -> bool:
    """True when no other municipality exists: then every obligor is this one's, and the scans
    need not look at obligors at all (one installation serves one municipality)."""
    return not Municipality.objects.exclude(pk=municipality_id).exists()


def count_by_day(municipality_id: int, start: dt.date, end: dt.date) -> dict:
    """day → key (revenue type or TOTAL) → Counts, for every day with contacts."""
    days: dict = defaultdict(lambda: defaultdict(Counts))
    for day, key, channel, party, outcome, night, promised, n in contact_rows(
        municipality_id, start, end
    ):
        days[day][key].add_row(channel, party, outcome, night, promised, n)
    return days


def merge(counts: list[Counts]) -> Counts:
    merged = Counts()
    for one in counts:
        merged.contacts += one.contacts
        merged.attempts += one.attempts
        merged.reached_calls += one.reached_calls
        merged.reached += one.reached
        merged.promises += one.promises
        merged.calls_by_outcome.update(one.calls_by_outcome)
        for channel, values in one.by_channel.items():
            merged.by_channel[channel].update(values)
        for name, values in one.night.items():
            merged.night[name].update(values)
    return merged


# --- Promises, payments, hand-overs --------------------------------------------------------------


def kept(municipality_id: int, start: dt.date, end: dt.date) -> dict[str, dict[str, int]]:
    """key → {"due": promises whose date fell in the period, "kept": those kept}."""
    promises = Promise.objects.filter(
        promised_on__range=(start, end), obligor__municipality_id=municipality_id
    )
    result: dict[str, dict[str, int]] = defaultdict(lambda: {"due": 0, "kept": 0})
    for status, n in promises.values_list("status").annotate(n=Count("pk")).order_by():
        result[TOTAL]["due"] += n
        if status == PromiseStatus.KEPT:
            result[TOTAL]["kept"] += n
    per_type = (
        promises.values_list("accounts__revenue_type", "status")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    for revenue_type, status, n in per_type:
        if revenue_type is None:
            continue
        result[revenue_type]["due"] += n
        if status == PromiseStatus.KEPT:
            result[revenue_type]["kept"] += n
    return result


def paid_after_contact(municipality_id: int, start: dt.date, end: dt.date) -> dict[str, dict]:
    """key → {"payments": N, "amount": yen} received within the window after a reached
    contact of the period on the same account (each payment once)."""
    window = settings.REPORT_PAID_DAYS
    # One probe of the partial index dunning_covered_reached per payment (ADR 0011).
    reached_before = ContactAccount.objects.filter(
        account_id=OuterRef("installment__account_id"),
        reached_on__range=(start, end),
        reached_on__lt=OuterRef("paid_on"),
        reached_on__gte=DaysBefore(OuterRef("paid_on"), window),
    )
    payments = Payment.objects.filter(
        installment__account__municipality_id=municipality_id,
        paid_on__gt=start,
        paid_on__lte=end + dt.timedelta(days=window),
    ).filter(Exists(reached_before))
    result: dict[str, dict] = {TOTAL: {"payments": 0, "amount": 0}}
    rows = (
        payments.values_list("installment__account__revenue_type")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by()
    )
    for revenue_type, n, amount in rows:
        result[revenue_type] = {"payments": n, "amount": amount or 0}
        result[TOTAL]["payments"] += n
        result[TOTAL]["amount"] += amount or 0
    return result


def hand_overs(municipality_id: int, start: dt.date, end: dt.date) -> dict[str, int]:
    low, high = day_bounds(start, end)
    rows = (
        HandOver.objects.filter(
            municipality_id=municipality_id, created_at__gte=low, created_at__lt=high
        )
        .values_list("reason")
        .annotate(n=Count("pk"))
        .order_by("reason")
    )
    return dict(rows)


# --- A period ------------------------------------------------------------------------------------


def period_figures(municipality_id: int, start: dt.date, end: dt.date, days=None) -> dict:
    """{"by_revenue_type": {type: figures}, "total": figures} for the period."""
    days = days if days is not None else count_by_day(municipality_id, start, end)
    keys = [*RevenueType.values, TOTAL]
    merged = {key: merge([day[key] for day in days.values() if key in day]) for key in keys}
    promises_kept = kept(municipality_id, start, end)
    paid = paid_after_contact(municipality_id, start, end)
    figures = {}
    for key in keys:
        values = merged[key].as_dict()
        due = promises_kept.get(key, {"due": 0, "kept": 0})
        values["promises_due"] = due["due"]
        values["promises_kept"] = due["kept"]
        values["kept_rate"] = rate(due["kept"], due["due"])
        payments = paid.get(key, {"payments": 0, "amount": 0})
        values["paid_after_contact"] = payments["payments"]
        values["paid_after_contact_amount"] = payments["amount"]
        figures[key] = values
    total = figures.pop(TOTAL)
    total["hand_overs"] = hand_overs(municipality_id, start, end)
    return {"by_revenue_type": figures, "total": total}


def daily_series(days: dict, start: dt.date, end: dt.date) -> list[dict]:
    """One row per day of the period (days without contacts as zeros): the trend chart and the
    night sheet."""
    series = []
    day = start
    while day <= end:
        counts = days.get(day, {}).get(TOTAL) or Counts()
        values = counts.as_dict()
        series.append(
            {
                "date": day.isoformat(),
                "attempts": values["attempts"],
                "reached_calls": values["reached_calls"],
                "reached": values["reached"],
                "promises": values["promises"],
                "visits": values["visits"],
                "night": values["night"],
            }
        )
        day += dt.timedelta(days=1)
    return series
