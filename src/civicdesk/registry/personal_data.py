"""What the person register (宛名) holds of people, declared for oversight (privacy.personal_data).

It owns who a purge takes: everyone of the municipality, unless an app above narrows the people
(receivables: one revenue type takes only those who owe nothing else).
"""

from __future__ import annotations

from civicdesk.core.japanese import normalize_name
from civicdesk.privacy.personal_data import (
    Item,
    OwnNames,
    PersonalData,
    Selection,
    Targets,
    normalize_number,
)
from civicdesk.registry.models import Household, HouseholdMember, Obligor, Phone

# One character would match half the text in the database.
MIN_NAME_LENGTH = 2


def narrow(selection: Selection) -> None:
    selection.people = Obligor.objects.filter(municipality=selection.municipality)


def select(selection: Selection) -> Targets:
    people = selection.people
    kept = Obligor.objects.filter(municipality=selection.municipality).exclude(
        pk__in=people.values("pk")
    )
    # A number goes with its people unless someone who stays holds it too.
    selection.numbers = (
        Phone.objects.filter(obligor__in=people)
        .exclude(number__in=Phone.objects.filter(obligor__in=kept).values("number"))
        .values("number")
    )
    households = Household.objects.filter(municipality=selection.municipality)
    if not selection.everything:
        households = households.filter(pk__in=people.values("household_id")).exclude(
            pk__in=kept.filter(household__isnull=False).values("household_id")
        )
    return {
        "phones": Phone.objects.filter(obligor__in=people),
        "obligors": people,
        "household_members": HouseholdMember.objects.filter(household__in=households),
        "households": households,
    }


def purged_values(targets: Targets) -> tuple[set[str], set[str]]:
    numbers: set[str] = set()
    names: set[str] = set()
    people = targets["obligors"].values_list("resident_no", "name", "name_kana", "alias_name")
    members = targets["household_members"].values_list("resident_no", "name", "name_kana")
    for resident_no, *person_names in [*people, *members]:
        numbers.add(normalize_number(resident_no))
        names.update(n for n in map(normalize_name, person_names) if len(n) >= MIN_NAME_LENGTH)
    numbers.discard("")
    return numbers, names


PERSONAL_DATA = PersonalData(
    app_label="registry",
    items=(
        Item("obligors", "納付義務者（氏名・住所・生年月日等）"),
        Item("phones", "電話番号"),
        Item("households", "世帯"),
        Item("household_members", "世帯員"),
    ),
    narrow=narrow,
    select=select,
    purged_values=purged_values,
    own_name_columns={
        "registry.obligor": OwnNames(
            "resident_no", frozenset({"name", "name_kana", "alias_name", "name_key", "kana_key"})
        ),
        "registry.householdmember": OwnNames("resident_no", frozenset({"name", "name_kana"})),
    },
)
