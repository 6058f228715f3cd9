"""Town, chome and block read from the ways addresses are written in Japan."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicdesk.registry.addresses import ParsedAddress, kanji_number, parse_address


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("東京都江東区東陽四丁目11番28号", ("東陽", 4, "11-28")),
        ("江東区大島５－３－１", ("大島", 5, "3-1")),
        ("南砂2丁目3-4", ("南砂", 2, "3-4")),
        ("東京都江東区三好二丁目5番地の3", ("三好", 2, "5-3")),
        ("東京都江東区門前仲町一丁目4番8号 コーポ101", ("門前仲町", 1, "4-8")),
        ("江東区豊洲３丁目２－２０ 豊洲フロント", ("豊洲", 3, "2-20")),
        ("大島5ー3ー1", ("大島", 5, "3-1")),
        ("東陽十九丁目1", ("東陽", 19, "1")),
        ("江東区若洲3番地", ("若洲", None, "3")),
        ("江東区東陽", ("東陽", None, "")),
        ("新宿区市谷加賀町1-2-3", ("市谷加賀町", 1, "2-3")),
        ("神奈川県横浜市中区山下町1番地", ("山下町", None, "1")),
        ("埼玉県入間郡三芳町藤久保1-2-3", ("藤久保", 1, "2-3")),
        ("", ("", None, "")),
    ],
)
def test_parse_address_reads_town_chome_and_block(address, expected):
    assert parse_address(address) == ParsedAddress(*expected)


def test_a_town_name_ending_in_machi_is_not_taken_for_a_municipality():
    # 門前仲町 is the town; only a 町 after 郡 names a municipality.
    assert parse_address("江東区門前仲町二丁目1-1").town == "門前仲町"


def test_a_building_after_the_block_is_ignored():
    assert parse_address("江東区東陽4-11-28 東陽ハイツ2丁目棟").block == "11-28"


@pytest.mark.parametrize(
    ("text", "value"),
    [("一", 1), ("九", 9), ("十", 10), ("十一", 11), ("十九", 19), ("二十", 20), ("二十三", 23)],
)
def test_kanji_numbers_up_to_ninety_nine(text, value):
    assert kanji_number(text) == value


@pytest.mark.parametrize("text", ["十十", "百", "二二"])
def test_kanji_number_refuses_what_is_not_one(text):
    with pytest.raises(ValueError):
        kanji_number(text)


KANJI = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
KANJI += ["十" + digit for digit in KANJI[:9]]


@given(
    chome=st.integers(min_value=1, max_value=19),
    block=st.integers(min_value=1, max_value=99),
    number=st.integers(min_value=1, max_value=99),
    kanji=st.booleans(),
)
def test_any_chome_written_in_kanji_or_digits_is_read_back(chome, block, number, kanji):
    written = KANJI[chome - 1] if kanji else str(chome)
    parsed = parse_address(f"東京都江東区北砂{written}丁目{block}番{number}号")
    assert parsed == ParsedAddress("北砂", chome, f"{block}-{number}")


@given(
    chome=st.integers(min_value=1, max_value=9),
    block=st.integers(min_value=1, max_value=99),
    number=st.integers(min_value=1, max_value=99),
)
def test_full_width_hyphenated_addresses_match_the_ascii_spelling(chome, block, number):
    ascii_form = f"江東区亀戸{chome}-{block}-{number}"
    full_width = ascii_form.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    assert parse_address(full_width) == parse_address(ascii_form)
    assert parse_address(ascii_form) == ParsedAddress("亀戸", chome, f"{block}-{number}")
