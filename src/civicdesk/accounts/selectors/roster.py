"""Read queries of the accounts app: the staff roster (業務従事者名簿) and who may sign in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from civicdesk.accounts.models import (
    ROSTER_ROLES,
    Roster,
    RosterChange,
    RosterChangeKind,
    RosterStatus,
    User,
    roster_due_date,
)
from civicdesk.core.calendar import add_months
from civicdesk.core.japanese import era_date, era_month

VIEW_ROSTERS = "accounts.view_roster"
PREPARE_ROSTERS = "accounts.change_roster"
# Staff names are personal data: the file leaves through the export register.
EXPORT_PERMISSION = "privacy.add_exportrecord"


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def last_of_month(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


def is_roster_bound(user) -> bool:
    """The contractor's people (operator, visitor, supervisor) sign in only while on a roster."""
    return getattr(user, "role", None) in ROSTER_ROLES


def is_on_roster(user, day: date) -> bool:
    """May ``user`` work (and sign in) on ``day``?

    Roles that are not roster-bound always may; with ROSTER_REQUIRED off everyone may.
    Otherwise the submitted roster of the user's municipality for ``day``'s month must hold
    the user, as changed by the temporary changes effective on or before ``day``.
    """
    if not settings.ROSTER_REQUIRED or not is_roster_bound(user):
        return True
    if not user.municipality_id:
        return False
    roster = Roster.objects.filter(
        municipality_id=user.municipality_id,
        month=first_of_month(day),
        status=RosterStatus.SUBMITTED,
    ).first()
    return roster is not None and listed_on(roster, user, day)


def listed_on(roster: Roster, user, day: date) -> bool:
    """Is ``user`` on ``roster`` on ``day`` (entries, then the latest change up to that day)?"""
    latest = (
        RosterChange.objects.filter(roster=roster, user=user, effective_from__lte=day)
        .order_by("-effective_from", "-pk")
        .values_list("kind", flat=True)
        .first()
    )
    if latest is not None:
        return latest == RosterChangeKind.ADDED
    return roster.entries.filter(user=user).exists()


@dataclass(frozen=True)
class Member:
    user: User
    duty: str


def members_on(roster: Roster, day: date) -> list[Member]:
    """Everyone on ``roster`` on ``day``, ordered by user name (copying a month, the export)."""
    duties = {entry.user_id: (entry.user, entry.duty) for entry in roster.entries.all()}
    changes = roster.changes.filter(effective_from__lte=day).select_related("user")
    for change in changes.order_by("effective_from", "pk"):
        if change.kind == RosterChangeKind.ADDED:
            duties[change.user_id] = (change.user, change.duty)
        else:
            duties.pop(change.user_id, None)
    members = [Member(user, duty) for user, duty in duties.values()]
    return sorted(members, key=lambda member: member.user.username)


# --- who may do what ----------------------------------------------------------------------


def may_view_rosters(user) -> bool:
    return user.is_authenticated and user.has_perm(VIEW_ROSTERS)


def may_prepare_rosters(user) -> bool:
    """The center's supervisor prepares, submits and changes the roster (seed 000 §14(3))."""
    return user.is_authenticated and user.has_perm(PREPARE_ROSTERS) and is_roster_bound(user)


def may_export_rosters(user) -> bool:
    return may_view_rosters(user) and user.has_perm(EXPORT_PERMISSION)


def rosters_for(user) -> QuerySet[Roster]:
    """The rosters of the user's own municipality (none for users without one)."""
    if not may_view_rosters(user) or not user.municipality_id:
        return Roster.objects.none()
    return Roster.objects.filter(municipality_id=user.municipality_id)


def roster_list(user) -> QuerySet[Roster]:
    return (
        rosters_for(user)
        .select_related("submitted_by")
        .annotate(
            entry_count=Count("entries", distinct=True),
            change_count=Count("changes", distinct=True),
            unreported_count=Count(
                "changes", filter=Q(changes__reported_at__isnull=True), distinct=True
            ),
        )
        .order_by("-month")
    )


@dataclass(frozen=True)
class RosterWarning:
    level: str  # message tag: "error" or "warning"
    text: str


def roster_warnings(user, today: date | None = None) -> list[RosterWarning]:
    """What the list page warns about: this month's roster missing (nobody of the center can
    sign in), next month's roster not submitted (before or after its due date)."""
    today = today or timezone.localdate()
    month = first_of_month(today)
    submitted = set(
        rosters_for(user)
        .filter(month__in=[month, add_months(month, 1)], status=RosterStatus.SUBMITTED)
        .values_list("month", flat=True)
    )
    warnings = []
    if month not in submitted:
        warnings.append(
            RosterWarning(
                "error",
                f"今月（{era_month(month)}）の名簿が提出されていません。"
                "提出されるまで、オペレータ・訪問員・業務責任者はログインできません。",
            )
        )
    upcoming = add_months(month, 1)
    if upcoming not in submitted:
        warnings.append(RosterWarning("warning", _upcoming_text(upcoming, today)))
    return warnings


def _upcoming_text(upcoming: date, today: date) -> str:
    due = roster_due_date(upcoming)
    label = era_month(upcoming)
    if due is None:
        return f"翌月（{label}）の名簿は未提出です。4月分は委託契約の締結後、速やかに提出します。"
    if today > due:
        return f"翌月（{label}）の名簿が提出期限（{era_date(due)}）を過ぎても提出されていません。"
    return f"翌月（{label}）の名簿は未提出です。提出期限は{era_date(due)}です。"


def candidates_for(roster: Roster) -> QuerySet[User]:
    """Who may be put on the roster: active contractor people of its municipality."""
    return User.objects.filter(
        municipality_id=roster.municipality_id, role__in=ROSTER_ROLES, is_active=True
    ).order_by("username")


def entry_candidates(roster: Roster) -> QuerySet[User]:
    return candidates_for(roster).exclude(roster_entries__roster=roster)


def roster_changes(roster: Roster) -> QuerySet[RosterChange]:
    return roster.changes.select_related("user", "user__team", "recorded_by").order_by(
        "effective_from", "pk"
    )


def roster_entries(roster: Roster):
    return roster.entries.select_related("user", "user__team").order_by("user__username")
