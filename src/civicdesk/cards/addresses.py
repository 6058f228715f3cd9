"""An address → its 町丁目 (area) of the venue table (seed 004 別紙①).

Residents and the ward's files write one address many ways: ``東京都江東区東砂六丁目3番5号``,
``江東区 東砂６－３－５``, ``東砂6ー3-5 ○○マンション101``. Only the town and the 丁目 decide the
venue (東砂 is split between two venues, so the town alone never does). The town is matched
longest first against the table's own towns (新木場 before 木場, 海の森 before 海…); the
number after a town without 丁目 (高橋, 冬木, 石島, 千田, 海辺) is the 番地, not a 丁目.

An address the table cannot place raises ``AddressError`` (a ValidationError) naming what
was not found; nothing is guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ValidationError

from civicdesk.cards import catalogue
from civicdesk.cards.models import Area


class AreaLike(Protocol):
    town: str
    chome: int


class AddressError(ValidationError):
    """An address that resolves to no area; the message (Japanese) says what was not found."""

    def __init__(self, message: str):
        super().__init__(message, code="address")
        self.reason = message


@dataclass(frozen=True)
class ParsedAddress:
    town: str
    chome: int  # 0 for a town without 丁目

    @property
    def label(self) -> str:
        return f"{self.town}{self.chome}丁目" if self.chome else self.town


# The prefixes a resident may or may not write; a 〒 postal code may come first.
_POSTAL = re.compile(r"^〒?\d{3}-?\d{4}")
_PREFIXES = ("東京都", "江東区")
# After NFKC: the dashes people type between 丁目, 番 and 号 (hyphen, minus, long vowel, ‐, ―).
_DASHES = str.maketrans(dict.fromkeys("ー‐‑–—―−ｰ－", "-"))
_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8}
_KANJI_DIGITS |= {"九": 9}
_NUMBER = re.compile(r"(?P<digits>\d+)|(?P<kanji>[〇一二三四五六七八九十]+)")
# What may follow the 丁目 number: 丁目, a dash, or nothing more (``東陽4``).
_CHOME_END = re.compile(r"丁目|丁|-|$")
_SPACE_BETWEEN_NUMBERS = re.compile(
    r"(?<=[\d〇一二三四五六七八九十])\s+(?=[\d〇一二三四五六七八九十])"
)


def normalise(text: str) -> str:
    """NFKC (full-width digits and letters), no spaces, the prefixes 〒…, 東京都, 江東区 gone."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    # ``東砂6 3-5``: a space between two numbers separates them as a dash would.
    value = "".join(_SPACE_BETWEEN_NUMBERS.sub("-", value).split())
    value = _POSTAL.sub("", value)
    for prefix in _PREFIXES:
        value = value.removeprefix(prefix)
    return value


def kanji_number(text: str) -> int:
    """一 … 九十九 (十一, 二十, 二十三) or positional 〇一…; ValueError for anything else."""
    if "十" not in text:
        return int("".join(str(_KANJI_DIGITS[char]) for char in text))
    tens, _, ones = text.partition("十")
    if "十" in ones or len(tens) > 1 or len(ones) > 1:
        raise ValueError(text)
    return (_KANJI_DIGITS[tens] if tens else 1) * 10 + (_KANJI_DIGITS[ones] if ones else 0)


class AreaTable:
    """The towns and 丁目 of one table (the database's areas or 別紙①), ready to resolve."""

    def __init__(self, rows: Iterable[AreaLike]):
        self.rows: dict[tuple[str, int], AreaLike] = {(row.town, row.chome): row for row in rows}
        self.chome_of: dict[str, set[int]] = {}
        for town, chome in self.rows:
            self.chome_of.setdefault(town, set()).add(chome)
        # Longest first: 新木場 must win over 木場, 海の森 over any shorter town.
        self.towns = sorted(self.chome_of, key=len, reverse=True)

    def parse(self, text: str) -> ParsedAddress:
        value = normalise(text)
        if not value:
            raise AddressError("住所が入力されていません。")
        town = next((name for name in self.towns if value.startswith(name)), None)
        if town is None:
            raise AddressError(f"町名が一覧にありません: {text.strip()}")
        if self.chome_of[town] == {0}:
            return ParsedAddress(town, 0)
        return ParsedAddress(town, self._chome(town, value[len(town) :], text))

    def _chome(self, town: str, rest: str, text: str) -> int:
        rest = rest.translate(_DASHES)
        match = _NUMBER.match(rest)
        end = _CHOME_END.match(rest, match.end()) if match else None
        if match is None or end is None:
            raise AddressError(f"{town}の丁目がありません（例: {town}1丁目）: {text.strip()}")
        try:
            chome = int(match["digits"]) if match["digits"] else kanji_number(match["kanji"])
        except ValueError:
            raise AddressError(f"{town}の丁目が読めません: {text.strip()}") from None
        if chome not in self.chome_of[town]:
            raise AddressError(f"{town}{chome}丁目は一覧にありません。")
        return chome

    def resolve(self, text: str) -> AreaLike:
        parsed = self.parse(text)
        return self.rows[(parsed.town, parsed.chome)]


_BUILT_IN: AreaTable | None = None


def built_in_table() -> AreaTable:
    """The table of 別紙① as shipped (catalogue.area_rows), for a database without areas."""
    global _BUILT_IN
    if _BUILT_IN is None:
        _BUILT_IN = AreaTable(catalogue.area_rows())
    return _BUILT_IN


def parse_address(text: str, areas: Iterable[AreaLike] | AreaTable | None = None) -> ParsedAddress:
    """The town and 丁目 of ``text`` against ``areas`` (default: 別紙①); AddressError if none."""
    return _table(areas).parse(text)


def resolve_area(text: str, areas: Iterable[AreaLike] | AreaTable) -> AreaLike:
    """The row of ``areas`` (AreaRow, Area, …) that ``text`` lies in; AddressError if none."""
    return _table(areas).resolve(text)


def table_in(municipality) -> AreaTable:
    """The municipality's areas in the database (with their venues), as a table."""
    return AreaTable(Area.objects.filter(municipality=municipality).select_related("venue"))


def resolve_area_in(municipality, text: str):
    """The municipality's Area (with its venue) for ``text``; AddressError if none."""
    return table_in(municipality).resolve(text)


def _table(areas) -> AreaTable:
    if areas is None:
        return built_in_table()
    return areas if isinstance(areas, AreaTable) else AreaTable(areas)
