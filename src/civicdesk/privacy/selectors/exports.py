"""Reads of the export requests (持出し申請) and the hand-over register: who may do what, and the
lists each user may see (restricted to the user's municipality, like every selector)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from civicdesk.core.models import Municipality
from civicdesk.privacy.models.registers import (
    ExportRecord,
    ExportRequest,
    ExportRequestStatus,
    HandOverRecord,
)
from civicdesk.privacy.selectors import may

EXPORT_PERMISSION = "privacy.add_exportrecord"
VIEW_ALL_PERMISSION = "privacy.view_exportrequest"
DECIDE_PERMISSION = "privacy.change_exportrequest"
HAND_OVER_PERMISSION = "privacy.add_handoverrecord"
VIEW_HAND_OVERS_PERMISSION = "privacy.view_handoverrecord"
CONFIRM_RECEIPT_PERMISSION = "privacy.change_handoverrecord"


def may_export(user) -> bool:
    return may(user, EXPORT_PERMISSION)


def may_see_exports(user) -> bool:
    return may_export(user) or may(user, VIEW_ALL_PERMISSION)


def may_decide(user) -> bool:
    return may(user, DECIDE_PERMISSION)


def same_municipality(user, other) -> bool:
    return other is not None and _municipality_id(user) == _municipality_id(other)


def _staff_for(user, record: ExportRecord) -> bool:
    return may_decide(user) and same_municipality(user, record.exported_by)


def may_confirm_return(user, record: ExportRecord) -> bool:
    return (record.exported_by_id == user.pk and may_export(user)) or _staff_for(user, record)


def may_hand_over(user, record: ExportRecord) -> bool:
    return may(user, HAND_OVER_PERMISSION) and (
        record.exported_by_id == user.pk or _staff_for(user, record)
    )


def may_see_hand_overs(user) -> bool:
    return may(user, VIEW_HAND_OVERS_PERMISSION)


def may_confirm_receipt(user) -> bool:
    return may(user, CONFIRM_RECEIPT_PERMISSION)


def _municipality_id(user) -> int | None:
    return Municipality.objects.id_for_user(user)


def requests_for(user) -> QuerySet[ExportRequest]:
    """Everything of the user's municipality for those who oversee exports (staff, inspectors,
    admins); else one's own."""
    shown = ExportRequest.objects.select_related("requested_by", "approved_by", "record")
    if may(user, VIEW_ALL_PERMISSION):
        return shown.filter(requested_by__municipality_id=_municipality_id(user))
    if may_export(user):
        return shown.filter(requested_by=user)
    return shown.none()


def awaiting_approval(user) -> QuerySet[ExportRequest]:
    """The staff inbox: pending requests of others (one's own are never decided by oneself)."""
    if not may_decide(user):
        return ExportRequest.objects.none()
    return (
        requests_for(user)
        .filter(status=ExportRequestStatus.PENDING)
        .exclude(requested_by=user)
        .order_by("requested_at", "pk")
    )


def returns_outstanding(user) -> QuerySet[ExportRecord]:
    """Exported through a request and not yet confirmed returned or erased, oldest due first."""
    records = ExportRecord.objects.filter(
        request__isnull=False, returned_at__isnull=True
    ).select_related("exported_by", "request")
    if may(user, VIEW_ALL_PERMISSION):
        records = records.filter(exported_by__municipality_id=_municipality_id(user))
    else:
        records = records.filter(exported_by=user) if may_export(user) else records.none()
    return records.order_by("return_due_on", "at")


def hand_over_register(user) -> QuerySet[HandOverRecord]:
    """The register of the user's municipality (rows without a handler: every municipality's
    readers, as the register has no municipality of its own)."""
    if not may_see_hand_overs(user):
        return HandOverRecord.objects.none()
    mine = Q(handler__municipality_id=_municipality_id(user)) | Q(handler__isnull=True)
    return (
        HandOverRecord.objects.filter(mine)
        .select_related("handler", "receiver_confirmed_by", "export_record")
        .order_by("-at", "-pk")
    )
