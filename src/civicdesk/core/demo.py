"""The core part of ``civicdesk demo``: the demo municipality 江東区（デモ） with the center's name
and phone printed on letters, and its four business calendars (core.demo_calendar, through
``core.services.setup_demo_calendars``). Both are kept when they exist (maybe edited)."""

from __future__ import annotations

from django.db import transaction

from civicdesk.core.demo_parts import DemoContext, DemoPart
from civicdesk.core.models import Municipality
from civicdesk.core.services import setup_demo_calendars

DEMO_CODE = "131083"
DEMO_NAME = "江東区（デモ）"
DEMO_CENTER_NAME = "江東区納付案内センター（デモ）"
# Exchange 0000 is never assigned: the demo prints no real line on its letters.
DEMO_CENTER_PHONE = "03-0000-0000"


def demo_municipality() -> Municipality | None:
    return Municipality.objects.filter(code=DEMO_CODE).first()


def build_demo_municipality(*, acting_user) -> Municipality:
    with transaction.atomic():
        municipality, _ = Municipality.objects.get_or_create(
            code=DEMO_CODE, defaults={"name": DEMO_NAME, "is_default": True}
        )
        if not municipality.contact_center_phone:
            municipality.contact_center_name = DEMO_CENTER_NAME
            municipality.contact_center_phone = DEMO_CENTER_PHONE
            municipality.save(update_fields=["contact_center_name", "contact_center_phone"])
        setup_demo_calendars(acting_user=acting_user, municipality=municipality)
    return municipality


def build(context: DemoContext) -> Municipality:
    context.municipality = build_demo_municipality(acting_user=context.acting_user)
    context.say(f"デモの自治体「{context.municipality.name}」と業務カレンダーを用意しました。")
    return context.municipality


DEMO_PART = DemoPart(name="core", order=10, build=build)
