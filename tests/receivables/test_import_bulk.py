"""The importer's bulk paths: reserved keys, raw selects, updates, the spill file."""

from __future__ import annotations

from datetime import date

import pytest

from civicdesk.receivables.importers import bulk
from civicdesk.registry.models import Household, Obligor


@pytest.fixture
def household(municipality):
    return Household.objects.create(municipality=municipality, household_no="H1")


def test_reserved_keys_never_reuse_a_deleted_one(municipality):
    last = Household.objects.create(municipality=municipality, household_no="A")
    last_pk = last.pk
    last.delete()
    ids = bulk.reserve_ids(Household, 3)
    assert len(set(ids)) == 3
    assert min(ids) > last_pk
    bulk.insert(
        Household,
        ["id", "municipality", "household_no"],
        [(pk, municipality.pk, f"H{pk}") for pk in ids],
    )
    # The database's own numbering carries on after the reserved keys.
    assert Household.objects.create(municipality=municipality, household_no="Z").pk > max(ids)


def test_select_gives_dates_as_iso_text(municipality, household):
    Obligor.objects.create(
        municipality=municipality,
        resident_no="1",
        name="山田",
        address="江東区",
        birth_date=date(1975, 4, 1),
        household=household,
    )
    rows = list(
        bulk.select(
            Obligor,
            ["resident_no", "birth_date", "household"],
            "resident_no",
            ["1", "2"],
            municipality=municipality.pk,
        )
    )
    assert rows == [("1", "1975-04-01", household.pk)]


def test_update_sets_columns_by_primary_key(municipality):
    first = Household.objects.create(municipality=municipality, household_no="A")
    second = Household.objects.create(municipality=municipality, household_no="B")
    bulk.update(Household, ["household_no"], [("A2", first.pk), ("B2", second.pk)])
    assert sorted(Household.objects.values_list("household_no", flat=True)) == ["A2", "B2"]


def test_select_splits_long_key_lists(municipality):
    bulk.insert(
        Household,
        ["municipality", "household_no"],
        [(municipality.pk, f"H{n}") for n in range(2 * bulk.LOOKUP_CHUNK + 5)],
    )
    keys = [f"H{n}" for n in range(2 * bulk.LOOKUP_CHUNK + 5)]
    found = bulk.ids_by_key(Household, "household_no", keys, municipality=municipality.pk)
    assert len(found) == len(keys)


def test_spill_gives_back_what_was_put_in_order():
    spill = bulk.Spill()
    records = [
        (n, 2025, "随時" if n % 7 == 0 else str(n % 14 + 1), None, ...) for n in range(25_003)
    ]
    for start in range(0, len(records), 999):
        spill.extend(records[start : start + 999])
    assert spill.count == len(records)
    assert [row for chunk in spill.chunks() for row in chunk] == records
    spill.close()
