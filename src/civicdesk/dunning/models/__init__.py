"""The dunning center's models, one module per part (imported here, so that
``from civicdesk.dunning.models import Contact`` keeps working)."""

from civicdesk.dunning.models.letters import LetterBatch, ReminderLetter
from civicdesk.dunning.models.visits import LeftNoticeTemplate, VisitList, VisitRecord, VisitStop
from civicdesk.dunning.models.work import (
    Campaign,
    Contact,
    ContactAccount,
    HandOver,
    InboundCall,
    Promise,
    StaffRequest,
    WorkItem,
)

__all__ = [
    "Campaign",
    "Contact",
    "ContactAccount",
    "HandOver",
    "InboundCall",
    "LeftNoticeTemplate",
    "LetterBatch",
    "Promise",
    "ReminderLetter",
    "StaffRequest",
    "VisitList",
    "VisitRecord",
    "VisitStop",
    "WorkItem",
]
