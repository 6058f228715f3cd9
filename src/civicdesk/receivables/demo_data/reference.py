"""The reference data the demo generator draws from: Koto City's areas and common names.

Both live as YAML in ``receivables/data/`` (koto_towns.yaml, names.yaml) so that other apps
(the cards app maps an address to its venue) read the same transcription.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from civicdesk.core.japanese import normalize_kana

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
TOWNS_FILE = DATA_DIR / "koto_towns.yaml"
NAMES_FILE = DATA_DIR / "names.yaml"

# The generations names.yaml sorts given names into, by year of birth.
GENERATIONS = ("before_1960", "1960_1989", "from_1990")


def generation_of(birth_year: int) -> str:
    if birth_year < 1960:
        return "before_1960"
    return "1960_1989" if birth_year < 1990 else "from_1990"


@dataclass(frozen=True)
class Area:
    """One town and 丁目 of Koto City (chome None: a town without 丁目) and its card venue."""

    town: str
    chome: int | None
    venue: str
    postal_code: str
    weight: float


@dataclass(frozen=True)
class Name:
    """A name and its reading in full-width katakana (the form core systems export)."""

    text: str
    kana: str


@dataclass(frozen=True)
class ForeignName:
    name: str
    kana: str
    alias: str
    sex: str  # "male" / "female" (registry.Sex values)
    generation: str


@dataclass(frozen=True)
class NameBook:
    surnames: tuple[Name, ...]
    given: dict[tuple[str, str], tuple[Name, ...]]  # (sex, generation) → names
    foreign: tuple[ForeignName, ...]


def _yaml(path: Path):
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when libyaml is there
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


@cache
def load_areas() -> tuple[Area, ...]:
    """Every town and 丁目 in the order of seed 004's table."""
    data = _yaml(TOWNS_FILE)
    towns = data["towns"]
    return tuple(
        Area(
            town=row["town"],
            chome=row["chome"],
            venue=row["venue"],
            postal_code=towns[row["town"]]["postal_code"],
            weight=float(towns[row["town"]].get("weight", 1)),
        )
        for row in data["areas"]
    )


@cache
def venue_names() -> dict[str, str]:
    """Venue key (本庁舎, …) → the place as the seed names it (江東区役所２階, …)."""
    return dict(_yaml(TOWNS_FILE)["venues"])


def _name(entry: str) -> Name:
    text, reading = entry.split()
    return Name(text, normalize_kana(reading))


@cache
def load_names() -> NameBook:
    data = _yaml(NAMES_FILE)
    given = {
        (sex, generation.removeprefix("born_")): tuple(_name(entry) for entry in entries)
        for sex, by_generation in data["given_names"].items()
        for generation, entries in by_generation.items()
    }
    foreign = tuple(
        ForeignName(row["name"], row["kana"], row.get("alias", ""), row["sex"], row["born"])
        for row in data["foreign"]
    )
    return NameBook(tuple(_name(entry) for entry in data["surnames"]), given, foreign)
