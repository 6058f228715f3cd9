"""The live page (supervisors; staff may read): today's work per operator, as it happens.

Three aggregate queries whatever the number of operators: contacts of today grouped by user,
the leases held now, and the users to list. Rates follow GLOSSARY.md:
- reach rate (対話率) = reached outbound calls ÷ outbound calls;
- promise rate (納付約束率) = contacts with a promise ÷ reached contacts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Q
from django.utils import timezone

from civicdesk.accounts.models import Role
from civicdesk.core.calendar import TOKYO, day_bounds
from civicdesk.core.choices import ContactChannel, ContactParty
from civicdesk.dunning.models import Contact, WorkItem
from civicdesk.registry.selectors import scope_for


def may_view_live(user) -> bool:
    # Whoever may see the work items as a whole (supervisors, staff: accounts.roles).
    return user.has_perm("dunning.view_workitem") and scope_for(user) is not None


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass
class Figures:
    done: int = 0  # contacts recorded today (items done)
    reached: int = 0  # contacts where someone answered (any channel)
    promised: int = 0  # contacts with at least one promise
    outbound: int = 0  # outbound calls
    outbound_reached: int = 0  # outbound calls where someone answered

    @property
    def reach_rate(self) -> float | None:
        return _rate(self.outbound_reached, self.outbound)

    @property
    def promise_rate(self) -> float | None:
        return _rate(self.promised, self.reached)

    def add(self, other: Figures) -> None:
        self.done += other.done
        self.reached += other.reached
        self.promised += other.promised
        self.outbound += other.outbound
        self.outbound_reached += other.outbound_reached


@dataclass
class OperatorLive:
    user: object
    figures: Figures
    campaign: str | None  # the campaign of the item held now; None: idle
    lease_expires_at: dt.datetime | None
    last_activity: dt.datetime | None  # the last contact recorded today

    @property
    def busy(self) -> bool:
        return self.campaign is not None


@dataclass
class LiveStats:
    now: dt.datetime
    rows: list[OperatorLive]
    totals: Figures = field(default_factory=Figures)


def _today(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return day_bounds(timezone.localdate(now, TOKYO))


def live_stats(user, now: dt.datetime | None = None) -> LiveStats:
    """Today's figures per operator and in total, for the user's municipality."""
    now = now or timezone.now()
    scope = scope_for(user)
    if not may_view_live(user) or scope.municipality_id is None:
        return LiveStats(now, [])
    municipality_id = scope.municipality_id
    start, end = _today(now)
    reached = ~Q(party=ContactParty.NONE)
    outbound = Q(channel=ContactChannel.OUTBOUND_CALL)
    per_user = (
        Contact.objects.filter(obligor__municipality_id=municipality_id, at__gte=start, at__lt=end)
        .order_by()
        .values("user_id")
        .annotate(
            done=Count("pk"),
            reached=Count("pk", filter=reached),
            promised=Count("pk", filter=Q(promised=True)),
            outbound=Count("pk", filter=outbound),
            outbound_reached=Count("pk", filter=outbound & reached),
            last_at=Max("at"),
        )
    )
    figures: dict[int | None, Figures] = {}
    last_at: dict[int | None, dt.datetime] = {}
    for row in per_user:
        user_id = row.pop("user_id")
        last_at[user_id] = row.pop("last_at")
        figures[user_id] = Figures(**row)
    leases: dict[int, tuple[str, dt.datetime]] = {}
    held = (
        WorkItem.objects.filter(
            campaign__municipality_id=municipality_id,
            lease_owner__isnull=False,
            lease_expires_at__gt=now,
        )
        .order_by("lease_expires_at")
        .values_list("lease_owner_id", "campaign__name", "lease_expires_at")
    )
    for owner_id, campaign, expires in held:
        leases[owner_id] = (campaign, expires)  # the latest lease wins (ordered ascending)
    users = (
        get_user_model()
        .objects.filter(
            Q(role=Role.OPERATOR, is_active=True, municipality_id=municipality_id)
            | Q(pk__in=[pk for pk in figures if pk is not None])
            | Q(pk__in=list(leases))
        )
        .order_by("display_name", "username")
    )
    rows = []
    totals = Figures()
    for person in users:
        own = figures.get(person.pk, Figures())
        campaign, expires = leases.get(person.pk, (None, None))
        rows.append(OperatorLive(person, own, campaign, expires, last_at.get(person.pk)))
    for own in figures.values():  # contacts without a user (imported) count in the totals
        totals.add(own)
    return LiveStats(now, rows, totals)
