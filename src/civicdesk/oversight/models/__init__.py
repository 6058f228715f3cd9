"""The oversight app's models. They keep the app label ``privacy``: their tables, migrations and
permission names date from when they lived there (docs/adr/0016)."""

from civicdesk.oversight.models.alerts import AccessAlert, AlertKind, AlertStatus
from civicdesk.oversight.models.purge import PurgePlan, PurgeScope, PurgeStatus, PurgeVerification
from civicdesk.oversight.models.status_reports import PrivacyStatusReport

__all__ = [
    "AccessAlert",
    "AlertKind",
    "AlertStatus",
    "PrivacyStatusReport",
    "PurgePlan",
    "PurgeScope",
    "PurgeStatus",
    "PurgeVerification",
]
