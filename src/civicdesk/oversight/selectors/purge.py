"""Read queries of purge plans (issue 8 §4): who may see which plans, and their verifications."""

from __future__ import annotations

from django.db.models import QuerySet

from civicdesk.oversight.models import PurgePlan, PurgeVerification
from civicdesk.privacy.selectors import may

VIEW_PERMISSION = "privacy.view_purgeplan"


def may_view_plans(user) -> bool:
    return may(user, VIEW_PERMISSION)


def plans_for(user) -> QuerySet[PurgePlan]:
    """The plans of the user's municipality, newest first; nothing without the permission.

    The certificate bytes and the digests stay in the database until asked for."""
    if not may_view_plans(user) or user.municipality_id is None:
        return PurgePlan.objects.none()
    return (
        PurgePlan.objects.filter(municipality_id=user.municipality_id)
        .select_related("drafted_by", "approved_by", "executed_by", "municipality")
        .defer("certificate_pdf", "number_digests", "name_digests")
        .order_by("-drafted_at", "-pk")
    )


def verifications_of(plan: PurgePlan) -> QuerySet[PurgeVerification]:
    return plan.verifications.select_related("by").order_by("-at", "-pk")


def latest_verification(plan: PurgePlan) -> PurgeVerification | None:
    return verifications_of(plan).first()


def certificate_of(plan: PurgePlan) -> bytes:
    return bytes(PurgePlan.objects.values_list("certificate_pdf", flat=True).get(pk=plan.pk) or b"")
