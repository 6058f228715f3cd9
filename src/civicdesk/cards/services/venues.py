"""Setting up the venues and the 町丁目 table (seed 004 別紙①)."""

from __future__ import annotations

from django.db import transaction

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.cards import catalogue
from civicdesk.cards.models import Area, Venue
from civicdesk.core.demo_calendar import create_calendar
from civicdesk.core.models.calendar import BusinessCalendar, Service


def setup_venues(*, acting_user, municipality) -> list[Venue]:
    """The three venues with their calendars and every 町丁目 of 別紙①. Idempotent: what
    exists (maybe edited by the ward) is kept, what is missing is added."""
    with transaction.atomic():
        venues = {spec.short_name: _venue(municipality, spec) for spec in catalogue.VENUES}
        existing = set(Area.objects.filter(municipality=municipality).values_list("town", "chome"))
        new = [
            Area(
                municipality=municipality,
                town=row.town,
                chome=row.chome,
                venue=venues[row.venue],
                sort_order=position,
            )
            for position, row in enumerate(catalogue.area_rows(), start=1)
            if (row.town, row.chome) not in existing
        ]
        Area.objects.bulk_create(new)
        if new:
            record_access(
                acting_user=acting_user,
                action=AccessAction.CHANGE,
                obj=municipality,
                fields=["交付会場", "町丁目"],
                reason=f"交付会場と町丁目の登録（{len(new)}件）",
            )
    return list(venues.values())


def _venue(municipality, spec: catalogue.VenueSpec) -> Venue:
    venue = Venue.objects.filter(municipality=municipality, code=spec.code).first()
    if venue is not None:
        return venue
    calendar = BusinessCalendar.objects.filter(
        municipality=municipality, service=Service.CARDS, site=spec.code
    ).first() or create_calendar(
        municipality, Service.CARDS, catalogue.VENUE_CALENDAR_RULES, site=spec.code
    )
    order = [item.code for item in catalogue.VENUES].index(spec.code)
    return Venue.objects.create(
        municipality=municipality,
        code=spec.code,
        name=spec.name,
        short_name=spec.short_name,
        address=spec.address,
        directions=spec.directions,
        calendar=calendar,
        sort_order=order,
    )
