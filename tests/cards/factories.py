"""Factories of the card tests: targets in an area of the venues' table, slots, calls."""

from __future__ import annotations

import datetime as dt
import hashlib

import factory

from civicdesk.cards.choices import CardReason
from civicdesk.cards.models import Area, CardTarget, Slot, TargetImport
from civicdesk.core.calendar import TOKYO


class TargetImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TargetImport

    file_name = "koufu-taishou.csv"
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.file_name.encode()).hexdigest())
    row_count = 0
    notices_received = 0


class CardTargetFactory(factory.django.DjangoModelFactory):
    """A target living in ``area`` (default: 東陽4丁目, served by 本庁舎)."""

    class Meta:
        model = CardTarget

    class Params:
        town = "東陽"
        chome = 4

    area = factory.LazyAttribute(
        lambda o: Area.objects.get(municipality=o.municipality, town=o.town, chome=o.chome)
    )
    venue = factory.LazyAttribute(lambda o: o.area.venue)
    reservation_no = factory.Sequence(lambda n: f"K{n + 1:09d}")
    name = factory.Sequence(lambda n: f"江東 太郎{n}")
    kana = "コウトウ タロウ"
    birth_date = dt.date(1980, 4, 1)
    address = factory.LazyAttribute(
        lambda o: (
            f"東京都江東区{o.town}{o.chome}丁目1番1号" if o.chome else f"東京都江東区{o.town}1番1号"
        )
    )
    reason = CardReason.NEW
    imported_in = factory.LazyAttribute(lambda o: TargetImportFactory(municipality=o.municipality))


class SlotFactory(factory.django.DjangoModelFactory):
    """A slot at ``venue`` starting at ``day`` ``hhmm`` (Tokyo), 30 minutes, seats by pool."""

    class Meta:
        model = Slot

    class Params:
        day = dt.date(2026, 6, 15)
        hhmm = "10:00"

    starts_at = factory.LazyAttribute(
        lambda o: dt.datetime.combine(o.day, dt.time.fromisoformat(o.hhmm), tzinfo=TOKYO)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(minutes=30))
    capacity_web = 2
    capacity_phone = 1
    capacity_internal = 1
