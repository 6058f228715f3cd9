"""Cell parsers: one function per kind of value, each raising ValueError with a Japanese reason.

The common ASCII spellings (``2025-04-30``, ``12300``) take a fast path; everything else goes
through the general parsers of ``core.japanese``. Callers remember answers per spelling
(validate.CellGroup), so a parser need not be fast for values that repeat.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import phonenumbers

from civicdesk.core.choices import REVENUE_TYPE_FILE_LABELS, RevenueType
from civicdesk.core.japanese import ERAS, normalize_phone, parse_era_date, phone_kind
from civicdesk.receivables.models import CollectionKind
from civicdesk.registry.models import Sex

FORMULA_MESSAGE = "数式として解釈される値は取り込めません"
# What Excel (and LibreOffice) start a formula with; tab and CR hide the sign from a reader.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def text(raw: str, max_length: int) -> str:
    """Free text (names, addresses): kept as written, but never something Excel would run."""
    value = raw.strip()
    if value.startswith(_FORMULA_STARTS):
        raise ValueError(FORMULA_MESSAGE)
    if _CONTROL.search(value):
        raise ValueError("改行・タブなどの制御文字は使えません")
    if len(value) > max_length:
        raise ValueError(f"{max_length}文字以内にしてください（{len(value)}文字あります）")
    return value


_IDENTIFIER = re.compile(r"[0-9A-Za-z][0-9A-Za-z_\-]*")


def identifier(raw: str, max_length: int) -> str:
    """A key from the core system (宛名番号, 整理番号, 世帯番号): letters, digits and hyphens."""
    value = raw.strip()
    if not (value.isascii() and _IDENTIFIER.fullmatch(value)):
        value = unicodedata.normalize("NFKC", value).strip()
        if value.startswith(_FORMULA_STARTS):
            raise ValueError(FORMULA_MESSAGE)
        if not _IDENTIFIER.fullmatch(value):
            raise ValueError(f"英数字とハイフンで書いてください: {raw}")
    if len(value) > max_length:
        raise ValueError(f"{max_length}桁以内にしてください（{len(value)}桁あります）")
    return value


_NEGATIVE_SIGNS = ("-", "−", "△", "▲", "ー")
_AMOUNT_NOISE = str.maketrans("", "", ",円¥\\ 　")


def amount(raw: str) -> int:
    """Whole yen: ``12,300``, ``１２３００``, ``12300円``, ``¥12,300``. Negative is an error."""
    value = raw.strip()
    if value.isascii() and value.isdigit():
        return int(value)
    value = unicodedata.normalize("NFKC", value).translate(_AMOUNT_NOISE)
    if value.startswith(_NEGATIVE_SIGNS) and value[1:].isdigit():
        raise ValueError(f"金額が負の値です: {raw}")
    if not (value.isascii() and value.isdigit()):
        raise ValueError(f"金額として読めません（円単位の整数）: {raw}")
    return int(value)


_ISO_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", re.ASCII)


def date_iso(raw: str) -> str:
    """A date in any spelling ``core.japanese.parse_era_date`` reads, as ``YYYY-MM-DD``."""
    value = raw.strip()
    if match := _ISO_DATE.fullmatch(value):
        try:
            return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
        except ValueError:
            pass  # the general parser names the problem in Japanese
    return parse_era_date(value).isoformat()


_ERA_START_YEAR = {era.name: era.start.year for era in ERAS} | {
    era.letter: era.start.year for era in ERAS
}
_ERA_YEAR = re.compile(r"(?P<era>[^\d元]+?)(?P<year>元|\d+)(?:年度?)?")
_WESTERN_YEAR = re.compile(r"(?P<year>\d{4})(?:年度?)?")


def fiscal_year(raw: str) -> int:
    """年度: ``2025``, ``2025年度``, ``R7``, ``令和7``, ``令和7年度``, ``令和元年度`` → 2025 …"""
    value = raw.strip()
    if len(value) == 4 and value.isascii() and value.isdigit():
        year = int(value)
    else:
        value = "".join(unicodedata.normalize("NFKC", value).split()).upper()
        if match := _WESTERN_YEAR.fullmatch(value):
            year = int(match["year"])
        elif match := _ERA_YEAR.fullmatch(value):
            start = _ERA_START_YEAR.get(match["era"])
            if start is None:
                raise ValueError(f"元号が不明です: {match['era']}")
            in_era = 1 if match["year"] == "元" else int(match["year"])
            if in_era < 1:
                raise ValueError(f"年度が正しくありません: {raw}")
            year = start + in_era - 1
        else:
            raise ValueError(f"年度として読めません（例: 2025, R7, 令和7年度）: {raw}")
    if not 1873 <= year <= 2200:
        raise ValueError(f"年度が範囲外です: {raw}")
    return year


AS_NEEDED = "随時"
_PERIOD = re.compile(r"第?(?P<number>\d{1,2})期?")


def period(raw: str) -> str:
    """期別: ``1``–``14`` (``01``, ``第1期``, full-width) or ``随時``, stored as ``1`` … ``14``."""
    value = raw.strip()
    if value.isascii() and value.isdigit() and 1 <= int(value) <= 14:
        return str(int(value))
    value = "".join(unicodedata.normalize("NFKC", value).split())
    if value in (AS_NEEDED, "随時期", "第随時期"):
        return AS_NEEDED
    match = _PERIOD.fullmatch(value)
    if match is None or not 1 <= int(match["number"]) <= 14:
        raise ValueError(f"期別は1〜14または随時です: {raw}")
    return str(int(match["number"]))


_REVENUE_TYPES = (
    {code: code for code in RevenueType.values}
    | {label: code for code, label in RevenueType.choices}
    | {label: code for code, label in REVENUE_TYPE_FILE_LABELS.items()}
)
_REVENUE_TYPES.update(
    {
        "個人住民税": RevenueType.RESIDENT_TAX,
        "特別区民税": RevenueType.RESIDENT_TAX,
        "区民税": RevenueType.RESIDENT_TAX,
        "市民税": RevenueType.RESIDENT_TAX,
        "市県民税": RevenueType.RESIDENT_TAX,
        "市民税・県民税": RevenueType.RESIDENT_TAX,
        "特別区民税・都民税": RevenueType.RESIDENT_TAX,
        "軽自動車税(種別割)": RevenueType.LIGHT_VEHICLE_TAX,
        "国民健康保険": RevenueType.NHI,
        "国民健康保険料": RevenueType.NHI,
        "国民健康保険税": RevenueType.NHI,
        "後期高齢者医療": RevenueType.LATE_ELDERLY,
        "後期高齢者医療保険料": RevenueType.LATE_ELDERLY,
        "介護保険": RevenueType.LTC,
        "介護保険料": RevenueType.LTC,
    }
)
_REVENUE_TYPES = {
    "".join(unicodedata.normalize("NFKC", key).split()).lower(): str(value)
    for key, value in _REVENUE_TYPES.items()
}


def revenue_type(raw: str) -> str:
    """税目: 住民税 / 軽自動車税 / 国保 / 後期高齢 / 介護 (or longer names), or the code."""
    key = "".join(unicodedata.normalize("NFKC", raw).split()).lower()
    found = _REVENUE_TYPES.get(key)
    if found is None:
        raise ValueError(f"不明な税目です（住民税・軽自動車税・国保・後期高齢・介護）: {raw}")
    return found


_SEXES = {"男": Sex.MALE, "1": Sex.MALE, "男性": Sex.MALE, "male": Sex.MALE, "m": Sex.MALE}
_SEXES |= {"女": Sex.FEMALE, "2": Sex.FEMALE, "女性": Sex.FEMALE, "female": Sex.FEMALE}
_SEXES["f"] = Sex.FEMALE


def sex(raw: str) -> str:
    found = _SEXES.get(unicodedata.normalize("NFKC", raw).strip().lower())
    if found is None:
        raise ValueError(f"性別は 男・女・1・2 のいずれかです: {raw}")
    return str(found)


_BOOLEANS = {"有": True, "1": True, "はい": True, "true": True, "yes": True, "あり": True}
_BOOLEANS |= {"無": False, "0": False, "いいえ": False, "false": False, "no": False, "なし": False}


def boolean(raw: str) -> bool:
    found = _BOOLEANS.get(unicodedata.normalize("NFKC", raw).strip().lower())
    if found is None:
        raise ValueError(f"有・無（1・0、はい・いいえ、true・false）のいずれかです: {raw}")
    return found


_COLLECTION_KINDS = {"普通": CollectionKind.ORDINARY, "普通徴収": CollectionKind.ORDINARY}
_COLLECTION_KINDS |= {"特別": CollectionKind.SPECIAL, "特別徴収": CollectionKind.SPECIAL}
_COLLECTION_KINDS |= {"ordinary": CollectionKind.ORDINARY, "special": CollectionKind.SPECIAL}
_COLLECTION_KINDS |= {"特徴": CollectionKind.SPECIAL, "普徴": CollectionKind.ORDINARY}


def collection_kind(raw: str) -> str:
    found = _COLLECTION_KINDS.get(unicodedata.normalize("NFKC", raw).strip().lower())
    if found is None:
        raise ValueError(f"徴収区分は 普通・特別 のいずれかです: {raw}")
    return str(found)


_POSTAL_CODE = re.compile(r"〒?(\d{3})-?(\d{4})", re.ASCII)


def postal_code(raw: str) -> str:
    value = "".join(unicodedata.normalize("NFKC", raw).split()).replace("ー", "-")
    match = _POSTAL_CODE.fullmatch(value)
    if match is None:
        raise ValueError(f"郵便番号は7桁です（例: 135-0016）: {raw}")
    return f"{match[1]}-{match[2]}"


def kana(raw: str, max_length: int) -> str:
    """氏名カナ, half- or full-width: stored full-width (ﾔﾏﾀﾞ → ヤマダ), spaces kept."""
    return text(unicodedata.normalize("NFKC", raw), max_length)


_PHONE_SEPARATORS = re.compile(r"[;；、,，/／]")
# The common spellings, read without core.japanese's general parser (tests check that both
# agree): 070/080/090 followed by a non-zero digit and 7 more is a valid mobile number (the
# numbering plan), and a 10-digit number starting with 0 is checked and formatted by
# phonenumbers directly.
_MOBILE = re.compile(r"0([789]0)-?([1-9]\d{3})-?(\d{4})", re.ASCII)
_TEN_DIGITS = re.compile(r"0\d{1,4}-?\d{1,4}-?\d{1,4}", re.ASCII)
_KIND_BY_PREFIX: dict[str, str] = {}

Phone = tuple[str, str, str]  # (E.164, display, kind)


def phone(raw: str) -> Phone:
    """(E.164, display, kind) of one number, as core.japanese reads it."""
    if match := _MOBILE.fullmatch(raw):
        head, middle, tail = match.groups()
        return (f"+81{head}{middle}{tail}", f"0{head}-{middle}-{tail}", "mobile")
    digits = raw.replace("-", "")
    if len(digits) == 10 and _TEN_DIGITS.fullmatch(raw):
        number = phonenumbers.PhoneNumber(country_code=81, national_number=int(digits[1:]))
        if not phonenumbers.is_valid_number(number):
            raise ValueError(f"電話番号として正しくありません: {raw}")
        e164 = f"+81{digits[1:]}"
    else:
        e164 = normalize_phone(raw)
        number = phonenumbers.PhoneNumber(country_code=81, national_number=int(e164[3:]))
    display = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    # The kind follows from the first four digits of the national number (phone_kind).
    prefix = e164[:6]
    kind = _KIND_BY_PREFIX.get(prefix)
    if kind is None:
        kind = _KIND_BY_PREFIX[prefix] = str(phone_kind(e164))
    return (e164, display, kind)


def phones(raw: str) -> tuple[Phone, ...]:
    """One or more numbers separated by ``;`` ``、`` ``/``: (E.164, display, kind) each."""
    found: dict[str, Phone] = {}
    for part in _PHONE_SEPARATORS.split(raw):
        part = part.strip()
        if part:
            parsed = phone(part)
            found.setdefault(parsed[0], parsed)
    return tuple(found.values())
