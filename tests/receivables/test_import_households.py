"""Household members (§2): each household in the file gets exactly the members the file lists."""

from __future__ import annotations

from datetime import date

import pytest

from civicdesk.privacy.models import HandOverRecord
from civicdesk.registry.models import Household, HouseholdMember
from tests.receivables.fixtures.files import import_rows


@pytest.fixture
def run_import(tmp_path, staff, municipality):
    def _run(rows, **options):
        return import_rows(
            tmp_path,
            acting_user=staff,
            municipality=municipality,
            rows=rows,
            kind="household",
            **options,
        )

    return _run


def member(household="H1", resident="1001", name="山田　太郎", relationship="世帯主", **values):
    row = {
        "世帯番号": household,
        "宛名番号": resident,
        "氏名": name,
        "氏名カナ": "ﾔﾏﾀﾞ ﾀﾛｳ",
        "性別": "男",
        "生年月日": "1975-04-01",
        "続柄": relationship,
    }
    row.update(values)
    return row


def members_of(household_no: str) -> list[tuple]:
    return list(
        HouseholdMember.objects.filter(household__household_no=household_no)
        .order_by("resident_no")
        .values_list("resident_no", "name", "relationship")
    )


def test_households_and_members_are_created(run_import):
    result = run_import(
        [member(), member(resident="1002", name="山田　花子", relationship="妻", 性別="女")]
    )
    assert result.error_count == 0, [str(e) for e in result.errors]
    assert Household.objects.get().household_no == "H1"
    wife = HouseholdMember.objects.get(resident_no="1002")
    assert (wife.name_kana, wife.sex, wife.birth_date) == (
        "ヤマダ タロウ",
        "female",
        date(1975, 4, 1),
    )
    assert result.counts["households"] == 1
    assert result.counts["members"] == 2
    assert result.counts["created"] == 3  # one household, two members
    assert HandOverRecord.objects.get().content == "世帯員"


def test_the_file_replaces_the_members_of_its_households(run_import):
    run_import([member(), member(resident="1002", name="山田　花子", relationship="妻")])
    run_import([member(household="H2", resident="2001", name="鈴木　一郎")])
    result = run_import(
        [member(relationship="本人"), member(resident="1003", name="山田　次郎", relationship="子")]
    )

    assert (result.counts["created"], result.counts["updated"], result.counts["deleted"]) == (
        1,
        1,
        1,
    )
    assert members_of("H1") == [("1001", "山田　太郎", "本人"), ("1003", "山田　次郎", "子")]
    # H2 is not in the last file: its members stay.
    assert members_of("H2") == [("2001", "鈴木　一郎", "世帯主")]


def test_importing_the_same_household_file_twice_changes_nothing(run_import):
    first = run_import([member(), member(resident="1002", name="山田　花子", relationship="妻")])
    second = run_import([member(), member(resident="1002", name="山田　花子", relationship="妻")])
    assert second.counts["created"] == second.counts["updated"] == second.counts["deleted"] == 0
    assert second.counts["unchanged"] == first.counts["created"]


def test_a_person_in_two_households_is_an_error(run_import):
    result = run_import([member(), member(household="H2")])
    assert [str(e) for e in result.errors] == [
        "data.csv:3:世帯番号: 宛名番号 1001 は 2 行目で別の世帯（H1）にいます"
    ]
    assert not Household.objects.exists()


def test_a_member_listed_twice_is_an_error(run_import):
    result = run_import([member(), member()])
    assert [str(e) for e in result.errors] == [
        "data.csv:3:世帯番号: 同じ世帯員（宛名番号 1001）が 2 行目にもあります"
    ]


def test_relationship_is_required(run_import):
    result = run_import([member(relationship="")])
    assert [str(e) for e in result.errors] == ["data.csv:2:続柄: 必須の項目が空です"]
