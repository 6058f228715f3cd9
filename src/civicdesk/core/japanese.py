"""Japanese formatting shared by every screen, printed form and importer.

- Era dates (和暦): ``era_date``, ``era_year``, ``fiscal_year_label``, ``parse_era_date``.
- Money and counts: ``yen``, ``number``.
- Phone numbers (Japan only): ``format_phone``, ``normalize_phone``, ``phone_kind``,
  ``is_sms_capable``.
- Search keys for names and kana: ``normalize_name``, ``normalize_kana``.

Bad data raises ``ValueError`` with a Japanese message that an importer can show next to a
line and column; passing the wrong Python type is a programming error and raises ``TypeError``.
The template filters in ``core/templatetags/japanese.py`` wrap these and never raise.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import phonenumbers
from django.db import models
from django.utils import timezone

# --- Era dates (和暦) -----------------------------------------------------------------------


@dataclass(frozen=True)
class Era:
    name: str  # 令和
    letter: str  # R, as in R7.4.1
    start: date  # first day of the era


ERAS = (
    Era("明治", "M", date(1868, 1, 25)),
    Era("大正", "T", date(1912, 7, 30)),
    Era("昭和", "S", date(1926, 12, 25)),
    Era("平成", "H", date(1989, 1, 8)),
    Era("令和", "R", date(2019, 5, 1)),
)
_ERA_BY_NAME = {era.name: era for era in ERAS}
_ERA_BY_LETTER = {era.letter: era for era in ERAS}

# Japan adopted the Gregorian calendar on 明治6年1月1日; earlier Meiji dates are lunar and
# would silently be off by about a month.
EARLIEST_DATE = date(1873, 1, 1)
_EARLIEST_MESSAGE = "明治6年（1873年）1月1日より前の日付は扱えません（太陰暦のため）"

# 令和元年度 is FY2019 although April 2019 was still 平成31年: the change was announced in
# advance and municipalities (and the national government) renamed the fiscal year.
# Earlier changes came mid-year without notice and the year kept its old name (大正15年度).
_FISCAL_YEAR_ERA = {2019: _ERA_BY_NAME["令和"]}


def _as_date(value: date) -> date:
    """The calendar date of a date or datetime; aware datetimes in the local time zone."""
    if isinstance(value, datetime):
        # An aware datetime from the database is UTC: 00:00–09:00 JST would be the day before.
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"expected a date or datetime, got {value!r}")


def era_of(value: date) -> Era:
    """The era a date falls in."""
    day = _as_date(value)
    if day < EARLIEST_DATE:
        raise ValueError(_EARLIEST_MESSAGE)
    return next(era for era in reversed(ERAS) if era.start <= day)


def _year_in_era(era: Era, year: int) -> int:
    return year - era.start.year + 1


def _year_label(year_in_era: int) -> str:
    return "元" if year_in_era == 1 else str(year_in_era)


def era_date(value: date, style: str = "long") -> str:
    """令和7年4月1日 (style "long") or R7.4.1 (style "short") for a date or datetime."""
    day = _as_date(value)
    era = era_of(day)
    year = _year_in_era(era, day.year)
    if style == "long":
        return f"{era.name}{_year_label(year)}年{day.month}月{day.day}日"
    if style == "short":
        return f"{era.letter}{year}.{day.month}.{day.day}"
    raise ValueError(f"unknown style {style!r}: use 'long' or 'short'")


def era_month(value: date) -> str:
    """令和7年5月: a month in the era calendar (headings, report and roster months)."""
    return f"{era_year(value)}{_as_date(value).month}月"


def era_year(value: date) -> str:
    """令和7年: the era year of a date (for headings and 年分 labels)."""
    day = _as_date(value)
    era = era_of(day)
    return f"{era.name}{_year_label(_year_in_era(era, day.year))}年"


def fiscal_year_of(value: date) -> int:
    """The fiscal year (年度, April–March) a date belongs to, as its western start year."""
    day = _as_date(value)
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_label(fiscal_year: int) -> str:
    """令和7年度 for 2025: the fiscal year that starts in April of that western year."""
    if isinstance(fiscal_year, bool) or not isinstance(fiscal_year, int):
        raise TypeError(f"expected the fiscal year as int, got {fiscal_year!r}")
    era = _FISCAL_YEAR_ERA.get(fiscal_year) or era_of(date(fiscal_year, 4, 1))
    return f"{era.name}{_year_label(_year_in_era(era, fiscal_year))}年度"


_DATE_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−ー", "-"))
_KANJI_ERA_DATE = re.compile(r"(?P<era>\D+?)(?P<year>元|\d+)年(?P<month>\d+)月(?P<day>\d+)日")
_LETTER_ERA_DATE = re.compile(
    r"(?P<era>[A-Z])(?P<year>\d+)(?P<sep>[./-])(?P<month>\d+)(?P=sep)(?P<day>\d+)"
)
_WESTERN_DATES = (
    re.compile(r"(?P<year>\d{4})(?P<sep>[./-])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})"),
    re.compile(r"(?P<year>\d{4})年(?P<month>\d{1,2})月(?P<day>\d{1,2})日"),
    re.compile(r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})"),
)


def parse_era_date(text: str) -> date:
    """Read a date as people write it in Japan: 令和7年4月1日, R7.4.1, H31/4/30, 2025-04-01, …

    Full-width digits and letters, 元年, zero padding and the separators . / - are accepted.
    Raises ValueError with a Japanese message (元号が不明です, 存在しない日付です, …).
    """
    if not isinstance(text, str):
        raise TypeError(f"expected a str, got {text!r}")
    # NFKC folds full-width digits/letters and the one-character era signs (㋿ ㍻ ㍼ ㍽ ㍾).
    cleaned = unicodedata.normalize("NFKC", text).translate(_DATE_DASHES)
    cleaned = "".join(cleaned.split()).upper()
    if not cleaned:
        raise ValueError("日付が空です")
    for pattern in _WESTERN_DATES:
        if match := pattern.fullmatch(cleaned):
            return _checked_western(text, *(int(match[k]) for k in ("year", "month", "day")))
    match = _KANJI_ERA_DATE.fullmatch(cleaned) or _LETTER_ERA_DATE.fullmatch(cleaned)
    if match is None:
        raise ValueError(f"日付の形式が正しくありません: {text}")
    era = _ERA_BY_NAME.get(match["era"]) or _ERA_BY_LETTER.get(match["era"])
    if era is None:
        raise ValueError(f"元号が不明です: {match['era']}")
    year = 1 if match["year"] == "元" else int(match["year"])
    return _checked_era(text, era, year, int(match["month"]), int(match["day"]))


def _checked_western(text: str, year: int, month: int, day: int) -> date:
    try:
        result = date(year, month, day)
    except ValueError:
        raise ValueError(f"存在しない日付です: {text}") from None
    if result < EARLIEST_DATE:
        raise ValueError(_EARLIEST_MESSAGE)
    return result


def _checked_era(text: str, era: Era, year: int, month: int, day: int) -> date:
    if year < 1:
        raise ValueError(f"年が正しくありません: {text}")
    result = _checked_western(text, era.start.year + year - 1, month, day)
    if result < era.start:
        raise ValueError(f"{era.name}元年は{era.start.month}月{era.start.day}日からです")
    following = next((later for later in ERAS if later.start > era.start), None)
    if following is not None and result >= following.start:
        last = following.start - timedelta(days=1)
        last_year = _year_in_era(era, last.year)
        if year > last_year:
            raise ValueError(f"{era.name}は{last_year}年までです")
        raise ValueError(f"{era.name}{last_year}年は{last.month}月{last.day}日までです")
    return result


# --- Money and counts ------------------------------------------------------------------------


def _whole_yen(amount: int | Decimal) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int | Decimal):
        raise TypeError(f"expected an int or Decimal amount, got {amount!r}")
    if isinstance(amount, Decimal):
        if not amount.is_finite():
            raise ValueError(f"金額が正しくありません: {amount}")
        # Yen has no smaller unit; a fraction here means a calculation went wrong upstream.
        if amount != amount.to_integral_value():
            raise ValueError(f"円未満の端数がある金額です: {amount}")
    return int(amount)


def yen(amount: int | Decimal | None) -> str:
    """12,345円 (negative: -12,345円, None: empty). Fractional amounts raise ValueError."""
    if amount is None:
        return ""
    return f"{_whole_yen(amount):,}円"


def number(value: int | Decimal | float | None) -> str:
    """12,345 for tables; a Decimal keeps its decimal places (12.50 → "12.50")."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        raise TypeError(f"expected a number, got {value!r}")
    if isinstance(value, int):
        return f"{value:,}"
    # Through Decimal so a float prints as written (0.1, not 0.1000000000000000055…).
    decimal = value if isinstance(value, Decimal) else Decimal(repr(value))
    if not decimal.is_finite():
        raise ValueError(f"数値が正しくありません: {value}")
    return f"{decimal:,f}"


# --- Phone numbers ---------------------------------------------------------------------------


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", "携帯"
    IP = "ip", "IP電話"
    LANDLINE = "landline", "固定"
    TOLL_FREE = "toll_free", "フリーダイヤル"


# Hyphens as typed in Japanese text (the long vowel mark ー is a common mistake for them).
_PHONE_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−ーｰ", "-"))
_PHONE_CHARACTERS = re.compile(r"\+?[0-9()\-.\s]+")
_JAPAN = 81


def _parse_phone(text: str) -> phonenumbers.PhoneNumber:
    cleaned = unicodedata.normalize("NFKC", str(text)).translate(_PHONE_DASHES).strip()
    # phonenumbers would read letters as a vanity number (0120-ABC-…); we never want that.
    if not _PHONE_CHARACTERS.fullmatch(cleaned):
        raise ValueError(f"電話番号として正しくありません: {text}")
    try:
        parsed = phonenumbers.parse(cleaned, "JP")
    except phonenumbers.NumberParseException:
        raise ValueError(f"電話番号として正しくありません: {text}") from None
    if parsed.country_code != _JAPAN or not phonenumbers.is_valid_number(parsed):
        raise ValueError(f"電話番号として正しくありません: {text}")
    return parsed


def normalize_phone(text: str) -> str:
    """E.164 (+819012345678): the stored form, one spelling per number for matching."""
    return phonenumbers.format_number(_parse_phone(text), phonenumbers.PhoneNumberFormat.E164)


def format_phone(text: str) -> str:
    """National format with hyphens at the area-code boundaries: 03-1234-5678, 0166-12-3456."""
    return phonenumbers.format_number(_parse_phone(text), phonenumbers.PhoneNumberFormat.NATIONAL)


def phone_kind(text: str) -> PhoneKind:
    """Mobile (070/080/090), IP (050), toll-free (0120/0800) or landline (every other number)."""
    national = "0" + phonenumbers.national_significant_number(_parse_phone(text))
    # 0800 before 080: toll-free 0800 numbers share their first digits with mobiles.
    if national.startswith(("0120", "0800")):
        return PhoneKind.TOLL_FREE
    if national.startswith(("070", "080", "090")):
        return PhoneKind.MOBILE
    if national.startswith("050"):
        return PhoneKind.IP
    return PhoneKind.LANDLINE


def is_sms_capable(text: str) -> bool:
    """Whether an SMS can be sent: mobiles only. An invalid number is simply not capable."""
    try:
        return phone_kind(text) == PhoneKind.MOBILE
    except ValueError:
        return False


# --- Names and kana for search ---------------------------------------------------------------
#
# Old and variant kanji (髙/高, 﨑/崎, 邊/邉/辺) are NOT folded: the resident register spells
# each person one way, and folding would merge different people into one match. That is also
# why CJK compatibility ideographs (U+F900–U+FAFF, U+2F800–U+2FA1F), which NFKC would replace
# by the unified form, are kept as they are: registers use them for exactly those variants.

_COMPATIBILITY_IDEOGRAPH = re.compile(r"([\uf900-\ufaff\U0002f800-\U0002fa1f])")
# Full-width ゛゜ as separate characters become the combining marks, so カ゛ composes to ガ.
_SPACING_SOUND_MARKS = str.maketrans({"\u309b": "\u3099", "\u309c": "\u309a"})
_INVISIBLE = str.maketrans(dict.fromkeys(map(ord, "\u200b\u2060\ufeff")))
# Bank (全銀) kana data writes the long vowel as a hyphen: ｽｽﾞｷ ｹﾝｲﾁﾛ-.
_DASH_AFTER_KANA = re.compile(r"([\u3041-\u30ff])([-‐‒–—―−]+)")
_KATAKANA = re.compile(r"[\u30a1-\u30f6\u30fd\u30fe]")
_HIRAGANA = re.compile(r"[\u3041-\u3096\u309d\u309e]")
_KANA_OFFSET = 0x60  # ア (U+30A2) − あ (U+3042); the two blocks run in parallel
# ヷヸヹヺ have no hiragana of their own: わ゙ etc. with the combining mark. (Not through
# NFD/NFC: those would also fold the compatibility ideographs kept above.)
_VU_ROW_KATAKANA = {"ワ\u3099": "ヷ", "ヰ\u3099": "ヸ", "ヱ\u3099": "ヹ", "ヲ\u3099": "ヺ"}
_VU_ROW_TO_HIRAGANA = str.maketrans(
    {kana: chr(ord(pair[0]) - _KANA_OFFSET) + pair[1] for pair, kana in _VU_ROW_KATAKANA.items()}
)
_VU_ROW_TO_KATAKANA = re.compile("[ワヰヱヲ]\u3099")


def _nfkc_keeping_variants(text: str) -> str:
    pieces = _COMPATIBILITY_IDEOGRAPH.split(text)
    # split() with a group puts the kept ideographs at the odd positions.
    return "".join(
        piece if index % 2 else unicodedata.normalize("NFKC", piece)
        for index, piece in enumerate(pieces)
    )


def _without_spaces(text: str) -> str:
    return "".join(text.translate(_INVISIBLE).split())


def _to_hiragana(text: str) -> str:
    text = _KATAKANA.sub(lambda m: chr(ord(m[0]) - _KANA_OFFSET), text)
    return text.translate(_VU_ROW_TO_HIRAGANA)


def _to_katakana(text: str) -> str:
    text = _HIRAGANA.sub(lambda m: chr(ord(m[0]) + _KANA_OFFSET), text)
    return _VU_ROW_TO_KATAKANA.sub(lambda m: _VU_ROW_KATAKANA[m[0]], text)


def _search_form(text: str) -> str:
    text = _nfkc_keeping_variants(text.translate(_SPACING_SOUND_MARKS))
    text = _without_spaces(text)
    text = _DASH_AFTER_KANA.sub(lambda m: m[1] + "ー" * len(m[2]), text)
    text = text.lower()
    # Removing a space can bring a combining mark next to its base (カ ゙ → ガ): compose again.
    return _nfkc_keeping_variants(text)


def normalize_name(text: str) -> str:
    """Search key for names and kana: ヤマダ, やまだ, ﾔﾏﾀﾞ and ＹＡＭＡＤＡ each match their kin.

    NFKC (full/half width, half-width kana to full, ｶﾞ → ガ), katakana to hiragana, every
    space removed, Latin letters lower-cased; a hyphen after kana becomes the long vowel ー.
    """
    return _to_hiragana(_search_form(text))


def normalize_kana(text: str) -> str:
    """Like normalize_name but in katakana, the usual form for storing and showing kana names."""
    return _to_katakana(normalize_name(text))
