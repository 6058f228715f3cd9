"""Street order of visits (issue 5 §1): town, chome, block, building, room — a total order."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from civicdesk.registry.addresses import parse_address, visit_order_key
from civicdesk.registry.models import Obligor

TOWNS = ["東陽", "南砂", "大島", "豊洲"]
KANJI = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
BUILDINGS = ["", "コーポ東陽", "ハイツ南砂", "第2メゾン"]


def person(address: str, extra: str = "", kana: str = "ヤマダ タロウ", resident_no: str = "1"):
    """An obligor as the importer stores it (town, chome and block parsed from the address)."""
    town, chome, block = parse_address(address)
    return Obligor(
        resident_no=resident_no,
        name="山田 太郎",
        name_kana=kana,
        address=address,
        address_extra=extra,
        town=town,
        chome=chome,
        block=block,
    )


def order(people) -> list[str]:
    return [p.resident_no for p in sorted(people, key=visit_order_key)]


# --- Examples --------------------------------------------------------------------------------


def test_chome_is_numeric_not_text_so_four_comes_before_ten():
    ten = person("江東区東陽十丁目1番1号", resident_no="ten")
    four = person("江東区東陽四丁目1番1号", resident_no="four")
    assert order([ten, four]) == ["four", "ten"]


def test_block_numbers_are_numeric_and_unreadable_blocks_go_last():
    people = [
        person("江東区東陽四丁目11番28号", resident_no="11-28"),
        person("江東区東陽四丁目2番3号", resident_no="2-3"),
        person("江東区東陽四丁目11番3号", resident_no="11-3"),
        person("江東区東陽四丁目", resident_no="none"),
    ]
    assert order(people) == ["2-3", "11-3", "11-28", "none"]


def test_a_town_without_chome_comes_after_its_numbered_chome():
    people = [
        person("江東区東陽", resident_no="bare"),
        person("江東区東陽一丁目5", resident_no="1"),
    ]
    assert order(people) == ["1", "bare"]


def test_rooms_are_numeric_101_before_1002_whatever_the_writing():
    people = [
        person("江東区東陽四丁目1番1号", "コーポ東陽　1002", resident_no="1002"),
        person("江東区東陽四丁目1番1号", "コーポ東陽 101号室", resident_no="101"),
        person("江東区東陽四丁目1番1号", "コーポ東陽　２０１号室", resident_no="201"),
    ]
    assert order(people) == ["101", "201", "1002"]


def test_rooms_alone_in_address_extra_are_numeric_too():
    people = [
        person("江東区東陽四丁目1番1号", "1002", resident_no="1002"),
        person("江東区東陽四丁目1番1号", "101号室", resident_no="101"),
    ]
    assert order(people) == ["101", "1002"]


def test_kana_then_resident_number_break_ties():
    people = [
        person("江東区東陽四丁目1番1号", kana="ヤマダ", resident_no="2"),
        person("江東区東陽四丁目1番1号", kana="アベ", resident_no="3"),
        person("江東区東陽四丁目1番1号", kana="ヤマダ", resident_no="1"),
    ]
    assert order(people) == ["3", "1", "2"]


def test_an_obligor_without_parsed_fields_is_parsed_from_the_address():
    stored = person("江東区東陽四丁目11番28号", resident_no="a")
    unparsed = Obligor(resident_no="a", name_kana="ヤマダ タロウ", address=stored.address)
    assert visit_order_key(unparsed) == visit_order_key(stored)


# --- Properties ------------------------------------------------------------------------------


@st.composite
def residents(draw):
    """A street's residents: a few towns, chome, blocks, buildings and rooms; unique numbers."""
    count = draw(st.integers(min_value=1, max_value=40))
    people = []
    for index in range(count):
        town = draw(st.sampled_from(TOWNS))
        chome = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=10)))
        block = f"{draw(st.integers(1, 30))}番{draw(st.integers(1, 30))}号"
        chome_text = f"{KANJI[chome - 1]}丁目" if chome else ""
        building = draw(st.sampled_from(BUILDINGS))
        room = draw(st.integers(min_value=101, max_value=1210))
        extra = f"{building}\u3000{room}号室" if building else ""
        kana = draw(st.sampled_from(["ヤマダ", "サトウ", "アベ", "スズキ"]))
        people.append(
            person(f"江東区{town}{chome_text}{block}", extra, kana, resident_no=f"{index:05d}")
        )
    return people


@settings(max_examples=200, deadline=None)
@given(residents(), st.randoms(use_true_random=False))
def test_shuffling_the_input_never_changes_the_order(people, rng: random.Random):
    expected = order(people)
    shuffled = list(people)
    rng.shuffle(shuffled)
    assert order(shuffled) == expected


@settings(max_examples=200, deadline=None)
@given(residents())
def test_one_buildings_residents_are_contiguous(people):
    ordered = sorted(people, key=visit_order_key)
    # Walking the order, a building (or the houses of a block) once left is never met again.
    seen, previous = set(), None
    for p in ordered:
        here = (p.town, p.chome, p.block, p.address_extra.split("\u3000")[0])
        if here != previous:
            assert here not in seen, f"{here} is split in the order"
            seen.add(here)
        previous = here


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=19), st.integers(min_value=1, max_value=19))
def test_chome_order_is_numeric_for_any_pair(a, b):
    first = person(f"江東区東陽{a}丁目1番1号", resident_no="a")
    second = person(f"江東区東陽{b}丁目1番1号", resident_no="b")
    expected = ["a", "b"] if (a, "a") < (b, "b") else ["b", "a"]
    assert order([second, first]) == expected
