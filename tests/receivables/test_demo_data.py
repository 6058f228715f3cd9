"""The demo-data generator on its own: files in the built-in layouts, values that keep the rules."""

from __future__ import annotations

import calendar
import csv
import re
from collections import Counter, defaultdict
from datetime import date, timedelta

import jpholiday
import phonenumbers
import pytest
from django.db import connection
from phonenumbers import carrier

from civicdesk.core.japanese import format_phone, normalize_phone, phone_kind
from civicdesk.receivables.demo_data import generate
from civicdesk.receivables.demo_data.reference import load_areas, load_names, venue_names
from civicdesk.receivables.models import Account, Installment
from civicdesk.receivables.services import import_file
from civicdesk.registry.addresses import parse_address
from civicdesk.registry.models import Obligor
from tests.bench import run

AS_OF = date(2025, 11, 1)  # fiscal year 2025, seven months in
OBLIGORS = 200

# formats/README.md §1 and §2, in that order.
RECEIVABLES_HEADERS = (
    "税目,宛名番号,整理番号,氏名,氏名カナ,通称名,性別,生年月日,郵便番号,住所,方書,電話番号,"
    "世帯番号,続柄,被保険者番号,徴収区分,年度,期別,納期限,調定額,納付額,未納額,延滞金,"
    "最終納付日,督促状発送日,催告書発送日,口座振替"
)
HOUSEHOLD_HEADERS = "世帯番号,宛名番号,氏名,氏名カナ,性別,生年月日,続柄"

# Due month of each period (Tokyo's special wards), written out here independently.
DUE_MONTHS = {
    "住民税": {1: 6, 2: 8, 3: 10, 4: 1},
    "軽自動車税": {1: 5},
    "国保": {p: (p + 5 - 1) % 12 + 1 for p in range(1, 11)},  # 1→6月 … 10→3月
    "後期高齢": {p: (p + 6 - 1) % 12 + 1 for p in range(1, 10)},  # 1→7月 … 9→3月
    "介護": {p: (p + 5 - 1) % 12 + 1 for p in range(1, 11)},
}
KATAKANA_NAME = re.compile(r"[ァ-ヴー]+(\u3000[ァ-ヴー]+)+")
HALF_WIDTH_KANA_NAME = re.compile(r"[ｦ-ﾟ]+( [ｦ-ﾟ]+)+")


def read(path):
    with path.open(encoding="cp932", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("demo"), OBLIGORS, 7, as_of=AS_OF)


@pytest.fixture(scope="module")
def rows(files):
    return read(files["receivables"])


@pytest.fixture(scope="module")
def members(files):
    return read(files["household"])


def is_day_off(day: date) -> bool:
    return (
        day.weekday() >= 5
        or jpholiday.is_holiday(day)
        or (day.month, day.day) >= (12, 29)
        or (day.month, day.day) <= (1, 3)
    )


# --- files and determinism ------------------------------------------------------------------


def test_same_seed_and_date_give_byte_identical_files(tmp_path, files):
    again = generate(tmp_path, OBLIGORS, 7, as_of=AS_OF)
    for kind in ("receivables", "household"):
        assert again[kind].read_bytes() == files[kind].read_bytes()


def test_another_seed_gives_other_people(tmp_path, files):
    other = generate(tmp_path, OBLIGORS, 8, as_of=AS_OF)
    assert other["receivables"].read_bytes() != files["receivables"].read_bytes()


def test_files_are_cp932_with_the_layout_headers_and_crlf(files):
    for kind, headers in (("receivables", RECEIVABLES_HEADERS), ("household", HOUSEHOLD_HEADERS)):
        raw = files[kind].read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")  # Japanese text in CP932 is not valid UTF-8
        first_line = raw.split(b"\r\n", 1)[0].decode("cp932")
        assert first_line == headers
        assert raw.count(b"\n") == raw.count(b"\r\n")


def test_no_half_written_file_is_left_behind(files):
    assert sorted(p.name for p in files["receivables"].parent.iterdir()) == [
        "household.csv",
        "receivables.csv",
    ]


def test_obligor_count_is_exactly_the_one_asked_for(tmp_path, rows):
    assert len({row["宛名番号"] for row in rows}) == OBLIGORS
    single = read(generate(tmp_path, 1, 3, as_of=AS_OF)["receivables"])
    assert len({row["宛名番号"] for row in single}) == 1


def test_about_eight_installment_rows_per_obligor(tmp_path):
    many = read(generate(tmp_path, 2000, 1, as_of=AS_OF)["receivables"])
    assert 6.5 <= len(many) / 2000 <= 9.5


# --- the rules of the receivables layout ----------------------------------------------------


def test_unpaid_is_assessed_minus_paid_and_nothing_is_negative(rows):
    for row in rows:
        assessed, paid, unpaid = int(row["調定額"]), int(row["納付額"]), int(row["未納額"])
        assert unpaid == assessed - paid
        assert 0 <= paid <= assessed and assessed > 0


def test_no_installment_appears_twice(rows):
    keys = Counter((r["税目"], r["整理番号"], r["年度"], r["期別"]) for r in rows)
    assert max(keys.values()) == 1


def test_each_case_belongs_to_one_person_and_carries_one_set_of_account_values(rows):
    by_case = defaultdict(set)
    for row in rows:
        by_case[(row["税目"], row["整理番号"])].add(
            (row["宛名番号"], row["督促状発送日"], row["催告書発送日"], row["口座振替"])
        )
    assert all(len(values) == 1 for values in by_case.values())


def test_every_account_owes_something_already_due(rows):
    owed = defaultdict(int)
    for row in rows:
        if date.fromisoformat(row["納期限"]) < AS_OF:
            owed[(row["税目"], row["整理番号"])] += int(row["未納額"])
    cases = {(row["税目"], row["整理番号"]) for row in rows}
    assert all(owed[case] > 0 for case in cases)


def test_due_dates_follow_the_ward_schedule_and_skip_days_off(rows):
    for row in rows:
        due = date.fromisoformat(row["納期限"])
        fiscal_year, period = int(row["年度"]), int(row["期別"])
        month = DUE_MONTHS[row["税目"]][period]
        year = fiscal_year if month >= 4 else fiscal_year + 1
        expected = date(year, month, calendar.monthrange(year, month)[1])
        while is_day_off(expected):
            expected += timedelta(days=1)
        assert due == expected, row
        assert due < AS_OF  # only periods already due are arrears


def test_dates_are_valid_and_in_order(rows):
    for row in rows:
        due = date.fromisoformat(row["納期限"])
        assert date.fromisoformat(row["生年月日"]) < AS_OF - timedelta(days=20 * 365)
        if int(row["納付額"]):
            assert date.fromisoformat(row["最終納付日"]) < AS_OF
        else:
            assert row["最終納付日"] == ""
        if row["督促状発送日"]:
            assert date.fromisoformat(row["督促状発送日"]) < AS_OF
        if row["催告書発送日"]:
            assert row["督促状発送日"] < row["催告書発送日"] < AS_OF.isoformat()
        assert due.year >= 2021


def test_amounts_are_realistic_per_revenue_type(rows):
    # A regular (not first) period times the number of periods is about the yearly amount;
    # the yearly ranges, widened by the ±10% change between years.
    yearly_range = {
        "住民税": (4, 40_000, 440_000),
        "国保": (10, 40_000, 1_000_000),  # per household: more members, more premium
        "後期高齢": (9, 15_000, 170_000),
        "介護": (10, 35_000, 135_000),
    }
    for row in rows:
        assessed, period = int(row["調定額"]), int(row["期別"])
        if row["税目"] == "軽自動車税":
            assert assessed in (10_800, 21_600)  # one or two vehicles
            continue
        if row["税目"] == "住民税" and period > 1:
            assert assessed % 1000 == 0  # fractions under 1,000 yen go to the first period
        else:
            assert assessed % 100 == 0
        periods, low, high = yearly_range[row["税目"]]
        if period > 1:
            assert low <= assessed * periods <= high, row


def test_all_five_revenue_types_and_mostly_recent_fiscal_years(rows):
    assert {row["税目"] for row in rows} == set(DUE_MONTHS)
    years = Counter(int(row["年度"]) for row in rows)
    assert (years[2025] + years[2024]) / len(rows) >= 0.8
    assert min(years) < 2024  # and some older arrears


def test_partly_paid_installments_demand_notices_and_account_transfer_occur(rows):
    assert any(0 < int(r["納付額"]) < int(r["調定額"]) for r in rows)
    assert any(int(r["納付額"]) == 0 for r in rows)
    assert any(r["督促状発送日"] for r in rows) and any(r["催告書発送日"] for r in rows)
    assert {r["口座振替"] for r in rows} == {"有", "無"}


def test_insured_numbers_only_for_late_elderly_and_ltc(rows):
    for row in rows:
        if row["税目"] in ("後期高齢", "介護"):
            assert row["被保険者番号"].isdigit()
        else:
            assert row["被保険者番号"] == ""


# --- people, households, phones -------------------------------------------------------------


def test_names_have_full_width_katakana_readings(rows, members):
    for row in rows:
        assert KATAKANA_NAME.fullmatch(row["氏名カナ"]), row["氏名カナ"]
    for member in members:
        assert HALF_WIDTH_KANA_NAME.fullmatch(member["氏名カナ"]), member["氏名カナ"]


def test_every_obligor_is_a_member_of_the_household_named_on_the_row(rows, members):
    household_of = {(m["世帯番号"], m["宛名番号"]): m for m in members}
    for row in rows:
        member = household_of[(row["世帯番号"], row["宛名番号"])]
        assert (member["氏名"], member["生年月日"], member["続柄"]) == (
            row["氏名"],
            row["生年月日"],
            row["続柄"],
        )


def test_households_have_one_head_and_include_couples_children_and_elderly_alone(members):
    by_household = defaultdict(list)
    for member in members:
        by_household[member["世帯番号"]].append(member)
    heads = [sum(m["続柄"] == "世帯主" for m in group) for group in by_household.values()]
    assert set(heads) == {1}
    relations = [{m["続柄"] for m in group} for group in by_household.values()]
    assert any({"世帯主", "妻", "子"} <= r for r in relations)
    assert any(
        len(group) == 1 and date.fromisoformat(group[0]["生年月日"]) < date(1960, 11, 1)
        for group in by_household.values()
    )


def test_phones_are_valid_and_in_the_fictional_blocks_only(rows):
    numbers = {number for row in rows for number in row["電話番号"].split(";") if number}
    kinds = Counter()
    for number in numbers:
        e164 = normalize_phone(number)  # raises for anything the importer would refuse
        kind = phone_kind(number)
        kinds[kind] += 1
        if kind == "mobile":
            assert e164.startswith("+817099") and len(e164) == 13, number  # 070-99xx-xxxx
            # Assigned to no carrier in the MIC allocation data phonenumbers ships (the "ja"
            # locale has no carrier names at all, so the check must ask in English).
            assert carrier.name_for_number(phonenumbers.parse(e164), "en") == "", number
        else:
            assert kind == "landline" and e164.startswith("+8131") and len(e164) == 12, number
        if "-" in number:
            assert number == format_phone(number)
    assert set(kinds) == {"mobile", "landline"}


def test_obligors_have_mobile_landline_both_or_no_phone(rows):
    shapes = Counter()
    for phones in {row["宛名番号"]: row["電話番号"] for row in rows}.values():
        kinds = {phone_kind(n) for n in phones.split(";") if n}
        shapes[frozenset(kinds)] += 1
    assert set(shapes) == {
        frozenset(),
        frozenset({"mobile"}),
        frozenset({"landline"}),
        frozenset({"mobile", "landline"}),
    }


def test_addresses_are_koto_city_areas_the_address_parser_reads_back(rows):
    areas = {(area.town, area.chome) for area in load_areas()}
    for address in {row["住所"] for row in rows}:
        assert address.startswith("東京都江東区")
        parsed = parse_address(address)
        assert (parsed.town, parsed.chome) in areas, address


# --- the reference data ---------------------------------------------------------------------


def test_koto_towns_transcribe_the_seed_table():
    areas = {(area.town, area.chome): area.venue for area in load_areas()}
    assert len(areas) == len(load_areas()) == 158
    assert set(venue_names()) == {"本庁舎", "豊洲シビックセンター", "総合区民センター"}
    # A few lines of seed 004's table, including 〃 lines and the column boundaries.
    assert areas[("清澄", 3)] == "本庁舎"
    assert areas[("塩浜", 2)] == "豊洲シビックセンター"
    assert areas[("青海", 4)] == "豊洲シビックセンター"
    assert areas[("木場", 1)] == "本庁舎"
    assert areas[("大島", 9)] == "総合区民センター"
    assert areas[("東砂", 5)] == "総合区民センター"
    assert areas[("東砂", 6)] == "本庁舎"
    assert areas[("若洲", 3)] == "本庁舎"
    without_chome = {town for town, chome in areas if chome is None}
    assert without_chome == {"高橋", "冬木", "石島", "千田", "海辺"}


def test_name_lists_are_large_and_cp932_safe():
    book = load_names()
    assert len(book.surnames) >= 300 and len({n.text for n in book.surnames}) == len(book.surnames)
    for sex in ("male", "female"):
        for generation in ("before_1960", "1960_1989", "from_1990"):
            assert len(book.given[(sex, generation)]) >= 40
    for name in [*book.surnames, *(n for names in book.given.values() for n in names)]:
        name.text.encode("cp932")
        assert re.fullmatch(r"[ァ-ヴー]+", name.kana), name
    for person in book.foreign:
        (person.name + person.kana + person.alias).encode("cp932")


# --- the benchmark's floor (tests/bench/run.py) ---------------------------------------------


@pytest.mark.django_db
def test_bench_floor_writes_the_same_installments_as_the_importer(tmp_path, staff, municipality):

    path = generate(tmp_path, 60, 11, as_of=AS_OF)["receivables"]
    result = import_file(
        acting_user=staff, municipality=municipality, kind="receivables", path=path
    )
    assert result.error_count == 0

    def stored():
        return (
            Obligor.objects.count(),
            Account.objects.count(),
            sorted(
                Installment.objects.values_list(
                    "account__revenue_type",
                    "account__case_no",
                    "account__obligor__resident_no",
                    "fiscal_year",
                    "period",
                    "due_date",
                    "assessed",
                    "paid",
                    "unpaid",
                    "last_paid_on",
                )
            ),
        )

    imported = stored()
    run._empty_tables()
    assert stored() == (0, 0, [])
    assert run._floor_insert(path, municipality.pk, connection) == len(imported[2])
    assert stored() == imported
