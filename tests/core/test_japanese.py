"""Japanese formatting: era dates and their parser, yen, phone numbers, search normalisation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import jaconv
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from civicdesk.core.japanese import (
    PhoneKind,
    era_date,
    era_year,
    fiscal_year_label,
    fiscal_year_of,
    format_phone,
    is_sms_capable,
    normalize_kana,
    normalize_name,
    normalize_phone,
    number,
    parse_era_date,
    phone_kind,
    yen,
)

# Written out here, not imported, so the rules are checked against an independent table.
ERA_STARTS = [
    (date(1868, 1, 25), "明治", "M"),
    (date(1912, 7, 30), "大正", "T"),
    (date(1926, 12, 25), "昭和", "S"),
    (date(1989, 1, 8), "平成", "H"),
    (date(2019, 5, 1), "令和", "R"),
]

supported_dates = st.dates(min_value=date(1873, 1, 1), max_value=date(2100, 12, 31))


def expected_era(day: date) -> tuple[str, str, int]:
    start, name, letter = [row for row in ERA_STARTS if row[0] <= day][-1]
    return name, letter, day.year - start.year + 1


# --- era dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "long", "short"),
    [
        (date(1912, 7, 29), "明治45年7月29日", "M45.7.29"),
        (date(1912, 7, 30), "大正元年7月30日", "T1.7.30"),
        (date(1926, 12, 24), "大正15年12月24日", "T15.12.24"),
        (date(1926, 12, 25), "昭和元年12月25日", "S1.12.25"),
        (date(1989, 1, 7), "昭和64年1月7日", "S64.1.7"),
        (date(1989, 1, 8), "平成元年1月8日", "H1.1.8"),
        (date(2019, 4, 30), "平成31年4月30日", "H31.4.30"),
        (date(2019, 5, 1), "令和元年5月1日", "R1.5.1"),
        (date(2025, 4, 1), "令和7年4月1日", "R7.4.1"),
        (date(1873, 1, 1), "明治6年1月1日", "M6.1.1"),
    ],
)
def test_era_date_at_boundaries(day, long, short):
    assert era_date(day) == long
    assert era_date(day, "long") == long
    assert era_date(day, style="short") == short


def test_era_date_refuses_lunar_calendar_dates():
    with pytest.raises(ValueError, match="太陰暦"):
        era_date(date(1872, 12, 31))


def test_era_date_rejects_unknown_style():
    with pytest.raises(ValueError):
        era_date(date(2025, 4, 1), "medium")


def test_era_date_rejects_non_dates():
    with pytest.raises(TypeError):
        era_date("2025-04-01")


def test_datetimes_format_with_their_date_in_japan():
    assert era_date(datetime(2025, 4, 1, 23, 59)) == "令和7年4月1日"
    # 2025-03-31 16:00 UTC is 2025-04-01 01:00 in Tokyo.
    assert era_date(datetime(2025, 3, 31, 16, 0, tzinfo=UTC)) == "令和7年4月1日"
    assert era_date(datetime(2019, 4, 30, 15, 0, tzinfo=UTC), "short") == "R1.5.1"


@given(supported_dates)
def test_era_date_follows_the_era_table(day):
    name, letter, year = expected_era(day)
    year_text = "元" if year == 1 else str(year)
    assert era_date(day) == f"{name}{year_text}年{day.month}月{day.day}日"
    assert era_date(day, "short") == f"{letter}{year}.{day.month}.{day.day}"
    assert era_year(day) == f"{name}{year_text}年"


@given(supported_dates)
def test_parse_round_trips_both_styles(day):
    assert parse_era_date(era_date(day, "long")) == day
    assert parse_era_date(era_date(day, "short")) == day


@given(supported_dates)
def test_parse_reads_western_forms(day):
    assert parse_era_date(day.isoformat()) == day
    assert parse_era_date(f"{day.year}/{day.month}/{day.day}") == day
    assert parse_era_date(day.strftime("%Y%m%d")) == day


@given(st.dates(min_value=date(1873, 1, 2), max_value=date(2100, 12, 31)))
def test_dates_written_in_the_wrong_era_are_refused(day):
    """A date written in an era it does not belong to is refused, never shifted."""
    name, _letter, _year = expected_era(day)
    for start, other_name, _ in ERA_STARTS:
        if other_name == name:
            continue
        year = day.year - start.year + 1
        if year < 1:
            continue
        with pytest.raises(ValueError):
            parse_era_date(f"{other_name}{year}年{day.month}月{day.day}日")


def test_era_year():
    assert era_year(date(2025, 4, 1)) == "令和7年"
    assert era_year(date(2019, 5, 1)) == "令和元年"
    assert era_year(date(2019, 4, 30)) == "平成31年"


@pytest.mark.parametrize(
    ("fiscal_year", "label"),
    [
        (2025, "令和7年度"),
        (2020, "令和2年度"),
        (2019, "令和元年度"),  # April 2019 was still 平成31年; municipalities write 令和元年度
        (2018, "平成30年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),
        (1926, "大正15年度"),
    ],
)
def test_fiscal_year_label(fiscal_year, label):
    assert fiscal_year_label(fiscal_year) == label


def test_fiscal_year_label_needs_an_int():
    with pytest.raises(TypeError):
        fiscal_year_label("2025")


@pytest.mark.parametrize(
    ("day", "fiscal_year"),
    [(date(2025, 3, 31), 2024), (date(2025, 4, 1), 2025), (date(2025, 12, 31), 2025)],
)
def test_fiscal_year_of(day, fiscal_year):
    assert fiscal_year_of(day) == fiscal_year


@pytest.mark.parametrize(
    "text",
    [
        "令和7年4月1日",
        "令和７年４月１日",
        "令和 7年 4月 1日",
        "㋿7年4月1日",
        "R7.4.1",
        "r7.4.1",
        "R07.04.01",
        "Ｒ７．４．１",
        "R7/4/1",
        "R7-4-1",
        "2025-04-01",
        "2025/4/1",
        "2025.4.1",
        "2025年4月1日",
        "20250401",
        "２０２５／０４／０１",
        " 2025-04-01\n",
    ],
)
def test_parse_era_date_accepts(text):
    assert parse_era_date(text) == date(2025, 4, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和元年5月1日", date(2019, 5, 1)),
        ("H31.4.30", date(2019, 4, 30)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("S64.1.7", date(1989, 1, 7)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("㍻元年1月8日", date(1989, 1, 8)),
        ("M6.1.1", date(1873, 1, 1)),
    ],
)
def test_parse_era_date_at_boundaries(text, expected):
    assert parse_era_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("天保3年1月1日", "元号が不明です"),
        ("X7.4.1", "元号が不明です"),
        ("令和7年2月30日", "存在しない日付です"),
        ("R7.13.1", "存在しない日付です"),
        ("2025-02-29", "存在しない日付です"),
        ("令和元年4月30日", "令和元年は5月1日からです"),
        ("R1.4.30", "令和元年は5月1日からです"),
        ("平成元年1月7日", "平成元年は1月8日からです"),
        ("平成31年5月1日", "平成31年は4月30日までです"),
        ("平成32年1月1日", "平成は31年までです"),
        ("昭和64年1月8日", "昭和64年は1月7日までです"),
        ("令和0年5月1日", "年が正しくありません"),
        ("1872-12-31", "太陰暦"),
        ("明治5年12月1日", "太陰暦"),
        ("", "日付が空です"),
        ("　", "日付が空です"),
        ("来週の月曜", "日付の形式が正しくありません"),
        ("R7.4/1", "日付の形式が正しくありません"),
        ("25-04-01", "日付の形式が正しくありません"),
    ],
)
def test_parse_era_date_explains_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_era_date(text)


# --- yen and numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "0円"),
        (1, "1円"),
        (999, "999円"),
        (1000, "1,000円"),
        (12345, "12,345円"),
        (-12345, "-12,345円"),
        (1_234_567_890_123, "1,234,567,890,123円"),
        (Decimal("12345"), "12,345円"),
        (Decimal("12345.00"), "12,345円"),
        (Decimal("-500"), "-500円"),
        (None, ""),
    ],
)
def test_yen(amount, text):
    assert yen(amount) == text


@pytest.mark.parametrize("amount", [Decimal("0.5"), Decimal("12345.01"), Decimal("-1.5")])
def test_yen_rejects_fractions(amount):
    with pytest.raises(ValueError, match="端数"):
        yen(amount)


@pytest.mark.parametrize("amount", [Decimal("NaN"), Decimal("Infinity")])
def test_yen_rejects_non_finite_amounts(amount):
    with pytest.raises(ValueError):
        yen(amount)


@pytest.mark.parametrize("amount", [1.0, "100", True])
def test_yen_rejects_other_types(amount):
    with pytest.raises(TypeError):
        yen(amount)


@given(st.integers(min_value=-(10**18), max_value=10**18))
def test_yen_reads_back_as_the_amount(amount):
    text = yen(amount)
    assert text.endswith("円")
    assert int(text.removesuffix("円").replace(",", "")) == amount
    assert yen(Decimal(amount)) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (12345, "12,345"),
        (-1234567, "-1,234,567"),
        (Decimal("1234.50"), "1,234.50"),
        (Decimal("1E+3"), "1,000"),
        (0.1, "0.1"),
        (None, ""),
    ],
)
def test_number(value, text):
    assert number(value) == text


# --- phone numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "formatted", "e164", "kind"),
    [
        ("0312345678", "03-1234-5678", "+81312345678", PhoneKind.LANDLINE),  # Tokyo
        ("03-1234-5678", "03-1234-5678", "+81312345678", PhoneKind.LANDLINE),
        ("(03)1234-5678", "03-1234-5678", "+81312345678", PhoneKind.LANDLINE),
        ("0612345678", "06-1234-5678", "+81612345678", PhoneKind.LANDLINE),  # Osaka
        ("0452345678", "045-234-5678", "+81452345678", PhoneKind.LANDLINE),  # Yokohama
        ("0166234567", "0166-23-4567", "+81166234567", PhoneKind.LANDLINE),  # Asahikawa
        ("0120444444", "0120-444-444", "+81120444444", PhoneKind.TOLL_FREE),
        ("0120-123-456", "0120-123-456", "+81120123456", PhoneKind.TOLL_FREE),
        ("08001234567", "0800-123-4567", "+818001234567", PhoneKind.TOLL_FREE),
        ("05012345678", "050-1234-5678", "+815012345678", PhoneKind.IP),
        ("07012345678", "070-1234-5678", "+817012345678", PhoneKind.MOBILE),
        ("08012345678", "080-1234-5678", "+818012345678", PhoneKind.MOBILE),
        ("09012345678", "090-1234-5678", "+819012345678", PhoneKind.MOBILE),
        ("+819012345678", "090-1234-5678", "+819012345678", PhoneKind.MOBILE),
        ("+81 90 1234 5678", "090-1234-5678", "+819012345678", PhoneKind.MOBILE),
        ("０９０１２３４５６７８", "090-1234-5678", "+819012345678", PhoneKind.MOBILE),
        ("０９０－１２３４－５６７８", "090-1234-5678", "+819012345678", PhoneKind.MOBILE),
        ("０９０ー１２３４ー５６７８", "090-1234-5678", "+819012345678", PhoneKind.MOBILE),
        ("090−1234−5678", "090-1234-5678", "+819012345678", PhoneKind.MOBILE),
        ("ｰ090ｰ1234ｰ5678", "090-1234-5678", "+819012345678", PhoneKind.MOBILE),
        (" 090 1234 5678 ", "090-1234-5678", "+819012345678", PhoneKind.MOBILE),
    ],
)
def test_phone_numbers(text, formatted, e164, kind):
    assert format_phone(text) == formatted
    assert normalize_phone(text) == e164
    assert phone_kind(text) == kind
    assert is_sms_capable(text) is (kind == PhoneKind.MOBILE)


def test_phone_kind_labels_are_japanese():
    assert PhoneKind.MOBILE.label == "携帯"
    assert PhoneKind.IP.label == "IP電話"
    assert PhoneKind.LANDLINE.label == "固定"
    assert PhoneKind.TOLL_FREE.label == "フリーダイヤル"


@pytest.mark.parametrize(
    "text",
    ["", "abc", "110", "0312345", "031234567890", "0120-ABC-DEF", "+14155552671", "電話なし"],
)
def test_invalid_phone_numbers_are_refused(text):
    with pytest.raises(ValueError, match="電話番号として正しくありません"):
        normalize_phone(text)
    with pytest.raises(ValueError, match="電話番号として正しくありません"):
        format_phone(text)
    with pytest.raises(ValueError):
        phone_kind(text)
    assert is_sms_capable(text) is False


# --- names and kana --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "kana"),
    [
        ("ヤマダ", "やまだ", "ヤマダ"),
        ("やまだ", "やまだ", "ヤマダ"),
        ("ﾔﾏﾀﾞ", "やまだ", "ヤマダ"),
        ("ｶﾞ", "が", "ガ"),
        ("ﾊﾟﾋﾟﾌﾟ", "ぱぴぷ", "パピプ"),
        ("カ゛", "が", "ガ"),  # a separate full-width ゛ joins the kana before it
        ("ｻｰﾋﾞｽ", "さーびす", "サービス"),
        ("ｽｽﾞｷ ｹﾝｲﾁﾛ-", "すずきけんいちろー", "スズキケンイチロー"),  # bank kana: "-" is ー
        ("ヤマダ　タロウ", "やまだたろう", "ヤマダタロウ"),
        ("山田\t太郎 ", "山田太郎", "山田太郎"),
        ("山田\u200b太郎", "山田太郎", "山田太郎"),
        ("ＹＡＭＡＤＡ Taro", "yamadataro", "yamadataro"),
        ("ｳﾞｧｲｵﾘﾝ", "ゔぁいおりん", "ヴァイオリン"),
        ("ヷ", "わ\u3099", "ヷ"),
        ("ヽヾ", "ゝゞ", "ヽヾ"),
        ("", "", ""),
    ],
)
def test_normalize_name_and_kana(text, name, kana):
    assert normalize_name(text) == name
    assert normalize_kana(text) == kana


@pytest.mark.parametrize(("variant", "common"), [("髙橋", "高橋"), ("\ufa19", "神"), ("邊", "辺")])
def test_variant_kanji_are_not_folded(variant, common):
    """Different spellings in the resident register are different people."""
    assert normalize_name(variant) == variant
    assert normalize_name(variant) != normalize_name(common)


name_text = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x3041, max_codepoint=0x3096),  # hiragana
        st.characters(min_codepoint=0x30A1, max_codepoint=0x30FA),  # katakana
        st.characters(min_codepoint=0xFF66, max_codepoint=0xFF9F),  # half-width katakana
        st.sampled_from("ーｰ゛゜-山田髙橋太郎神\ufa19邊々"),
        st.characters(min_codepoint=0x30, max_codepoint=0x7A).filter(str.isalnum),
        st.sampled_from(" \u3000\t\n\u200b"),
    ),
    max_size=20,
)


@given(st.text())
@example("カ ゙")
@example("e\u00b4")
def test_normalize_name_is_idempotent(text):
    once = normalize_name(text)
    assert normalize_name(once) == once
    kana = normalize_kana(text)
    assert normalize_kana(kana) == kana
    assert normalize_name(kana) == once


@given(name_text)
def test_normalize_name_ignores_hiragana_or_katakana(text):
    expected = normalize_name(text)
    assert normalize_name(jaconv.kata2hira(text)) == expected
    assert normalize_name(jaconv.hira2kata(text)) == expected
    assert normalize_name(jaconv.h2z(text, kana=True, ascii=False, digit=False)) == expected


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


@given(name_text)
def test_normalize_name_ignores_width_and_case_of_letters_and_digits(text):
    expected = normalize_name(text)
    assert normalize_name(full_width(text)) == expected
    assert normalize_name(text.upper()) == normalize_name(text.lower())


@given(name_text, st.lists(st.sampled_from(" \u3000\t\u00a0\u200b"), max_size=5), st.randoms())
def test_normalize_name_removes_every_space(text, spaces, random):
    padded = list(text)
    for space in spaces:
        padded.insert(random.randint(0, len(padded)), space)
    result = normalize_name("".join(padded))
    assert result == normalize_name(text)
    assert not any(c.isspace() for c in result)


def test_one_day_step_at_each_era_change():
    for start, name, _letter in ERA_STARTS[1:]:
        assert era_date(start).startswith(f"{name}元年")
        assert not era_date(start - timedelta(days=1)).startswith(name)
