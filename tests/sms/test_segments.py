"""Segment counting (issue 6 §2): GSM-7 160 / 153, UCS-2 70 / 67, escapes and surrogate pairs
never split. Expected counts are computed here from the rules, not read from the code."""

from __future__ import annotations

import json
import math
from io import StringIO

from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from civicdesk.sms.segments import count_segments, split_parts

GSM_LETTERS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABC0123456789.,!?", max_size=700)
# Kanji, hiragana, katakana, half-width katakana and the ideographic full stop: all BMP.
JAPANESE = st.text(
    alphabet=st.sampled_from("納期限過ぎ未納額のおしらせ江東区ｶﾀｶﾅﾉｳﾌﾞ、。カタカナ"), max_size=500
)
EMOJI = st.sampled_from(["😀", "📞", "🏠", "💴"])  # outside the BMP: two UTF-16 units each
MIXED = st.lists(
    st.one_of(st.sampled_from(list("abc 123€[]")), st.sampled_from(list("納期ｶﾅ")), EMOJI),
    max_size=300,
).map("".join)


def expected_parts(units: int, single: int, part: int) -> int:
    if units == 0:
        return 0
    return 1 if units <= single else math.ceil(units / part)


@given(GSM_LETTERS)
def test_plain_gsm_text_is_160_in_one_message_then_153_per_part(text):
    result = count_segments(text)
    assert result.encoding == "GSM-7"
    assert result.characters == len(text)
    assert result.segments == expected_parts(len(text), 160, 153)


@given(JAPANESE)
def test_japanese_including_half_width_kana_is_ucs2_70_then_67_per_part(text):
    result = count_segments(text)
    if text:
        assert result.encoding == "UCS-2"
    assert result.characters == len(text)
    assert result.segments == expected_parts(len(text), 70, 67)


@given(GSM_LETTERS, st.sampled_from("納ｱ😀"))
def test_one_character_outside_gsm7_makes_the_whole_text_ucs2(text, other):
    assert count_segments(text + other).encoding == "UCS-2"


@given(MIXED)
def test_parts_rebuild_the_text_and_keep_within_the_part_limit(text):
    parts = split_parts(text)
    assert "".join(parts) == text
    result = count_segments(text)
    assert result.segments == len(parts)
    units = [_utf16_or_septets(part, result.encoding) for part in parts]
    limit = {"GSM-7": (160, 153), "UCS-2": (70, 67)}[result.encoding]
    if not parts:
        assert text == ""
    elif len(parts) == 1:
        assert units[0] <= limit[0]
    else:
        assert all(size <= limit[1] for size in units)
        assert result.characters > limit[0]


@given(st.lists(EMOJI, min_size=1, max_size=120))
def test_an_emoji_is_two_units_and_never_split_between_parts(emoji):
    text = "".join(emoji)
    result = count_segments(text)
    assert result.characters == 2 * len(emoji)
    # 33 emoji (66 units) fit a 67-unit part; the 34th would need 68.
    assert result.segments == (1 if len(emoji) <= 35 else math.ceil(len(emoji) / 33))
    assert all(len(part.encode("utf-16-le")) // 2 <= 67 for part in split_parts(text)[1:])


def test_gsm_extension_characters_take_two_septets_and_are_not_split():
    assert count_segments("€" * 80).as_dict() == {
        "encoding": "GSM-7",
        "characters": 160,
        "segments": 1,
    }
    # 81 × 2 = 162 septets; 76 escaped characters (152 septets) fit a 153-septet part.
    assert count_segments("€" * 81).segments == math.ceil(81 / 76)


def test_empty_text_has_no_parts():
    assert count_segments("").as_dict() == {"encoding": "GSM-7", "characters": 0, "segments": 0}


def test_the_command_prints_one_json_line():
    text = "納期限を過ぎています。お問い合わせは03-0000-0000"
    out = StringIO()
    call_command("sms", "segments", text, stdout=out)
    assert out.getvalue().count("\n") == 1
    assert json.loads(out.getvalue()) == {
        "encoding": "UCS-2",
        "characters": len(text),
        "segments": 1,
    }


def _utf16_or_septets(text: str, encoding: str) -> int:
    if encoding == "GSM-7":
        return sum(2 if ch in "\f^{}\\[~]|€" else 1 for ch in text)
    return len(text.encode("utf-16-le")) // 2
