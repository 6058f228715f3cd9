"""Read queries of the semi-annual privacy status reports: who may read or make them, and which
reports a user sees."""

from __future__ import annotations

from django.db.models import QuerySet

from civicdesk.core.models import Municipality
from civicdesk.oversight.models import PrivacyStatusReport
from civicdesk.privacy.selectors import may

READ_PERMISSION = "privacy.view_privacystatusreport"
MAKE_PERMISSION = "privacy.add_privacystatusreport"


def may_read(user) -> bool:
    return may(user, READ_PERMISSION)


def may_make(user) -> bool:
    return may(user, MAKE_PERMISSION)


def reports_for(user) -> QuerySet[PrivacyStatusReport]:
    if not may_read(user):
        return PrivacyStatusReport.objects.none()
    municipality = Municipality.objects.for_user(user)
    return PrivacyStatusReport.objects.filter(municipality=municipality).select_related(
        "generated_by"
    )
