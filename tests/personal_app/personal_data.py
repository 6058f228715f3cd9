"""The test app's declaration: everything oversight needs to know, and nothing else."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from civicdesk.core.japanese import normalize_name
from civicdesk.privacy.personal_data import (
    Item,
    OwnNames,
    PersonalData,
    Selection,
    Targets,
    normalize_number,
)
from tests.personal_app.models import LibraryCard


def _cards(selection: Selection):
    cards = LibraryCard.objects.filter(municipality=selection.municipality)
    # The app knows nothing of revenue types: a purge of one type leaves its cards alone.
    return cards if selection.everything else cards.none()


def select(selection: Selection) -> Targets:
    return {"library_cards": _cards(selection)}


def card_file(card_pk: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "library" / f"{card_pk}.txt"


def files(selection: Selection) -> list[Path]:
    return [card_file(pk) for pk in _cards(selection).values_list("pk", flat=True)]


def busy(municipality) -> str:
    if LibraryCard.objects.filter(municipality=municipality, processing=True).exists():
        return "図書館カードの処理中です。"
    return ""


def purged_values(targets: Targets) -> tuple[set[str], set[str]]:
    rows = targets["library_cards"].values_list("holder_no", "holder_name")
    return {normalize_number(no) for no, _ in rows}, {normalize_name(name) for _, name in rows}


PERSONAL_DATA = PersonalData(
    app_label="personal_app",
    items=(Item("library_cards", "図書館カード"),),
    select=select,
    files=files,
    file_label="図書館カードの写し",
    busy=busy,
    purged_values=purged_values,
    own_name_columns={
        "personal_app.librarycard": OwnNames("holder_no", frozenset({"holder_name"}))
    },
    scan_models=(LibraryCard,),
)
