"""Cell parsers of the importer: the spellings the formats page promises, and refusals."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicdesk.core.japanese import format_phone, normalize_phone, phone_kind
from civicdesk.receivables.importers import values


@pytest.mark.parametrize(
    "raw", ["12300", "12,300", "１２３００", "12300円", "１２，３００円", "¥12,300"]
)
def test_amount_spellings_are_the_same_yen(raw):
    assert values.amount(raw) == 12300


@pytest.mark.parametrize("raw", ["-100", "－１００", "△100", "▲1,000"])
def test_negative_amount_is_an_error(raw):
    with pytest.raises(ValueError, match="負の値"):
        values.amount(raw)


@pytest.mark.parametrize("raw", ["12.5", "abc", "1万", "=1+2"])
def test_amount_that_is_not_whole_yen_is_an_error(raw):
    with pytest.raises(ValueError, match="金額として読めません"):
        values.amount(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "2025-04-30",
        "2025/4/30",
        "20250430",
        "令和7年4月30日",
        "R7.4.30",
        "R07/04/30",
        "２０２５－０４－３０",
    ],
)
def test_date_spellings_read_as_iso(raw):
    assert values.date_iso(raw) == "2025-04-30"


def test_heisei_31_is_read():
    assert values.date_iso("H31.4.30") == "2019-04-30"


def test_impossible_era_date_gives_the_japanese_reason():
    with pytest.raises(ValueError, match="存在しない日付です: 令和7年2月30日"):
        values.date_iso("令和7年2月30日")


def test_impossible_iso_date_gives_the_japanese_reason():
    with pytest.raises(ValueError, match="存在しない日付です"):
        values.date_iso("2025-02-30")


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_iso_fast_path_agrees_with_the_date(day):
    assert values.date_iso(day.isoformat()) == day.isoformat()
    assert values.date_iso(f"{day.year}/{day.month}/{day.day}") == day.isoformat()


@pytest.mark.parametrize(
    ("raw", "year"),
    [
        ("2025", 2025),
        ("2025年度", 2025),
        ("R7", 2025),
        ("r7", 2025),
        ("令和7", 2025),
        ("令和7年度", 2025),
        ("令和７年度", 2025),
        ("令和元年度", 2019),
        ("H30", 2018),
        ("平成30年度", 2018),
    ],
)
def test_fiscal_year_spellings(raw, year):
    assert values.fiscal_year(raw) == year


@pytest.mark.parametrize("raw", ["X7", "令和", "25", "令和0年度"])
def test_unreadable_fiscal_year_is_an_error(raw):
    with pytest.raises(ValueError):
        values.fiscal_year(raw)


@pytest.mark.parametrize(
    ("raw", "period"),
    [
        ("1", "1"),
        ("01", "1"),
        ("14", "14"),
        ("１２", "12"),
        ("第3期", "3"),
        ("3期", "3"),
        ("随時", "随時"),
    ],
)
def test_period_spellings(raw, period):
    assert values.period(raw) == period


@pytest.mark.parametrize("raw", ["0", "15", "前期", "1.5"])
def test_period_outside_1_to_14_is_an_error(raw):
    with pytest.raises(ValueError, match="1〜14または随時"):
        values.period(raw)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("住民税", "resident_tax"),
        ("軽自動車税", "light_vehicle_tax"),
        ("国保", "nhi"),
        ("後期高齢", "late_elderly"),
        ("介護", "ltc"),
        ("nhi", "nhi"),
        ("LTC", "ltc"),
        ("国民健康保険料", "nhi"),
        ("特別区民税・都民税・森林環境税", "resident_tax"),
        ("軽自動車税（種別割）", "light_vehicle_tax"),
    ],
)
def test_revenue_type_names_and_codes(raw, code):
    assert values.revenue_type(raw) == code


def test_unknown_revenue_type_is_an_error():
    with pytest.raises(ValueError, match="不明な税目です"):
        values.revenue_type("固定資産税")


@pytest.mark.parametrize(
    ("raw", "sex"), [("男", "male"), ("1", "male"), ("女", "female"), ("２", "female")]
)
def test_sex_spellings(raw, sex):
    assert values.sex(raw) == sex


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("有", True),
        ("無", False),
        ("1", True),
        ("0", False),
        ("はい", True),
        ("いいえ", False),
        ("true", True),
        ("FALSE", False),
    ],
)
def test_boolean_spellings(raw, value):
    assert values.boolean(raw) is value


def test_unknown_boolean_is_an_error():
    with pytest.raises(ValueError):
        values.boolean("たぶん")


@pytest.mark.parametrize("raw", ['=HYPERLINK("http://x","y")', "+1", "-cmd", "@SUM(A1)", "＝1"])
def test_text_that_excel_would_run_as_a_formula_is_refused(raw):
    with pytest.raises(ValueError, match="数式として解釈される値は取り込めません"):
        values.text(raw, 100)


@pytest.mark.parametrize("raw", ["山田\t太郎", "山田\n太郎", "山田\x00"])
def test_text_with_control_characters_is_refused(raw):
    with pytest.raises(ValueError, match="制御文字"):
        values.text(raw, 100)


def test_text_longer_than_the_column_is_an_error():
    with pytest.raises(ValueError, match="100文字以内"):
        values.text("あ" * 101, 100)


def test_identifier_folds_full_width_digits():
    assert values.identifier("ＡＢ１２３", 20) == "AB123"


def test_identifier_starting_with_a_formula_sign_is_refused():
    with pytest.raises(ValueError, match="数式"):
        values.identifier("=1+1", 20)


def test_postal_code_spellings():
    assert values.postal_code("〒１３５－００１６") == "135-0016"
    assert values.postal_code("1350016") == "135-0016"


def test_kana_half_width_is_stored_full_width():
    assert values.kana("ﾔﾏﾀﾞ ﾀﾛｳ", 100) == "ヤマダ タロウ"


@pytest.mark.parametrize("separator", [";", "、", "/", "；", "／"])
def test_several_phones_in_one_cell(separator):
    found = values.phones(f"03-1234-5678{separator}０９０（１２３４）５６７８")
    assert found == (
        ("+81312345678", "03-1234-5678", "landline"),
        ("+819012345678", "090-1234-5678", "mobile"),
    )


def test_the_same_number_twice_in_a_cell_is_one_phone():
    assert len(values.phones("090-1234-5678;09012345678")) == 1


def test_an_invalid_phone_is_an_error():
    with pytest.raises(ValueError, match="電話番号として正しくありません"):
        values.phones("03-0123-4567")


NATIONAL_NUMBERS = st.one_of(
    st.from_regex(r"0[789]0-?\d{4}-?\d{4}", fullmatch=True),
    st.from_regex(r"0[1-9]\d{8}", fullmatch=True),
    st.from_regex(r"0\d-\d{4}-\d{4}", fullmatch=True),
    st.from_regex(r"0\d{2}-\d{3}-\d{4}", fullmatch=True),
    st.from_regex(r"0\d{3}-\d{2}-\d{4}", fullmatch=True),
)


@given(NATIONAL_NUMBERS)
def test_fast_phone_paths_agree_with_core_japanese(raw):
    try:
        expected = (normalize_phone(raw), format_phone(raw), str(phone_kind(raw)))
    except ValueError:
        with pytest.raises(ValueError):
            values.phone(raw)
        return
    assert values.phone(raw) == expected
