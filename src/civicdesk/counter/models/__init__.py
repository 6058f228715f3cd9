"""The service counters' models (seed 003), split by subdomain."""

from civicdesk.counter.models.bereavement import (
    BereavementDesk,
    BereavementProcedure,
    BereavementQuestion,
    BereavementReservation,
    BereavementTask,
)
from civicdesk.counter.models.fees import (
    DayClose,
    Fee,
    FeeEntry,
    PaperMovement,
    ReceiptSequence,
)
from civicdesk.counter.models.procedures import (
    PlateLoan,
    Procedure,
    Request,
    Review,
    TemporaryPlate,
)
from civicdesk.counter.models.queues import (
    Counter,
    CounterQueue,
    DisplayDevice,
    Queue,
    Ticket,
    TicketEvent,
    TicketSequence,
)

__all__ = [
    "BereavementDesk",
    "BereavementProcedure",
    "BereavementQuestion",
    "BereavementReservation",
    "BereavementTask",
    "Counter",
    "CounterQueue",
    "DayClose",
    "DisplayDevice",
    "Fee",
    "FeeEntry",
    "PaperMovement",
    "PlateLoan",
    "Procedure",
    "Queue",
    "ReceiptSequence",
    "Request",
    "Review",
    "TemporaryPlate",
    "Ticket",
    "TicketEvent",
    "TicketSequence",
]
