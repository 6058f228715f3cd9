"""Reading reservations, targets for the call center, and the day's calls.

Everything is filtered by the user's municipality (another municipality's target is a 404).
The call center sees of a target only what the call needs (``CALL_CENTER_FIELDS``).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import Counter

from django.db.models import Count

from civicdesk.accounts.models import Role
from civicdesk.cards.choices import CallType, ReservationStatus
from civicdesk.cards.models import CardCall, CardTarget, Reservation
from civicdesk.core.calendar import day_bounds
from civicdesk.core.http import allowed
from civicdesk.core.japanese import normalize_name

# What the call center's pages show of a target (and log as viewed).
CALL_CENTER_FIELDS = ["予約管理番号", "氏名", "カナ氏名", "生年月日", "住所", "交付会場", "状況"]
SEARCH_LIMIT = 20


# The call center's pages are the center's work: its operators, and the supervisor standing
# in. Staff hold the same permissions for the ward's own (internal) bookings, not these pages.
CALL_CENTER_ROLES = frozenset({Role.CARD_OPERATOR, Role.SUPERVISOR})


def may_use_call_center(user) -> bool:
    return (
        allowed(user, "cards.view_cardtarget", "cards.add_reservation", "cards.change_reservation")
        and getattr(user, "role", None) in CALL_CENTER_ROLES
    )


def may_view_calls(user) -> bool:
    """The day's calls by type: the supervisor's page (別紙④ counts per type)."""
    return allowed(user, "cards.view_cardcall") and getattr(user, "role", None) == Role.SUPERVISOR


def active_reservation(target) -> Reservation | None:
    return (
        Reservation.objects.filter(target=target, status=ReservationStatus.BOOKED)
        .select_related("slot", "slot__venue")
        .first()
    )


def reservations_of(target) -> list[Reservation]:
    return list(
        Reservation.objects.filter(target=target)
        .select_related("slot", "slot__venue")
        .order_by("-booked_at", "-pk")
    )


def targets_for(user):
    return CardTarget.objects.filter(municipality_id=user.municipality_id).select_related(
        "venue", "area"
    )


def find_by_reservation_no(user, reservation_no: str) -> CardTarget | None:
    """Typed as read out on the phone: full-width digits and spaces are accepted."""
    wanted = "".join(unicodedata.normalize("NFKC", reservation_no).split()).upper()
    return targets_for(user).filter(reservation_no=wanted).first()


def find_by_name_and_birth(user, name: str, birth_date: dt.date) -> list[CardTarget]:
    """Targets born on ``birth_date`` whose name or kana contains ``name``, folded as names
    are compared everywhere (normalize_name: width, spaces, hiragana as katakana)."""
    wanted = normalize_name(name)
    rows = targets_for(user).filter(birth_date=birth_date).order_by("kana", "reservation_no")
    found = [
        row
        for row in rows
        if wanted and (wanted in normalize_name(row.name) or wanted in normalize_name(row.kana))
    ]
    return found[:SEARCH_LIMIT]


def calls_for(user):
    return CardCall.objects.filter(municipality_id=user.municipality_id)


def day_calls(user, day: dt.date) -> list[CardCall]:
    start, end = day_bounds(day)
    return list(
        calls_for(user)
        .filter(at__gte=start, at__lt=end)
        .select_related("operator", "target")
        .order_by("at", "pk")
    )


def calls_by_type(user, day: dt.date) -> list[tuple[str, int, int, int]]:
    """(label, phone, FAX, total) per call type ア–オ for ``day``, every type listed."""
    start, end = day_bounds(day)
    counts = Counter()
    rows = (
        calls_for(user)
        .filter(at__gte=start, at__lt=end)
        .values("call_type", "channel")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[(row["call_type"], row["channel"])] += row["n"]
    table = []
    for call_type in CallType:
        phone = counts[(call_type.value, "phone")]
        fax = counts[(call_type.value, "fax")]
        table.append((call_type.label, phone, fax, phone + fax))
    return table
