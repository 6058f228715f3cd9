"""What card issuance holds of people, declared for oversight (privacy.personal_data).

Card targets hold the 予約管理番号, name, kana, birth date and address from the ward's file;
reservations an optional reminder e-mail or phone; calls an operator's note; recordings the
voices themselves (files under ``selectors.recordings.recordings_dir()``). Venues, areas,
slots, print runs, transfers (counts), venue days and the reconciliation hold none. The card
data is not tied to the dunning register: a purge of one revenue type leaves it alone, a purge
of everything (contract end, 別紙⑥ 6, 別紙④ 第6条8) takes it. Recordings also go on their
own schedule (``services.recordings.erase_due_recordings``).
"""

from __future__ import annotations

from pathlib import Path

from civicdesk.cards.choices import CardState
from civicdesk.cards.models import (
    CallRecording,
    CardCall,
    CardTarget,
    Reservation,
    TargetEvent,
    VenueTransfer,
    VenueTransferItem,
)
from civicdesk.cards.selectors.recordings import recordings_dir
from civicdesk.core.japanese import normalize_name
from civicdesk.privacy.personal_data import (
    Item,
    OwnNames,
    PersonalData,
    Selection,
    Targets,
    normalize_number,
)

KEYS = (
    "card_recordings",
    "card_calls",
    "card_reservations",
    "card_transfer_items",
    "card_target_events",
    "card_targets",
)


def select(selection: Selection) -> Targets:
    if not selection.everything:
        return {key: _model(key).objects.none() for key in KEYS}
    mine = {"municipality": selection.municipality}
    targets = CardTarget.objects.filter(**mine)
    return {
        "card_recordings": CallRecording.objects.filter(**mine, erased_at__isnull=True),
        "card_calls": CardCall.objects.filter(**mine),
        "card_reservations": Reservation.objects.filter(target__in=targets),
        "card_transfer_items": VenueTransferItem.objects.filter(target__in=targets),
        "card_target_events": TargetEvent.objects.filter(target__in=targets),
        "card_targets": targets,
    }


def _model(key: str):
    return {
        "card_recordings": CallRecording,
        "card_calls": CardCall,
        "card_reservations": Reservation,
        "card_transfer_items": VenueTransferItem,
        "card_target_events": TargetEvent,
        "card_targets": CardTarget,
    }[key]


def files(selection: Selection) -> list[Path]:
    if not selection.everything:
        return []
    root = recordings_dir()
    names = CallRecording.objects.filter(
        municipality=selection.municipality, erased_at__isnull=True
    ).values_list("file_name", flat=True)
    return [root / name for name in names if (root / name).is_file()]


def busy(municipality) -> str:
    # A legal hold is a duty under the law that the end of a contract does not lift (別紙④):
    # the hold is released first, by those who set it.
    if CallRecording.objects.filter(
        municipality=municipality, legal_hold=True, erased_at__isnull=True
    ).exists():
        return "消去停止（法的保全）中の通話録音があります。停止を解除してから実行してください。"
    # Cards on their way to a venue are in nobody's hands on the system: count them in first.
    if VenueTransfer.objects.filter(municipality=municipality, received_at__isnull=True).exists():
        return "会場へ送付中のカードがあります。会場の受領を記録してから実行してください。"
    if CardTarget.objects.filter(
        municipality=municipality, card_state__in=(CardState.IN_TRANSIT,)
    ).exists():
        return "会場へ送付中のカードがあります。会場の受領を記録してから実行してください。"
    return ""


def purged_values(targets: Targets) -> tuple[set[str], set[str]]:
    numbers: set[str] = set()
    names: set[str] = set()
    for number, name, kana in targets["card_targets"].values_list("reservation_no", "name", "kana"):
        numbers.add(normalize_number(number))
        names.update(normalize_name(value) for value in (name, kana) if value)
    return numbers, names


PERSONAL_DATA = PersonalData(
    app_label="cards",
    items=(
        Item("card_recordings", "個人番号カード コールセンター通話録音"),
        Item("card_calls", "個人番号カード コールセンター受電記録"),
        Item("card_reservations", "個人番号カード 交付予約"),
        Item("card_transfer_items", "各会場送付台帳の明細"),
        Item("card_target_events", "交付対象者の記録"),
        Item("card_targets", "個人番号カード 交付対象者"),
    ),
    select=select,
    files=files,
    file_label="通話録音ファイル",
    busy=busy,
    purged_values=purged_values,
    own_name_columns={
        "cards.CardTarget": OwnNames(number="reservation_no", names=frozenset({"name", "kana"}))
    },
)
