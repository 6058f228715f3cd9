"""Read queries of hand-overs (引継ぎ) and requests for staff (納付書再発行等).

Who sees which:
- staff and supervisors (dunning.view_handover / view_staffrequest): everything of their
  municipality; staff decide, supervisors read;
- operators and visitors (dunning.add_handover only): the hand-overs they wrote themselves;
- everyone else: nothing (the pages answer 403).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from civicdesk.core.choices import RevenueType
from civicdesk.dunning.choices import (
    HAND_OVER_TRANSITIONS,
    HandOverStatus,
    StaffRequestKind,
    StaffRequestStatus,
)
from civicdesk.dunning.models import HandOver, StaffRequest
from civicdesk.receivables.models import Account
from civicdesk.registry.selectors import scope_for

VIEW_ALL = "dunning.view_handover"
ADD = "dunning.add_handover"
DECIDE = "dunning.change_handover"
VIEW_REQUESTS = "dunning.view_staffrequest"
DECIDE_REQUESTS = "dunning.change_staffrequest"
EXPORT = "privacy.add_exportrecord"

# The inbox filter: "active" (未対応 + 受付済み) is what staff work from.
ACTIVE = "active"
ALL = "all"
STATUS_FILTERS = [
    (ACTIVE, "未対応・受付済み"),
    *HandOverStatus.choices,
    (ALL, "すべて"),
]
ACTIVE_STATUSES = (HandOverStatus.OPEN, HandOverStatus.ACCEPTED)


def may_view_hand_overs(user) -> bool:
    return user.has_perm(VIEW_ALL) or user.has_perm(ADD)


def may_decide_hand_overs(user) -> bool:
    return user.has_perm(DECIDE)


def may_view_staff_requests(user) -> bool:
    return user.has_perm(VIEW_REQUESTS)


def may_export_staff_requests(user) -> bool:
    return user.has_perm(VIEW_REQUESTS) and user.has_perm(EXPORT)


def _municipality_id(user) -> int | None:
    scope = scope_for(user)
    return scope.municipality_id if scope else None


def hand_overs_for(user) -> QuerySet[HandOver]:
    """Hand-overs the user may see at all (filter further, never widen)."""
    if user.has_perm(VIEW_ALL):
        municipality_id = _municipality_id(user)
        if municipality_id is None:
            return HandOver.objects.none()
        return HandOver.objects.filter(municipality_id=municipality_id)
    if user.has_perm(ADD):
        return HandOver.objects.filter(created_by=user)
    return HandOver.objects.none()


def staff_requests_for(user) -> QuerySet[StaffRequest]:
    municipality_id = _municipality_id(user)
    if not user.has_perm(VIEW_REQUESTS) or municipality_id is None:
        return StaffRequest.objects.none()
    return StaffRequest.objects.filter(municipality_id=municipality_id)


# --- The inbox -------------------------------------------------------------------------------


def age_label(delta: dt.timedelta) -> str:
    """How long a hand-over has waited: 2日3時間, 5時間12分, 8分."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}日{hours}時間"
    if hours:
        return f"{hours}時間{minutes}分"
    return f"{minutes}分"


def revenue_type_labels(types) -> list[str]:
    labels = dict(RevenueType.choices)
    return [labels.get(rt, rt) for rt in types]


@dataclass
class InboxRow:
    hand_over: HandOver
    age: str
    revenue_types: list[str]


@dataclass
class Inbox:
    rows: list[InboxRow]
    status_filter: str
    filters: list[tuple[str, str]] = field(default_factory=lambda: list(STATUS_FILTERS))


def default_status_filter(user) -> str:
    # Staff and supervisors work the open ones; an operator wants to see returns as well.
    return ACTIVE if user.has_perm(VIEW_ALL) else ALL


def hand_over_inbox(user, status_filter: str | None = None, now=None) -> Inbox:
    """The inbox, oldest first (the longest waiting on top), with each one's age."""
    now = now or timezone.now()
    valid = {value for value, _label in STATUS_FILTERS}
    if status_filter not in valid:
        status_filter = default_status_filter(user)
    hand_overs = hand_overs_for(user).select_related("obligor", "created_by", "handled_by")
    if status_filter == ACTIVE:
        hand_overs = hand_overs.filter(status__in=ACTIVE_STATUSES)
    elif status_filter != ALL:
        hand_overs = hand_overs.filter(status=status_filter)
    rows = [
        InboxRow(h, age_label(now - h.created_at), revenue_type_labels(h.revenue_types))
        for h in hand_overs.order_by("created_at", "pk")
    ]
    return Inbox(rows, status_filter)


# --- One hand-over ---------------------------------------------------------------------------


@dataclass
class HandOverDetail:
    hand_over: HandOver
    revenue_types: list[str]
    age: str
    name: str | None  # None: the policy of its revenue types does not let the user see it
    obligor_url: str | None
    transitions: list[tuple[str, str]]  # (action, label) the user may take now
    fields_shown: list[str]


# action name (the form's value) → target status
ACTIONS = {
    "accept": HandOverStatus.ACCEPTED,
    "complete": HandOverStatus.DONE,
    "return": HandOverStatus.RETURNED,
}
ACTION_LABELS = {"accept": "受付", "complete": "対応完了", "return": "差戻し"}


def allowed_transitions(status: str) -> list[str]:
    """The statuses a hand-over in ``status`` may move to (the detail page offers these)."""
    return [target for target, sources in HAND_OVER_TRANSITIONS.items() if status in sources]


def hand_over_detail(user, hand_over: HandOver, now=None) -> HandOverDetail:
    now = now or timezone.now()
    scope = scope_for(user)
    shown = ["resident_no", "revenue_type"]
    name = None
    # The name only under the policy of the revenue types the hand-over is about.
    if scope and any(
        "name" in scope.allowed(rt) for rt in hand_over.revenue_types if rt in scope.revenue_types
    ):
        name = hand_over.obligor.name
        shown.append("name")
    transitions = []
    if may_decide_hand_overs(user):
        targets = allowed_transitions(hand_over.status)
        transitions = [(a, ACTION_LABELS[a]) for a, t in ACTIONS.items() if t in targets]
    return HandOverDetail(
        hand_over=hand_over,
        revenue_types=revenue_type_labels(hand_over.revenue_types),
        age=age_label(now - hand_over.created_at),
        name=name,
        obligor_url=obligor_url(user, hand_over.obligor_id),
        transitions=transitions,
        fields_shown=sorted(shown),
    )


def obligor_url(user, obligor_id: int) -> str | None:
    """The obligor page, for users who may open it (inspectors never reach here)."""
    if scope_for(user) is None:
        return None
    return reverse("registry:obligor", args=[obligor_id])


# --- Requests for staff ----------------------------------------------------------------------

KIND_FILTERS = [("", "すべて"), *StaffRequestKind.choices]
REQUEST_STATUS_FILTERS = [("", "すべて"), *StaffRequestStatus.choices]


@dataclass
class StaffRequestRow:
    request: StaffRequest
    accounts: list[tuple[str, str]]  # (revenue type label, case_no)


def staff_request_list(user, kind: str | None = None, status: str | None = None):
    """Requests of the municipality, oldest first; ``kind`` / ``status`` empty: all."""
    requests = staff_requests_for(user).select_related("obligor", "created_by", "done_by")
    if kind:
        requests = requests.filter(kind=kind)
    if status:
        requests = requests.filter(status=status)
    scope = scope_for(user)
    types = set(scope.revenue_types) if scope else set()
    labels = dict(RevenueType.choices)
    rows = []
    for request in requests.prefetch_related("accounts").order_by("created_at", "pk"):
        accounts = [
            (labels[a.revenue_type], a.case_no)
            for a in sorted(request.accounts.all(), key=lambda a: (a.revenue_type, a.case_no))
            if a.revenue_type in types
        ]
        rows.append(StaffRequestRow(request, accounts))
    return rows


def hand_over_type_choices(user, obligor) -> list[tuple[str, str]]:
    """Revenue types a hand-over of this obligor may name: in the user's scope and held."""
    scope = scope_for(user)
    if scope is None:
        return []
    held = set(
        Account.objects.filter(obligor=obligor, revenue_type__in=list(scope.revenue_types))
        .values_list("revenue_type", flat=True)
        .distinct()
    )
    return [(rt, label) for rt, label in RevenueType.choices if rt in held]
