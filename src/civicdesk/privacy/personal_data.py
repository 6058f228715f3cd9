"""Personal-data declarations: each app that holds a person's data says so here, in one place.

An app builds one ``PersonalData`` in its ``personal_data.py`` and registers it from its
``AppConfig.ready()``. Work that must reach every app's personal data — purge, purge
verification, the access-log analysis, the status report (``civicdesk.oversight``) — iterates
over ``declarations()`` and imports no domain app, so an app added later (counter, cards) adds
no line to them (ADR 0016; docs/architecture.md "Adding an app").

Registration follows INSTALLED_APPS, which lists the apps floor by floor: a purge selects in
that order (a lower app's selection, such as the people who go, is there for the apps above
it) and deletes in the reverse order (what points at a person goes before the person).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import models


@dataclass(frozen=True)
class Item:
    """One kind of row a purge removes and counts: its key on the plan and its label on the
    certificate (Japanese)."""

    key: str
    label: str


@dataclass
class Selection:
    """What one purge covers, built up floor by floor while the declarations select.

    ``people`` are the rows of the person register (宛名) that go; the app that owns the
    register sets it, an app above may narrow it (one revenue type: only those who owe nothing
    else). ``numbers`` are the phone numbers that go with them and are held by nobody who
    stays. ``shared`` carries anything else one app selects for the apps above it.
    """

    municipality: Any
    revenue_type: str = ""
    people: models.QuerySet | None = None
    numbers: models.QuerySet | None = None
    shared: dict[str, Any] = field(default_factory=dict)

    @property
    def everything(self) -> bool:
        return not self.revenue_type


@dataclass(frozen=True)
class OwnNames:
    """The columns of a person's own record: their number and their names. Verification takes
    a purged name found there for a namesake unless the number was purged too."""

    number: str
    names: frozenset[str]


@dataclass(frozen=True)
class Activity:
    """Rows that show a user worked a case at a moment (the analysis asks whether a search was
    followed by one): the model, its user field and its time field."""

    model: type[models.Model]
    user_field: str = "user"
    at_field: str = "at"


@dataclass(frozen=True)
class View:
    """One view of a person's record in the access log, as the analysis hands it to the apps."""

    user_id: int
    team_id: int | None
    municipality_id: int | None
    person_id: int
    seq: int


Targets = dict[str, models.QuerySet]


def normalize_number(value: str) -> str:
    """A person number (宛名番号 and the like) as a purge records and verification compares it:
    its letters and digits, half-width, upper case."""
    return re.sub(r"[^0-9A-Z]", "", unicodedata.normalize("NFKC", value or "").upper())


@dataclass(frozen=True)
class PersonalData:
    """What one app holds of people, and how oversight reaches it.

    - ``items``: the kinds of row, in the order the certificate lists them.
    - ``select(selection)``: a queryset per item key for the selection, in the order they are
      deleted (children first); it may set ``selection.people`` / ``numbers`` / ``shared``
      for the apps above.
    - ``narrow(selection)``: called for every declaration before any ``select``; an app that
      decides who goes in a scope narrows ``selection.people`` here.
    - ``files(selection)``: files under MEDIA_ROOT that go with the selection;
      ``file_label`` names them on the certificate.
    - ``busy(municipality)``: why a purge must wait for this app's background work ('' if
      it need not).
    - ``purged_values(targets)``: the person numbers and names that go, for verification.
    - ``before_delete(selection, targets)``: runs before the rows go; it may return a
      function to run after they went (inside the same transaction).
    - ``own_name_columns``: per model label, the number and name columns of a person's own
      record (a remaining namesake there is not a remnant).
    - ``scan_models``: models outside ``civicdesk.*`` that verification must search as well.
    - ``activity``: rows that count as work after a search (access analysis).
    - ``legitimate_views(day, views)``: the (user id, person id) pairs among the views that
      the app's own work explains that day (a case in the user's campaign, a call-in).
    """

    app_label: str
    items: tuple[Item, ...]
    select: Callable[[Selection], Targets]
    narrow: Callable[[Selection], None] | None = None
    files: Callable[[Selection], list[Path]] | None = None
    file_label: str = ""
    busy: Callable[[Any], str] | None = None
    purged_values: Callable[[Targets], tuple[set[str], set[str]]] | None = None
    before_delete: Callable[[Selection, Targets], Callable[[], None] | None] | None = None
    own_name_columns: Mapping[str, OwnNames] = field(default_factory=dict)
    scan_models: tuple[type[models.Model], ...] = ()
    activity: tuple[Activity, ...] = ()
    legitimate_views: Callable[[dt.date, list[View]], set[tuple[int, int]]] | None = None


_REGISTRY: dict[str, PersonalData] = {}


def register_personal_data(declaration: PersonalData) -> None:
    """Called from an app's ``ready()``. A second declaration of the same app replaces the
    first (Django may build the app registry again in tests); item keys are unique."""
    taken = {
        item.key: other.app_label
        for other in _REGISTRY.values()
        if other.app_label != declaration.app_label
        for item in other.items
    }
    clashes = sorted(item.key for item in declaration.items if item.key in taken)
    if clashes:
        raise ValueError(f"{declaration.app_label}: item keys already declared: {clashes}")
    _REGISTRY[declaration.app_label] = declaration


def unregister_personal_data(app_label: str) -> None:
    _REGISTRY.pop(app_label, None)


def declarations() -> list[PersonalData]:
    """Every declaration, floor by floor (the order of INSTALLED_APPS)."""
    order = {config.label: number for number, config in enumerate(apps.get_app_configs())}
    return sorted(_REGISTRY.values(), key=lambda d: order.get(d.app_label, len(order)))
