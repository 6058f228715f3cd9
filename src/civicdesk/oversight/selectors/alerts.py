"""Reads of the inspectors' inbox アクセス点検."""

from django.db.models import Count, QuerySet

from civicdesk.oversight.models import AccessAlert, AlertKind
from civicdesk.privacy.selectors import REVIEW_PERMISSION, may


def may_review_alerts(user) -> bool:
    return may(user, REVIEW_PERMISSION)


def alerts_for(user) -> QuerySet[AccessAlert]:
    """The inbox as the user may read it: everything for inspectors and admins, else nothing."""
    if not may_review_alerts(user):
        return AccessAlert.objects.none()
    return AccessAlert.objects.select_related("user", "reviewed_by").order_by("-day", "-pk")


def kind_counts(alerts: QuerySet[AccessAlert]) -> list[tuple[str, str, int]]:
    """(kind, label, count) for every kind, zeros included (one grouped query)."""
    counts = dict(alerts.order_by().values_list("kind").annotate(n=Count("pk")))
    return [(value, label, counts.get(value, 0)) for value, label in AlertKind.choices]
