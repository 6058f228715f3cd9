"""The privacy app's models, one module per subdomain."""

from civicdesk.privacy.models.access import (
    AccessAction,
    AccessAlert,
    AccessLogEntry,
    AlertKind,
    AlertStatus,
    AppendOnlyQuerySet,
    ChainHead,
)
from civicdesk.privacy.models.incidents import *  # noqa: F403
from civicdesk.privacy.models.purge import *  # noqa: F403
from civicdesk.privacy.models.registers import ExportRecord, HandOverDirection, HandOverRecord

__all__ = [
    "AccessAction",
    "AccessAlert",
    "AccessLogEntry",
    "AlertKind",
    "AlertStatus",
    "AppendOnlyQuerySet",
    "ChainHead",
    "ExportRecord",
    "HandOverDirection",
    "HandOverRecord",
]
