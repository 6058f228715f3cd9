"""Koto City's card venues and the 町丁目 → venue table of seed 004 別紙①, as data.

The table is the one transcription of 別紙① the demo generator also places its residents by:
``receivables/data/koto_towns.yaml`` (one row per 町丁目, with the decisions about the rows the
seed's text garbled written at its top). Here a town without 丁目 has 丁目 0.
``services.venues.setup_venues`` loads the venues and the table into the database; the ward
edits them there.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from civicdesk.receivables.demo_data.reference import TOWNS_FILE, load_areas

AREA_TABLE = TOWNS_FILE


@dataclass(frozen=True)
class VenueSpec:
    code: str
    short_name: str  # as 別紙① names it
    name: str
    address: str
    directions: str


VENUES: tuple[VenueSpec, ...] = (
    VenueSpec(
        "honchosha",
        "本庁舎",
        "江東区役所２階",
        "江東区東陽4-11-28",
        "東京メトロ東西線 東陽町駅 1番出口から徒歩5分",
    ),
    VenueSpec(
        "sogo",
        "総合区民センター",
        "総合区民センター２階",
        "江東区大島4-5-1",
        "都営新宿線 西大島駅 A4出口すぐ",
    ),
    VenueSpec(
        "toyosu",
        "豊洲シビックセンター",
        "豊洲シビックセンター１１階区民広場",
        "江東区豊洲2-2-18",
        "東京メトロ有楽町線 豊洲駅 7番出口すぐ",
    ),
)

# Venue hours (no seed fixes them): the ward's weekday hours; weekend openings (休日開庁,
# 別紙③ 1(1)⑩) are designated days the ward adds to each venue's calendar.
VENUE_CALENDAR_RULES = {"weekly": ("08:30", "17:00"), "second_saturday": None, "extensions": []}


@dataclass(frozen=True)
class AreaRow:
    town: str
    chome: int
    venue: str  # the venue's short name


@cache
def area_rows() -> tuple[AreaRow, ...]:
    return tuple(AreaRow(row.town, row.chome or 0, row.venue) for row in load_areas())
