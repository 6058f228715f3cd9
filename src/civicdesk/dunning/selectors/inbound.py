"""Read queries of inbound calls (受電): the pops an operator sees, and links to the case screen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from civicdesk.dunning.models import InboundCall
from civicdesk.receivables.models import Account
from civicdesk.receivables.selectors.obligors import obligors_for
from civicdesk.registry.selectors import scope_for

# Operators take calls; supervisors stand in. Visitors are out on visits, staff get transfers.
# A call older than this has been answered or given up: it no longer pops.
POP_MINUTES = 10


def may_take_inbound_calls(user) -> bool:
    # Operators and supervisors (accounts.roles); visitors work doorsteps, not the phone.
    return user.has_perm("dunning.view_inboundcall") and scope_for(user) is not None


def calls_for(user) -> QuerySet[InboundCall]:
    """Calls put through to the user, or to nobody in particular, in the user's municipality."""
    scope = scope_for(user)
    if not may_take_inbound_calls(user) or scope.municipality_id is None:
        return InboundCall.objects.none()
    return InboundCall.objects.filter(municipality_id=scope.municipality_id).filter(
        Q(operator=user) | Q(operator__isnull=True)
    )


def waiting_call_count(user, now: dt.datetime | None = None) -> int:
    """Untaken calls of the last POP_MINUTES for the user: the shell's banner (no personal data)."""
    now = now or timezone.now()
    return (
        calls_for(user)
        .filter(
            received_at__gt=now - dt.timedelta(minutes=POP_MINUTES),
            received_at__lte=now,
            taken_by__isnull=True,
        )
        .count()
    )


def case_url(obligor_id: int, call_id: int | None = None) -> str:
    """The operator's case screen, with the call that led there."""
    url = reverse("dunning:case", args=[obligor_id])
    return f"{url}?inbound={call_id}" if call_id else url


@dataclass(frozen=True)
class PopObligor:
    pk: int
    resident_no: str
    name: str | None  # None: the policy of the user's revenue types does not allow it
    url: str | None


@dataclass
class Pop:
    call: InboundCall
    obligors: list[PopObligor]
    fields_shown: list[str]


def pops_for(user, now: dt.datetime | None = None) -> list[Pop]:
    """Untaken calls of the last POP_MINUTES for the user, newest first, with their matches.

    Matches are limited to obligors the user may see; the name only where an account of a
    revenue type whose policy allows names makes it visible. Two queries, whatever the count.
    """
    now = now or timezone.now()
    scope = scope_for(user)
    if scope is None:
        return []
    named_types = scope.types_allowing("name")
    visible = (
        obligors_for(user)
        .annotate(
            name_allowed=Exists(
                Account.objects.filter(obligor=OuterRef("pk"), revenue_type__in=named_types)
            )
        )
        .order_by("kana_key", "resident_no")
    )
    calls = (
        calls_for(user)
        .filter(
            received_at__gt=now - dt.timedelta(minutes=POP_MINUTES),
            received_at__lte=now,
            taken_by__isnull=True,
        )
        .prefetch_related(Prefetch("matches", queryset=visible, to_attr="visible_matches"))
        .order_by("-received_at", "-pk")
    )
    pops = []
    for call in calls:
        obligors = [
            PopObligor(
                o.pk,
                o.resident_no,
                o.name if o.name_allowed else None,
                case_url(o.pk, call.pk),
            )
            for o in call.visible_matches
        ]
        fields = {"phone"}
        if obligors:
            fields.add("resident_no")
        if any(o.name is not None for o in obligors):
            fields.add("name")
        pops.append(Pop(call, obligors, sorted(fields)))
    return pops
