"""The field policy follows seed 000 別紙1 第2条, and it is data: a bad file is refused by name."""

import pytest

from civicdesk.core.choices import RevenueType
from civicdesk.privacy import field_policy
from civicdesk.privacy.field_policy import (
    ALWAYS_HELD,
    FieldPolicyError,
    allowed_fields,
    collectable_fields,
    held_fields,
)

AMOUNTS = {"assessed", "paid", "unpaid"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    field_policy._load.cache_clear()
    field_policy._load_collects.cache_clear()
    yield
    field_policy._load.cache_clear()
    field_policy._load_collects.cache_clear()


def test_late_elderly_home_visits_see_only_name_address_and_notice():
    assert allowed_fields("late_elderly", "visits") == ALWAYS_HELD | {
        "name",
        "name_kana",
        "postal_code",
        "address",
        "address_extra",
        "notice",
    }


def test_late_elderly_calls_see_amounts_phone_and_alias_name():
    fields = allowed_fields("late_elderly", "calls")
    assert fields >= AMOUNTS | {"phone", "alias_name", "insured_no"}


@pytest.mark.parametrize("revenue_type", RevenueType.values)
def test_late_charge_is_held_for_no_revenue_type(revenue_type):
    assert "late_charge" not in held_fields(revenue_type)


@pytest.mark.parametrize("revenue_type", RevenueType.values)
def test_the_keys_are_always_held(revenue_type):
    for purpose in field_policy.PURPOSES:
        assert allowed_fields(revenue_type, purpose) >= {"revenue_type", "resident_no", "case_no"}


def test_alias_name_is_held_only_for_late_elderly():
    holders = {rt for rt in RevenueType.values if "alias_name" in held_fields(rt)}
    assert holders == {"late_elderly"}


def test_insured_number_is_held_only_for_late_elderly_and_ltc():
    holders = {rt for rt in RevenueType.values if "insured_no" in held_fields(rt)}
    assert holders == {"late_elderly", "ltc"}


def test_collection_kind_is_not_held_for_nhi():
    assert "collection_kind" not in held_fields("nhi")
    assert "collection_kind" in held_fields("resident_tax")


def test_held_fields_are_the_union_of_purposes_and_what_they_collect():
    assert held_fields("late_elderly") == (
        allowed_fields("late_elderly", "calls")
        | allowed_fields("late_elderly", "visits")
        | collectable_fields("late_elderly", "visits")
    )


def test_an_unknown_purpose_is_a_programming_error():
    with pytest.raises(ValueError):
        allowed_fields("nhi", "sms")


def test_a_policy_file_with_an_unknown_revenue_type_is_refused(tmp_path, settings):
    bad = tmp_path / "policy.yaml"
    bad.write_text("revenue_types:\n  dog_tax:\n    calls: [name]\n    visits: [name]\n")
    settings.FIELD_POLICY_FILE = str(bad)
    with pytest.raises(FieldPolicyError, match="dog_tax"):
        held_fields("nhi")


def test_a_policy_file_missing_a_revenue_type_is_refused(tmp_path, settings):
    partial = tmp_path / "policy.yaml"
    partial.write_text("revenue_types:\n  nhi:\n    calls: [name]\n    visits: [name]\n")
    settings.FIELD_POLICY_FILE = str(partial)
    with pytest.raises(FieldPolicyError, match="resident_tax"):
        held_fields("nhi")


def test_a_municipality_can_ship_its_own_policy(tmp_path, settings):
    lines = ["revenue_types:"]
    for code in RevenueType.values:
        lines += [f"  {code}:", "    calls: [name, phone]", "    visits: [name]"]
    own = tmp_path / "policy.yaml"
    own.write_text("\n".join(lines) + "\n")
    settings.FIELD_POLICY_FILE = str(own)
    assert allowed_fields("nhi", "calls") == ALWAYS_HELD | {"name", "phone"}


def test_a_misspelt_field_is_refused_by_name(tmp_path, settings):
    lines = ["revenue_types:"]
    for code in RevenueType.values:
        lines += [f"  {code}:", "    calls: [nmae]", "    visits: [name]"]
    typo = tmp_path / "policy.yaml"
    typo.write_text("\n".join(lines) + "\n")
    settings.FIELD_POLICY_FILE = str(typo)
    with pytest.raises(FieldPolicyError, match="nmae"):
        held_fields("nhi")


def test_late_elderly_visitors_may_collect_a_phone_they_are_not_shown():
    # 別紙1 第2条 (3)② ア: shown 氏名・住所・お知らせ内容; イ(カ): collects 電話番号.
    assert "phone" not in allowed_fields("late_elderly", "visits")
    assert collectable_fields("late_elderly", "visits") == allowed_fields(
        "late_elderly", "visits"
    ) | {"phone"}


def test_what_a_purpose_shows_may_always_be_collected():
    for revenue_type in RevenueType.values:
        for purpose in field_policy.PURPOSES:
            assert collectable_fields(revenue_type, purpose) >= allowed_fields(
                revenue_type, purpose
            )


def test_a_misspelt_collected_field_is_refused_by_name(tmp_path, settings):
    lines = ["revenue_types:"]
    for code in RevenueType.values:
        lines += [f"  {code}:", "    calls: [name]", "    visits: [name]"]
    lines += ["collects:", "  nhi:", "    visits: [phnoe]"]
    typo = tmp_path / "policy.yaml"
    typo.write_text("\n".join(lines) + "\n")
    settings.FIELD_POLICY_FILE = str(typo)
    with pytest.raises(FieldPolicyError, match="phnoe"):
        held_fields("nhi")
