"""Card issuance models (seed 004), split by subdomain."""

from civicdesk.cards.models.logistics import (
    CardReceipt,
    Mailing,
    ReconciliationClose,
    VenueDay,
    VenueTransfer,
    VenueTransferItem,
)
from civicdesk.cards.models.recordings import CallRecording, Disclosure, RecordingErasure
from civicdesk.cards.models.reservations import CardCall, Reservation
from civicdesk.cards.models.targets import CardTarget, TargetEvent, TargetImport
from civicdesk.cards.models.venues import Area, Slot, Venue

__all__ = [
    "Area",
    "CallRecording",
    "CardCall",
    "CardReceipt",
    "CardTarget",
    "Disclosure",
    "Mailing",
    "ReconciliationClose",
    "RecordingErasure",
    "Reservation",
    "Slot",
    "TargetEvent",
    "TargetImport",
    "Venue",
    "VenueDay",
    "VenueTransfer",
    "VenueTransferItem",
]
