"""Read queries of incidents (事故記録): who may do what, and which incidents a user sees."""

from __future__ import annotations

from django.db.models import QuerySet

from civicdesk.core.models import Municipality
from civicdesk.privacy.models import Incident
from civicdesk.privacy.selectors import may

READ_PERMISSION = "privacy.view_incident"
RECORD_PERMISSION = "privacy.add_incident"
CHANGE_PERMISSION = "privacy.change_incident"
CLOSE_PERMISSION = "privacy.close_incident"


def may_read(user) -> bool:
    return may(user, READ_PERMISSION)


def may_record(user) -> bool:
    return may(user, RECORD_PERMISSION)


def may_change(user) -> bool:
    return may(user, CHANGE_PERMISSION)


def may_close(user) -> bool:
    return may(user, CLOSE_PERMISSION)


def incidents_for(user) -> QuerySet[Incident]:
    """The incidents of the user's municipality, if the user may read them."""
    if not may_read(user):
        return Incident.objects.none()
    municipality = Municipality.objects.for_user(user)
    return Incident.objects.filter(municipality=municipality).select_related(
        "recorded_by", "reported_by", "closed_by"
    )
