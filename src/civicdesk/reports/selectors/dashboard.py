"""The live supervisor dashboard (issue 7): today's figures for the whole center, per operator
and per hour (0–23, Asia/Tokyo), over every channel.

The definitions are those of the reports (reports.kpis, docs/reports.md) and of the 稼働状況
page (dunning.selectors.live): attempts are outbound calls, reached means 本人・家族・その他,
reach rate = reached outbound calls ÷ attempts, promise rate = contacts with a promise ÷
reached contacts.

Two queries whatever the number of operators: today's contacts grouped by (user, hour,
channel, party, promised), and the users to list. Everything else is folded here.

Who: whoever may read the reports (supervisors, staff, inspectors). The dashboard shows counts
and the names of the center's users only, never an obligor, so it writes no access log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Q
from django.db.models.functions import ExtractHour
from django.utils import timezone

from civicdesk.accounts.models import Role
from civicdesk.core.calendar import TOKYO, day_bounds
from civicdesk.core.choices import REACHED_PARTIES, ContactChannel
from civicdesk.core.models import Municipality
from civicdesk.dunning.models import Contact
from civicdesk.reports import kpis
from civicdesk.reports.selectors.reports import may_view_reports

HOURS = range(24)
# The roles whose rows are listed even before their first contact of the day.
LISTED_ROLES = (Role.OPERATOR, Role.VISITOR)
# Channel → the Tally field that counts its contacts.
CHANNEL_FIELDS = {
    ContactChannel.OUTBOUND_CALL: "attempts",
    ContactChannel.VISIT: "visits",
    ContactChannel.SMS: "sms",
    ContactChannel.INBOUND_CALL: "inbound",
    ContactChannel.LETTER: "letters",
}


def may_view_dashboard(user) -> bool:
    """Report readers of a municipality: the dashboard is today's report as it grows."""
    return may_view_reports(user) and Municipality.objects.id_for_user(user) is not None


@dataclass
class Tally:
    """Counts of one operator, one hour or the whole day."""

    contacts: int = 0
    attempts: int = 0  # outbound calls
    reached_calls: int = 0
    reached: int = 0  # every channel
    promises: int = 0  # contacts with at least one promise
    visits: int = 0
    sms: int = 0
    inbound: int = 0
    letters: int = 0

    def add(self, channel: str, party: str, promised: bool, n: int) -> None:
        reached = party in REACHED_PARTIES
        self.contacts += n
        name = CHANNEL_FIELDS.get(channel)
        if name:
            setattr(self, name, getattr(self, name) + n)
        if reached:
            self.reached += n
            if channel == ContactChannel.OUTBOUND_CALL:
                self.reached_calls += n
        if promised:
            self.promises += n

    @property
    def reach_rate(self) -> float | None:
        return kpis.rate(self.reached_calls, self.attempts)

    @property
    def promise_rate(self) -> float | None:
        return kpis.rate(self.promises, self.reached)

    @property
    def reach_percent(self) -> str:
        return percent(self.reach_rate)

    @property
    def promise_percent(self) -> str:
        return percent(self.promise_rate)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@dataclass
class OperatorRow:
    user: object
    tally: Tally
    last_at: dt.datetime | None


@dataclass
class Dashboard:
    now: dt.datetime
    total: Tally = field(default_factory=Tally)
    operators: list[OperatorRow] = field(default_factory=list)
    hours: list[tuple[int, Tally]] = field(default_factory=list)


def today_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return day_bounds(now.astimezone(TOKYO).date())


def dashboard(user, now: dt.datetime | None = None) -> Dashboard | None:
    """Today's figures for the user's municipality; None for whoever may not see them."""
    if not may_view_dashboard(user):
        return None
    now = now or timezone.now()
    municipality_id = Municipality.objects.id_for_user(user)
    result = Dashboard(now=now)
    per_user: dict[int | None, Tally] = {}
    last_at: dict[int | None, dt.datetime] = {}
    per_hour = {hour: Tally() for hour in HOURS}
    for user_id, hour, channel, party, promised, n, latest in _rows(municipality_id, now):
        result.total.add(channel, party, promised, n)
        per_user.setdefault(user_id, Tally()).add(channel, party, promised, n)
        per_hour[hour].add(channel, party, promised, n)
        if user_id not in last_at or latest > last_at[user_id]:
            last_at[user_id] = latest
    result.hours = list(per_hour.items())
    # Contacts without a user (imported history) count in the total and the hours only.
    for person in _users(municipality_id, [pk for pk in per_user if pk is not None]):
        result.operators.append(
            OperatorRow(person, per_user.get(person.pk, Tally()), last_at.get(person.pk))
        )
    return result


def _rows(municipality_id: int, now: dt.datetime):
    low, high = today_bounds(now)
    return (
        Contact.objects.filter(obligor__municipality_id=municipality_id, at__gte=low, at__lt=high)
        .annotate(hour=ExtractHour("at", tzinfo=TOKYO))
        .values_list("user_id", "hour", "channel", "party", "promised")
        .annotate(n=Count("pk"), latest=Max("at"))
        .order_by()
    )


def _users(municipality_id: int, active_ids: list[int]):
    """The municipality's operators and visitors, and anyone else who made contacts today."""
    listed = Q(role__in=LISTED_ROLES, is_active=True, municipality_id=municipality_id)
    return (
        get_user_model()
        .objects.filter(listed | Q(pk__in=active_ids))
        .order_by("display_name", "username")
    )
