"""Reading card targets: the list and a target's page, the imports, and the call center's
search (by 予約管理番号, or by name and birth date: that search is logged).

Everything is scoped to the user's municipality. Names, kana, birth dates and addresses are
for the roles with ``cards.view_cardtarget``; the card roles without it (the inspector) see
numbers, venues and states only.
"""

from __future__ import annotations

from django.db.models import Count, QuerySet

from civicdesk.cards.models import CardTarget, TargetEvent, TargetImport, Venue
from civicdesk.core.models import Municipality

SEARCH_LIMIT = 50


def municipality_for(user) -> Municipality | None:
    return Municipality.objects.for_user(user)


def municipality_id_for(user) -> int | None:
    return Municipality.objects.id_for_user(user)


def may_list_targets(user) -> bool:
    """Every card role reads the list (the inspector without names)."""
    return user.has_perm("cards.view_cardtarget") or user.has_perm("cards.view_area")


def may_see_names(user) -> bool:
    return user.has_perm("cards.view_cardtarget")


def may_import_targets(user) -> bool:
    return user.has_perm("cards.add_targetimport")


def may_record_move_out(user) -> bool:
    return user.has_perm("cards.change_cardtarget")


def venues_for(user) -> QuerySet[Venue]:
    return Venue.objects.filter(municipality_id=municipality_id_for(user))


def targets_for(
    user,
    *,
    venue: Venue | None = None,
    status: str = "",
    reservation_no: str = "",
) -> QuerySet[CardTarget]:
    """The municipality's targets, filtered; nothing for a user who may not list them."""
    if not may_list_targets(user):
        return CardTarget.objects.none()
    found = CardTarget.objects.filter(municipality_id=municipality_id_for(user))
    if venue is not None:
        found = found.filter(venue=venue)
    if status:
        found = found.filter(status=status)
    if reservation_no:
        found = found.filter(reservation_no=reservation_no.strip())
    return found.select_related("venue", "area").order_by("reservation_no")


def target_for(user, pk: int) -> CardTarget | None:
    """One target with its venue and area, for a user who may see it (else None: a 404)."""
    if not may_see_names(user):
        return None
    return (
        CardTarget.objects.filter(municipality_id=municipality_id_for(user), pk=pk)
        .select_related("venue", "area", "imported_in", "mailed_in", "reissued_in")
        .first()
    )


def events_of(target: CardTarget) -> QuerySet[TargetEvent]:
    return target.events.select_related("by", "venue").order_by("at", "pk")


def reservations_of(target: CardTarget):
    return target.reservations.select_related("slot__venue", "booked_by", "ended_by").order_by(
        "-booked_at", "-pk"
    )


def imports_for(user, limit: int = 20) -> list[TargetImport]:
    """The latest imports of the user's municipality with their target counts."""
    return list(
        TargetImport.objects.filter(municipality_id=municipality_id_for(user))
        .select_related("imported_by")
        .annotate(targets_now=Count("targets"))
        .order_by("-imported_at", "-pk")[:limit]
    )
