"""Synthetic residents: households of Koto City with names, readings, birth dates and phones.

Every number drawn here comes from the one ``random.Random`` the generator passes in, in a
fixed order, so the same seed gives the same people.

Phone numbers come from two blocks that reach nobody (see docs/demo-data.md):

- landlines 03-1xxx-xxxx: a Japanese local exchange code (市内局番) never starts with 1
  (1 is the prefix of the special service numbers 110, 119, …), so no such number exists;
- mobiles 070-99xx-xxxx: valid in form, but assigned to no carrier in the numbering data
  of ``phonenumbers`` (MIC's 電気通信番号指定状況); a test keeps checking that.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from civicdesk.receivables.demo_data.reference import (
    Area,
    ForeignName,
    Name,
    generation_of,
    load_areas,
    load_names,
)
from civicdesk.registry.models import Sex

ADDRESS_PREFIX = "東京都江東区"
MOBILE_PREFIX = "07099"  # + 6 digits
LANDLINE_PREFIX = "031"  # + 7 digits: 03-1xxx-xxxx

_KANJI_DIGITS = "〇一二三四五六七八九"

# Household kinds and how common they are among households that owe something (Koto City has
# many one-person households; families and elderly couples follow).
HOUSEHOLD_KINDS = (
    ("single", 0.34),
    ("single_elderly", 0.16),
    ("couple", 0.12),
    ("elderly_couple", 0.11),
    ("family", 0.18),
    ("single_parent", 0.05),
    ("three_generations", 0.04),
)

# Share of people with (mobile, landline) by age band: elderly people keep the landline.
PHONE_MIX = {
    "young": ((True, False, 0.70), (True, True, 0.06), (False, True, 0.05), (False, False, 0.19)),
    "senior": ((True, False, 0.35), (True, True, 0.18), (False, True, 0.27), (False, False, 0.20)),
    "old": ((True, False, 0.10), (True, True, 0.15), (False, True, 0.45), (False, False, 0.30)),
}

# Building names for 方書 (apartment and room); fictional.
_BUILDING_PREFIXES = (
    "パーク",
    "グラン",
    "サン",
    "メゾン",
    "コーポ",
    "ライオンズ",
    "ベル",
    "エスポワール",
)
_BUILDING_SUFFIXES = ("ハイツ", "マンション", "コート", "レジデンス", "ハウス", "タワー")


@dataclass
class Person:
    resident_no: str
    name: str
    kana: str
    sex: str
    birth_date: date
    relationship: str
    alias: str = ""
    phones: list[str] = field(default_factory=list)  # as written in the file (03-1234-5678)

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


@dataclass
class Household:
    household_no: str
    postal_code: str
    address: str
    address_extra: str
    members: list[Person]

    @property
    def head(self) -> Person:
        return self.members[0]


def kanji_number(value: int) -> str:
    """一 … 十九 as in 東陽四丁目 (丁目 never go past the teens in Koto City)."""
    if value < 10:
        return _KANJI_DIGITS[value]
    return "十" + (_KANJI_DIGITS[value % 10] if value % 10 else "")


class PeopleFactory:
    """Makes one household after another, each with fresh resident and household numbers."""

    def __init__(self, rng: random.Random, as_of: date):
        self.rng = rng
        self.as_of = as_of
        self.names = load_names()
        areas = [area for area in load_areas() if area.weight > 0]
        self.areas = areas
        self.area_weights = list(accumulate(area.weight for area in areas))
        # Common surnames are much more common: weight by rank, flattened a little.
        self.surname_weights = list(
            accumulate(1 / (rank + 8) for rank in range(len(self.names.surnames)))
        )
        self.kind_weights = list(accumulate(share for _, share in HOUSEHOLD_KINDS))
        self._resident_no = 1_000_000_000
        self._household_no = 300_000_000
        self._numbers_used: set[str] = set()

    # --- numbers ------------------------------------------------------------------------

    def _next_resident_no(self) -> str:
        self._resident_no += self.rng.randint(1, 29)
        return str(self._resident_no)

    def _next_household_no(self) -> str:
        self._household_no += self.rng.randint(1, 17)
        return str(self._household_no)

    def _unique_number(self, prefix: str, digits: int) -> str:
        while True:
            number = prefix + str(self.rng.randrange(10**digits)).zfill(digits)
            if number not in self._numbers_used:
                self._numbers_used.add(number)
                return number

    def _written(self, national: str) -> str:
        # Both blocks have a fixed shape (03-1xxx-xxxx, 070-99xx-xxxx): sliced here rather
        # than through core.japanese.format_phone, which is far too slow for 100,000 numbers;
        # the tests check both spellings against it.
        area = 2 if national.startswith(LANDLINE_PREFIX) else 3
        parts = (national[:area], national[area : area + 4], national[area + 4 :])
        # Core systems are not consistent about notation; the importer must accept all of it.
        roll = self.rng.random()
        if roll < 0.03:
            return f"{parts[0]}({parts[1]}){parts[2]}"
        if roll < 0.05:
            return national
        return "-".join(parts)

    # --- people -------------------------------------------------------------------------

    def _birth_date(self, age: int) -> date:
        day = min(self.as_of.day, 28) if self.as_of.month == 2 else self.as_of.day
        latest = date(self.as_of.year - age, self.as_of.month, day)
        return latest - timedelta(days=self.rng.randrange(365))

    def _given(self, sex: str, birth: date) -> Name:
        return self.rng.choice(self.names.given[(sex, generation_of(birth.year))])

    def _person(self, surname: Name, sex: str, age: int, relationship: str) -> Person:
        birth = self._birth_date(age)
        given = self._given(sex, birth)
        return Person(
            resident_no=self._next_resident_no(),
            name=f"{surname.text}\u3000{given.text}",
            kana=f"{surname.kana}\u3000{given.kana}",
            sex=sex,
            birth_date=birth,
            relationship=relationship,
        )

    def _foreign_person(self, entry: ForeignName) -> Person:
        low, high = {"before_1960": (66, 90), "1960_1989": (36, 64), "from_1990": (20, 35)}[
            entry.generation
        ]
        return Person(
            resident_no=self._next_resident_no(),
            name=entry.name,
            kana=entry.kana,
            sex=entry.sex,
            birth_date=self._birth_date(self.rng.randint(low, high)),
            relationship="世帯主",
            alias=entry.alias,
        )

    def _age(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def _members(self, kind: str) -> list[Person]:
        rng = self.rng
        surname = self.names.surnames[_pick(rng, self.surname_weights)]
        male, female = Sex.MALE.value, Sex.FEMALE.value

        def couple(low: int, high: int) -> list[Person]:
            head_sex = male if rng.random() < 0.85 else female
            head_age = self._age(low, high)
            spouse_sex = female if head_sex == male else male
            # Husbands tend to be a few years older than their wives.
            gap = rng.randint(-6, 3) if head_sex == male else rng.randint(-3, 6)
            spouse_age = max(20, head_age + gap)
            return [
                self._person(surname, head_sex, head_age, "世帯主"),
                self._person(surname, spouse_sex, spouse_age, "妻" if head_sex == male else "夫"),
            ]

        def children(parent_age: int, count: int) -> list[Person]:
            oldest = max(0, min(parent_age - 22, 24))
            return [
                self._person(surname, rng.choice((male, female)), rng.randint(0, oldest), "子")
                for _ in range(count)
            ]

        if kind == "single":
            sex = male if rng.random() < 0.58 else female
            return [self._person(surname, sex, self._age(20, 64), "世帯主")]
        if kind == "single_elderly":
            sex = female if rng.random() < 0.65 else male
            return [self._person(surname, sex, self._age(65, 96), "世帯主")]
        if kind == "couple":
            return couple(24, 64)
        if kind == "elderly_couple":
            return couple(65, 92)
        if kind == "family":
            members = couple(28, 56)
            return members + children(members[0].age_on(self.as_of), rng.choice((1, 1, 2, 2, 2, 3)))
        if kind == "single_parent":
            sex = female if rng.random() < 0.85 else male
            head = self._person(surname, sex, self._age(26, 55), "世帯主")
            return [head, *children(head.age_on(self.as_of), rng.choice((1, 1, 2)))]
        members = couple(35, 58)
        parent_sex = female if rng.random() < 0.7 else male
        parent_age = min(99, members[0].age_on(self.as_of) + rng.randint(24, 36))
        parent = self._person(
            surname, parent_sex, parent_age, "母" if parent_sex == female else "父"
        )
        kids = children(members[0].age_on(self.as_of), rng.choice((1, 2)))
        return [*members, *kids, parent]

    # --- households ---------------------------------------------------------------------

    def _address(self) -> tuple[Area, str, str]:
        area = self.areas[_pick(self.rng, self.area_weights)]
        block = f"{self.rng.randint(1, 28)}番{self.rng.randint(1, 24)}号"
        chome = f"{kanji_number(area.chome)}丁目" if area.chome else ""
        address = f"{ADDRESS_PREFIX}{area.town}{chome}{block}"
        extra = ""
        if self.rng.random() < 0.55:  # most of Koto City lives in apartment buildings
            building = (
                self.rng.choice(_BUILDING_PREFIXES)
                + (area.town if self.rng.random() < 0.5 else "")
                + self.rng.choice(_BUILDING_SUFFIXES)
            )
            floor = self.rng.randint(1, 14 if "タワー" not in building else 40)
            extra = f"{building}\u3000{floor}{self.rng.randint(1, 12):02d}号室"
        return area, address, extra

    def household(self) -> Household:
        rng = self.rng
        if rng.random() < 0.006:
            members = [self._foreign_person(rng.choice(self.names.foreign))]
        else:
            members = self._members(HOUSEHOLD_KINDS[_pick(rng, self.kind_weights)][0])
        area, address, extra = self._address()
        household = Household(self._next_household_no(), area.postal_code, address, extra, members)
        self._give_phones(household)
        return household

    def _give_phones(self, household: Household) -> None:
        landline = None
        for person in household.members:
            age = person.age_on(self.as_of)
            if age < 18:
                continue
            band = "young" if age < 65 else ("senior" if age < 75 else "old")
            mobile, fixed, _ = _choose(self.rng, PHONE_MIX[band])
            if mobile:
                person.phones.append(self._written(self._unique_number(MOBILE_PREFIX, 6)))
            if fixed:
                # One landline per household: everybody at home answers the same number.
                landline = landline or self._written(self._unique_number(LANDLINE_PREFIX, 7))
                person.phones.append(landline)


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    """Index drawn with the given cumulative weights (bisect, as random.choices does)."""
    return bisect(cumulative, rng.random() * cumulative[-1])


def _choose(rng: random.Random, options):
    """One option of (..., probability) tuples whose probabilities sum to 1."""
    roll = rng.random()
    for option in options:
        roll -= option[-1]
        if roll < 0:
            return option
    return options[-1]
