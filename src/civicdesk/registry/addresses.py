"""Town, chome and block read from a Japanese address, for ordering visits and mapping venues.

``parse_address("東京都江東区東陽四丁目11番28号")`` → ``ParsedAddress("東陽", 4, "11-28")``.
The prefecture and the city / ward are dropped; the town (町名) is what comes before the first
number; 丁目 may be written in kanji (一〜十九) or digits, or be the first of ``5-3-1``.
Anything after the block (a building name) is ignored: it belongs in 方書.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

TOWN_MAX_LENGTH = 50
BLOCK_MAX_LENGTH = 30


class ParsedAddress(NamedTuple):
    town: str
    chome: int | None
    block: str


_KANJI_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_NUMBER = "[一二三四五六七八九十]+"
# Only when preceded by a prefecture, city or district marker: town names themselves may end
# in 町 (門前仲町) or contain 市 (市谷加賀町), so a bare "…町" is never taken for a municipality.
_PREFIX = re.compile(
    r"(?:東京都|北海道|(?:京都|大阪)府|[^\d都道府県市区郡]{2,3}県)?"
    r"(?:[^\d市区郡]{1,6}?郡[^\d市区郡町村]{1,6}?[町村])?"
    r"(?:[^\d市区郡]{1,6}?市)?"
    r"(?:[^\d市区郡]{1,6}?区)?"
)
# Hyphens as typed between numbers: full-width, minus sign, the long vowel mark ー.
_DASH_BETWEEN_DIGITS = re.compile(r"(?<=\d)\s*[-‐‑‒–—―−ーｰ]\s*(?=\d)")
_CHOME = re.compile(rf"(?P<town>\D+?)\s*(?P<chome>\d+|{_KANJI_NUMBER})丁目(?P<rest>.*)")
_NUMBERS = re.compile(r"(?P<town>\D*?)\s*(?P<numbers>\d+(?:-\d+)*)(?P<rest>.*)")
_BLOCK_WORDS = re.compile(r"番地の?|番の?|号の?|の(?=\d)")
_BLOCK = re.compile(r"[\s-]*(?P<block>\d+(?:-\d+)*)")


def kanji_number(text: str) -> int:
    """1–99 written in kanji numerals (四, 十一, 二十三); ValueError otherwise."""
    if "十" in text:
        tens, _, ones = text.partition("十")
        if tens and tens not in _KANJI_DIGITS:
            raise ValueError(f"漢数字として読めません: {text}")
        tens_value = _KANJI_DIGITS[tens] if tens else 1
    else:
        tens_value, ones = 0, text
    if ones and ones not in _KANJI_DIGITS:
        raise ValueError(f"漢数字として読めません: {text}")
    return tens_value * 10 + _KANJI_DIGITS.get(ones, 0)


def _chome_value(text: str) -> int | None:
    try:
        value = int(text) if text.isdigit() else kanji_number(text)
    except ValueError:
        return None
    return value if value > 0 else None


def _block(rest: str) -> str:
    rest = _BLOCK_WORDS.sub("-", rest)
    match = _BLOCK.match(rest)
    return match["block"][:BLOCK_MAX_LENGTH] if match else ""


def parse_address(address: str) -> ParsedAddress:
    """Town (町名), chome (丁目, int or None) and block (番地-号 as ``11-28``) of an address."""
    text = unicodedata.normalize("NFKC", address).strip()
    text = _DASH_BETWEEN_DIGITS.sub("-", text)
    text = text[_PREFIX.match(text).end() :].lstrip()
    if match := _CHOME.fullmatch(text):
        town, chome, block = match["town"], _chome_value(match["chome"]), _block(match["rest"])
    elif match := _NUMBERS.fullmatch(text):
        town = match["town"]
        numbers = match["numbers"].split("-")
        rest = match["rest"]
        # 大島5-3-1 is 5丁目3番1号; a single number (若洲3番地) is a block of a town without chome.
        if len(numbers) >= 2:
            chome, block = int(numbers[0]) or None, _block("-".join(numbers[1:]) + rest)
        else:
            chome, block = None, _block(numbers[0] + rest)
    else:
        town, chome, block = text, None, ""
    return ParsedAddress(town.strip()[:TOWN_MAX_LENGTH], chome, block)


# --- Street order of visits (issue 5 §1) ------------------------------------------------------

# A room number at the end of 方書: 「コーポ東陽　1203号室」, 「101号室」, 「1002」, 「A棟-203」.
_ROOM = re.compile(r"(?P<building>.*?)[\s\-]*(?P<room>\d+)\s*(?:号室|号|室)?")
_SPACES = re.compile(r"\s+")
# Numbers sort before text, so that a value nobody could read goes to the end of its group.
_NUMERIC, _TEXT = 0, 1


def _numbers_key(block: str) -> tuple:
    """「11-28」 → (0, (11, 28)); anything not all numbers (or empty) after every number."""
    parts = block.split("-") if block else []
    if parts and all(part.isdigit() for part in parts):
        return (_NUMERIC, tuple(int(part) for part in parts))
    return (_TEXT, (), block)


def _building_and_room(address_extra: str) -> tuple[str, tuple]:
    """The building (spaces dropped, so 「コーポ 東陽」 is 「コーポ東陽」) and its room key."""
    text = unicodedata.normalize("NFKC", address_extra or "").strip()
    if match := _ROOM.fullmatch(text):
        return _SPACES.sub("", match["building"]), (_NUMERIC, int(match["room"]), "")
    return _SPACES.sub("", text), (_TEXT, 0, text)


def visit_order_key(obligor) -> tuple:
    """Where ``obligor`` comes along the street: a total order, whatever order rows arrive in.

    Town, chome (numeric; none last), block numbers (numeric; unreadable last), then the
    building of 方書 (so one building's residents are together) and its room (numeric:
    「101号室」 before 「1002」), and the reading and resident number to break ties. The town,
    chome and block the importer stored are used; an obligor without them (town empty) is
    parsed from the address here.
    """
    town = getattr(obligor, "town", "") or ""
    if town:
        chome, block = obligor.chome, obligor.block or ""
    else:
        town, chome, block = parse_address(obligor.address or "")
    building, room = _building_and_room(getattr(obligor, "address_extra", ""))
    kana = _SPACES.sub("", unicodedata.normalize("NFKC", getattr(obligor, "name_kana", "") or ""))
    return (
        town,
        (_NUMERIC, chome) if chome is not None else (_TEXT, 0),
        _numbers_key(block),
        building,
        room,
        kana,
        str(obligor.resident_no),
    )


def visit_area(obligor) -> tuple[str, int | None]:
    """(town, chome) of the obligor as visit_order_key reads it: the headers of a visit list."""
    key = visit_order_key(obligor)
    chome = key[1]
    return key[0], chome[1] if chome[0] == _NUMERIC else None
