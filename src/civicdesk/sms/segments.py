"""How long an SMS is, and into how many parts it is split (3GPP TS 23.038 / 23.040).

A text made only of the GSM 7-bit default alphabet goes as GSM-7: 160 septets in one message,
153 per part when split (the rest carries the concatenation header). The extension table's
characters (€ [ ] { } ^ ~ \\ | and form feed) take two septets, an escape and the character,
and a part never ends between the two. Anything else — every Japanese text, half-width kana
included — goes as UCS-2: 70 UTF-16 code units in one message, 67 per part. A character outside
the Basic Multilingual Plane (most emoji) is a surrogate pair, two units, never split.

``characters`` counts those units (septets, UTF-16 code units): what the limits are made of,
and what a template's maximum length (660 by default) is checked against.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE_LIMIT = {"GSM-7": 160, "UCS-2": 70}
PART_LIMIT = {"GSM-7": 153, "UCS-2": 67}


class Encoding(StrEnum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True)
class SegmentCount:
    encoding: Encoding
    characters: int
    segments: int

    def as_dict(self) -> dict:
        return {
            "encoding": str(self.encoding),
            "characters": self.characters,
            "segments": self.segments,
        }


def encoding_of(text: str) -> Encoding:
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        return Encoding.GSM7
    return Encoding.UCS2


def _units(ch: str, encoding: Encoding) -> int:
    if encoding == Encoding.GSM7:
        return 2 if ch in GSM7_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


def split_parts(text: str) -> list[str]:
    """The text as it goes out: one part, or parts of at most 153 / 67 units each, never
    splitting an escaped GSM character or a surrogate pair. Empty text: no parts."""
    if not text:
        return []
    encoding = encoding_of(text)
    units = [_units(ch, encoding) for ch in text]
    if sum(units) <= SINGLE_LIMIT[encoding]:
        return [text]
    limit = PART_LIMIT[encoding]
    parts: list[str] = []
    start, used = 0, 0
    for index, size in enumerate(units):
        if used + size > limit:
            parts.append(text[start:index])
            start, used = index, 0
        used += size
    parts.append(text[start:])
    return parts


def count_segments(text: str) -> SegmentCount:
    encoding = encoding_of(text)
    characters = sum(_units(ch, encoding) for ch in text)
    return SegmentCount(encoding, characters, len(split_parts(text)))
