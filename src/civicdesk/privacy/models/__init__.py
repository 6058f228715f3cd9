"""The privacy app's models, one module per subdomain: the export and hand-over registers and
incidents. (The access log lives in ``civicdesk.audit``; purge, alerts and the status report in
``civicdesk.oversight``.)"""

from civicdesk.privacy.models.incidents import Incident, IncidentStatus
from civicdesk.privacy.models.registers import (
    ExportRecord,
    ExportRequest,
    ExportRequestStatus,
    HandOverDirection,
    HandOverRecord,
    ReturnMethod,
)

__all__ = [
    "ExportRecord",
    "ExportRequest",
    "ExportRequestStatus",
    "HandOverDirection",
    "HandOverRecord",
    "Incident",
    "IncidentStatus",
    "ReturnMethod",
]
