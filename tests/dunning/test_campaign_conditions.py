"""Campaign conditions: JSON round trip, field-named errors, and each condition's selection
checked against the selection computed in Python from the fixture data."""

from __future__ import annotations

import pytest

from civicdesk.dunning.conditions import (
    ConditionError,
    Conditions,
    matching_accounts,
    obligor_groups,
)
from tests.dunning.test_campaign_data import (  # noqa: F401  (fixtures)
    STARTS_ON,
    TODAY,
    age,
    expected_selection,
    keys_of,
    other_municipality_fixture,
    persons_fixture,
    usable_phone,
)

ALL = ["resident_tax", "light_vehicle_tax", "nhi", "late_elderly", "ltc"]


# --- the dataclass --------------------------------------------------------------------------


def test_conditions_round_trip_through_json_keeping_only_what_is_set():
    conditions = Conditions(
        revenue_types=["nhi", "ltc"], fiscal_years=[2025], unpaid_min=1000, has_phone=False
    )
    data = conditions.to_json()
    assert data == {
        "revenue_types": ["nhi", "ltc"],
        "fiscal_years": [2025],
        "unpaid_min": 1000,
        "has_phone": False,
    }
    assert Conditions.from_json(data) == conditions


@pytest.mark.parametrize(
    ("data", "field", "word"),
    [
        ({}, "revenue_types", "税目"),
        ({"revenue_types": ["water"]}, "revenue_types", "water"),
        ({"revenue_types": "nhi"}, "revenue_types", "リスト"),
        ({"revenue_types": ["nhi"], "colour": "red"}, "colour", "不明な条件"),
        ({"revenue_types": ["nhi"], "unpaid_min": 5000, "unpaid_max": 100}, "unpaid_max", "上限"),
        ({"revenue_types": ["nhi"], "unpaid_min": -1}, "unpaid_min", "0 以上"),
        ({"revenue_types": ["nhi"], "age_max": 200}, "age_max", "150"),
        ({"revenue_types": ["nhi"], "demand_notice": "maybe"}, "demand_notice", "督促状"),
        ({"revenue_types": ["nhi"], "has_phone": "yes"}, "has_phone", "あり"),
        ({"revenue_types": ["nhi"], "collection_kind": "x"}, "collection_kind", "徴収区分"),
        ({"revenue_types": ["nhi"], "chome": 3}, "chome", "町名を 1 つ"),
        ({"revenue_types": ["nhi"], "towns": ["東陽", "豊洲"], "chome": 3}, "chome", "町名"),
        ({"revenue_types": ["nhi"], "fiscal_years": ["2025"]}, "fiscal_years", "年度"),
        ({"revenue_types": ["nhi"], "no_contact_days": 0}, "no_contact_days", "日数"),
        ({"revenue_types": ["nhi"], "overdue_periods_min": 1.5}, "overdue_periods_min", "整数"),
    ],
)
def test_bad_conditions_raise_a_japanese_error_naming_the_field(data, field, word):
    with pytest.raises(ConditionError) as raised:
        Conditions.from_json(data)
    assert raised.value.field == field
    assert word in str(raised.value)
    assert isinstance(raised.value, ValueError)


# --- each condition selects what the data says ----------------------------------------------

D = pytest.param  # shorter rows below

CASES = [
    D({"revenue_types": ["nhi"]}, {"types": ["nhi"]}, id="revenue_types"),
    D({"revenue_types": ALL}, {"types": ALL}, id="all_types"),
    D(
        {"revenue_types": ALL, "fiscal_years": [2024]},
        {"types": ALL, "fiscal_years": [2024]},
        id="fiscal_years",
    ),
    D(
        {"revenue_types": ALL, "unpaid_min": 20_000},
        {"types": ALL, "totals_ok": lambda unpaid, overdue: unpaid >= 20_000},
        id="unpaid_min",
    ),
    D(
        {"revenue_types": ALL, "unpaid_min": 7_000, "unpaid_max": 19_000},
        {"types": ALL, "totals_ok": lambda unpaid, overdue: 7_000 <= unpaid <= 19_000},
        id="unpaid_range",
    ),
    D(
        {"revenue_types": ALL, "overdue_periods_min": 2},
        {"types": ALL, "totals_ok": lambda unpaid, overdue: overdue >= 2},
        id="overdue_min",
    ),
    D(
        {"revenue_types": ALL, "overdue_periods_max": 0},
        {"types": ALL, "totals_ok": lambda unpaid, overdue: overdue == 0},
        id="overdue_max_zero",
    ),
    D(
        {"revenue_types": ALL, "demand_notice": "sent"},
        {"types": ALL, "account_ok": lambda a: a.demand_notice_on is not None},
        id="demand_notice_sent",
    ),
    D(
        {"revenue_types": ALL, "demand_notice": "not_sent"},
        {"types": ALL, "account_ok": lambda a: a.demand_notice_on is None},
        id="demand_notice_not_sent",
    ),
    D(
        {"revenue_types": ALL, "has_phone": True},
        {"types": ALL, "person_ok": usable_phone},
        id="has_phone",
    ),
    D(
        {"revenue_types": ALL, "has_phone": False},
        {"types": ALL, "person_ok": lambda p: not usable_phone(p)},
        id="has_no_phone",
    ),
    D(
        {"revenue_types": ALL, "age_min": 80},
        {"types": ALL, "person_ok": lambda p: p.birth_date and age(p.birth_date, TODAY) >= 80},
        id="age_min_on_birthday",
    ),
    D(
        {"revenue_types": ALL, "age_max": 24},
        {"types": ALL, "person_ok": lambda p: p.birth_date and age(p.birth_date, TODAY) <= 24},
        id="age_max_day_before_birthday",
    ),
    D(
        {"revenue_types": ALL, "age_min": 30, "age_max": 79},
        {
            "types": ALL,
            "person_ok": lambda p: p.birth_date and 30 <= age(p.birth_date, TODAY) <= 79,
        },
        id="age_band",
    ),
    D(
        {"revenue_types": ALL, "towns": ["東陽"]},
        {"types": ALL, "person_ok": lambda p: p.town == "東陽"},
        id="town",
    ),
    D(
        {"revenue_types": ALL, "towns": ["東陽"], "chome": 5},
        {"types": ALL, "person_ok": lambda p: p.town == "東陽" and p.chome == 5},
        id="town_chome",
    ),
    D(
        {"revenue_types": ALL, "no_contact_days": 3},
        {
            "types": ALL,
            "person_ok": lambda p: p.contact_days_ago is None or p.contact_days_ago >= 3,
        },
        id="no_contact_3_days",
    ),
    D(
        {"revenue_types": ALL, "no_contact_days": 2},
        {
            "types": ALL,
            "person_ok": lambda p: p.contact_days_ago is None or p.contact_days_ago >= 2,
        },
        id="no_contact_2_days_boundary",
    ),
    D(
        {"revenue_types": ALL, "account_transfer": True},
        {"types": ALL, "account_ok": lambda a: a.account_transfer is True},
        id="account_transfer",
    ),
    D(
        {"revenue_types": ALL, "account_transfer": False},
        {"types": ALL, "account_ok": lambda a: a.account_transfer is not True},
        id="no_account_transfer",
    ),
    D(
        {"revenue_types": ALL, "collection_kind": "ordinary"},
        {"types": ALL, "account_ok": lambda a: a.collection_kind == "ordinary"},
        id="collection_kind",
    ),
]


@pytest.mark.parametrize(("conditions", "rule"), CASES)
def test_each_condition_selects_the_obligors_and_accounts_the_data_says(
    persons, municipality, conditions, rule
):
    expected = expected_selection(persons, **rule)
    groups = obligor_groups(conditions, municipality, today=TODAY)

    assert keys_of(persons, groups) == set(expected)
    for key, want in expected.items():
        group = groups[persons[key].pk]
        assert group.account_ids == want.account_pks
        assert set(group.revenue_types) == want.revenue_types
        assert group.unpaid_total == want.unpaid_total
        assert group.overdue_periods == want.overdue_periods
        assert (group.oldest_due_date, group.newest_due_date) == (
            want.oldest_due_date,
            want.newest_due_date,
        )
    accounts = matching_accounts(conditions, municipality, today=TODAY)
    assert sorted(accounts.values_list("pk", flat=True)) == sorted(
        pk for want in expected.values() for pk in want.account_pks
    )


def test_the_cases_are_not_trivial(persons):
    """Each case selects someone, and each narrowing case leaves someone out."""
    everyone = set(expected_selection(persons, types=ALL))
    assert {"C", "X"}.isdisjoint(everyone)
    for case in CASES:
        conditions, rule = case.values
        chosen = set(expected_selection(persons, **rule))
        assert chosen, case.id
        # The 2-day window is a boundary case: E's contact 2 days ago is just outside it.
        if conditions.keys() - {"revenue_types"} and not case.id.endswith("boundary"):
            assert chosen != everyone, case.id


def test_age_is_reckoned_on_the_given_date(persons, municipality):
    conditions = {"revenue_types": ALL, "age_min": 80}
    on_start = obligor_groups(conditions, municipality, today=TODAY, age_on=STARTS_ON)
    on_today = obligor_groups(conditions, municipality, today=TODAY)
    # E turns 80 on TODAY: not yet on the campaign's start date.
    assert age(persons["E"].birth_date, STARTS_ON) == 79
    assert persons["E"].pk in on_today
    assert persons["E"].pk not in on_start


def test_grouping_reports_the_phone_flag_when_asked(persons, municipality):
    groups = obligor_groups({"revenue_types": ALL}, municipality, today=TODAY, with_phone_flag=True)
    for key, person in persons.items():
        if person.pk in groups:
            assert groups[person.pk].has_usable_phone == usable_phone(person), key


def test_grouping_takes_a_fixed_number_of_queries(persons, municipality, django_assert_num_queries):
    with django_assert_num_queries(3):
        obligor_groups({"revenue_types": ALL}, municipality, today=TODAY, with_phone_flag=True)
