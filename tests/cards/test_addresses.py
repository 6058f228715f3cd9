"""Addresses → one 町丁目 of 別紙① (cards.addresses): the notations residents and files use,
the towns without 丁目, longest town first, and the errors that name what was not found."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicdesk.cards import catalogue
from civicdesk.cards.addresses import (
    AddressError,
    AreaTable,
    kanji_number,
    parse_address,
    resolve_area,
    resolve_area_in,
)

ROWS = catalogue.area_rows()
KANJI = "〇一二三四五六七八九"
FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


def kanji(number: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 23 → 二十三 (written here, not borrowed)."""
    tens, ones = divmod(number, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else KANJI[tens] + "十")
    return head + (KANJI[ones] if ones else "")


def written_number(number: int, style: str) -> str:
    if style == "kanji":
        return kanji(number)
    if style == "full":
        return str(number).translate(FULL_WIDTH)
    return str(number)


notation = st.fixed_dictionaries(
    {
        "prefix": st.sampled_from(
            ["", "東京都", "江東区", "東京都江東区", "東京都 江東区 ", "江東区　"]
        ),
        "number": st.sampled_from(["digits", "kanji", "full"]),
        "after_chome": st.sampled_from(["丁目", "-", "－", "ー", "‐", "丁目 "]),
        "banchi": st.integers(1, 40),
        "go": st.integers(1, 30),
        "block_style": st.sampled_from(
            ["{b}番{g}号", "{b}番地{g}", "{b}-{g}", "{b}ー{g}", "{b}番地"]
        ),
        "building": st.sampled_from(
            ["", " コーポ江東101", "　サンライズ東砂２０３号室", "ハイツ木場"]
        ),
    }
)


def write_address(row, choice: dict) -> str:
    block = choice["block_style"].format(
        b=written_number(choice["banchi"], choice["number"]),
        g=written_number(choice["go"], choice["number"]),
    )
    chome = ""
    if row.chome:
        chome = written_number(row.chome, choice["number"]) + choice["after_chome"]
    return f"{choice['prefix']}{row.town}{chome}{block}{choice['building']}"


@settings(max_examples=400, deadline=None)
@given(row=st.sampled_from(ROWS), choice=notation)
def test_every_area_round_trips_through_the_notations_to_itself(row, choice):
    address = write_address(row, choice)
    found = resolve_area(address, ROWS)
    assert (found.town, found.chome) == (row.town, row.chome), address


@pytest.mark.parametrize(
    ("address", "town", "chome"),
    [
        ("東京都江東区東砂六丁目3番5号", "東砂", 6),
        ("江東区 東砂６－３－５", "東砂", 6),
        ("東砂6ー3-5 グランドタワー1201", "東砂", 6),
        ("東砂5丁目3番5号", "東砂", 5),
        ("東砂6 3-5", "東砂", 6),
        ("〒135-0016 東京都江東区東陽4-11-28", "東陽", 4),
        ("東陽四丁目十一番二十八号", "東陽", 4),
        ("東陽４", "東陽", 4),
        ("新木場1-2-3", "新木場", 1),
        ("木場1-2-3", "木場", 1),
        ("海の森三丁目", "海の森", 3),
        ("青海2-4-32", "青海", 2),
        ("新砂3-1", "新砂", 3),
        ("南砂7-1", "南砂", 7),
        ("北砂7-1", "北砂", 7),
    ],
)
def test_known_notations_resolve_to_their_town_and_chome(address, town, chome):
    parsed = parse_address(address)
    assert (parsed.town, parsed.chome) == (town, chome)


@pytest.mark.parametrize("town", ["高橋", "冬木", "石島", "千田", "海辺"])
@pytest.mark.parametrize("block", ["12番3号", "12-3", "１２－３", "十二番地", "3"])
def test_towns_without_chome_read_the_number_as_the_banchi(town, block):
    parsed = parse_address(f"東京都江東区{town}{block}")
    assert (parsed.town, parsed.chome) == (town, 0)


def test_higashisuna_is_split_between_two_venues_by_chome():
    venue_of = {(row.town, row.chome): row.venue for row in ROWS}
    assert resolve_area("東砂5-1-1", ROWS).venue == venue_of[("東砂", 5)] == "総合区民センター"
    assert resolve_area("東砂6-1-1", ROWS).venue == venue_of[("東砂", 6)] == "本庁舎"


def test_shin_kiba_wins_over_kiba_whatever_the_table_order():
    rows = [row for row in ROWS if row.town in ("木場", "新木場")]
    for table in (rows, list(reversed(rows))):
        assert resolve_area("新木場4-1", table).town == "新木場"


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("", "住所が入力されていません"),
        ("   ", "住所が入力されていません"),
        ("東京都港区芝公園1-1", "町名が一覧にありません: 東京都港区芝公園1-1"),
        ("東砂9丁目1-1", "東砂9丁目は一覧にありません"),
        ("東砂九丁目", "東砂9丁目は一覧にありません"),
        ("東陽8-1-1", "東陽8丁目は一覧にありません"),
        ("東砂", "東砂の丁目がありません"),
        ("江東区東砂3番5号", "東砂の丁目がありません"),
        ("東陽マンション", "東陽の丁目がありません"),
    ],
)
def test_an_address_in_no_area_names_what_was_not_found(address, message):
    with pytest.raises(AddressError) as caught:
        parse_address(address)
    assert message in caught.value.reason
    assert message in caught.value.messages[0]


@pytest.mark.parametrize(
    ("text", "number"),
    [("一", 1), ("九", 9), ("十", 10), ("十一", 11), ("二十", 20), ("二十三", 23), ("九十九", 99)],
)
def test_kanji_numbers(text, number):
    assert kanji_number(text) == number


@given(st.integers(1, 99))
def test_kanji_numbers_agree_with_the_tests_own_writer(number):
    assert kanji_number(kanji(number)) == number


def test_table_lists_each_town_once_with_its_chome():
    table = AreaTable(ROWS)
    assert table.chome_of["東砂"] == set(range(1, 9))
    assert table.chome_of["海辺"] == {0}
    assert len(table.rows) == len(ROWS) == 158


@pytest.mark.django_db
def test_resolve_area_in_reads_the_municipality_areas_with_their_venue(venues, municipality):
    area = resolve_area_in(municipality, "江東区東砂六丁目1-1")
    assert (area.town, area.chome, area.venue) == ("東砂", 6, venues.honchosha)
    area = resolve_area_in(municipality, "江東区豊洲2-2-18")
    assert area.venue == venues.toyosu


@pytest.mark.django_db
def test_resolve_area_in_follows_the_wards_edits(venues, municipality):
    """The database is the ward's table: an area moved to another venue resolves there."""
    area = resolve_area_in(municipality, "東陽4-1")
    area.venue = venues.sogo
    area.save()
    assert resolve_area_in(municipality, "東陽4-1").venue == venues.sogo


TOWNS = sorted({row.town for row in ROWS})


@settings(max_examples=300, deadline=None)
@given(
    head=st.sampled_from(["", "東京都江東区", *TOWNS]),
    tail=st.text(
        alphabet="0123456789０１２３一二三十〇丁目番地号-－ー‐ 　東砂木場新の森", max_size=12
    ),
)
def test_any_text_resolves_or_raises_address_error_only(head, tail):
    """Whatever a resident types, the answer is an area of the table or an AddressError."""
    try:
        parsed = parse_address(head + tail)
    except AddressError as error:
        assert error.reason
    else:
        assert (parsed.town, parsed.chome) in {(row.town, row.chome) for row in ROWS}
