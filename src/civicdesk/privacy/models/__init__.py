"""The privacy app's models, one module per subdomain."""

from civicdesk.privacy.models.access import AccessAlert, AlertKind, AlertStatus
from civicdesk.privacy.models.incidents import Incident, IncidentStatus, PrivacyStatusReport
from civicdesk.privacy.models.purge import PurgePlan, PurgeScope, PurgeStatus, PurgeVerification
from civicdesk.privacy.models.registers import (
    ExportRecord,
    ExportRequest,
    ExportRequestStatus,
    HandOverDirection,
    HandOverRecord,
    ReturnMethod,
)

__all__ = [
    "AccessAlert",
    "AlertKind",
    "AlertStatus",
    "ExportRecord",
    "ExportRequest",
    "ExportRequestStatus",
    "HandOverDirection",
    "HandOverRecord",
    "Incident",
    "IncidentStatus",
    "PrivacyStatusReport",
    "PurgePlan",
    "PurgeScope",
    "PurgeStatus",
    "PurgeVerification",
    "ReturnMethod",
]
