"""The venues and the 町丁目 table of seed 004 別紙①, loaded by the set-up service."""

from __future__ import annotations

from collections import Counter

import pytest

from civicdesk.cards.catalogue import area_rows
from civicdesk.cards.models import Area, Venue
from civicdesk.cards.services.venues import setup_venues

pytestmark = pytest.mark.django_db


def test_the_three_venues_each_have_their_own_calendar(venues):
    calendars = {venue.calendar_id for venue in Venue.objects.all()}
    assert len(calendars) == 3
    assert {v.calendar.site for v in Venue.objects.all()} == {"honchosha", "sogo", "toyosu"}


def test_east_suna_is_split_between_two_venues(venues):
    """別紙①: 東砂1–5丁目 go to 総合区民センター, 6–8丁目 to 本庁舎."""
    by_chome = dict(Area.objects.filter(town="東砂").values_list("chome", "venue__short_name"))
    assert by_chome == {
        1: "総合区民センター",
        2: "総合区民センター",
        3: "総合区民センター",
        4: "総合区民センター",
        5: "総合区民センター",
        6: "本庁舎",
        7: "本庁舎",
        8: "本庁舎",
    }


def test_every_row_of_the_table_is_one_area(venues):
    rows = area_rows()
    assert Area.objects.count() == len(rows) == len({(r.town, r.chome) for r in rows})
    # Counted from the seed's three columns by hand: 豊洲シビックセンター serves 塩浜 2,
    # 枝川 3, 豊洲 6, 東雲 2, 有明 4, 辰巳 3, 潮見 2, 青海 4 = 26 areas; 総合区民センター
    # 北砂 7, 東砂 5, 亀戸 9, 大島 9 = 30.
    counts = Counter(Area.objects.values_list("venue__short_name", flat=True))
    assert counts["豊洲シビックセンター"] == 2 + 3 + 6 + 2 + 4 + 3 + 2 + 4
    assert counts["総合区民センター"] == 7 + 5 + 9 + 9


def test_setting_up_twice_keeps_what_the_ward_changed(venues, municipality):
    area = Area.objects.get(town="東陽", chome=4)
    area.venue = venues.sogo
    area.save()
    setup_venues(acting_user=None, municipality=municipality)
    assert Area.objects.get(town="東陽", chome=4).venue == venues.sogo
    assert Venue.objects.count() == 3
