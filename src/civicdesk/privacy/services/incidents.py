"""Incidents (事故記録) and their report to the municipality (seed 000 別紙1 第14条, 仕様書 13(2)).

The center's supervisor, or municipal staff told of an incident, records it; the report (第N報)
freezes what was reported and prints it with the content, count, place and circumstances the
clause asks for; a later report (続報) adds cause and measures. Staff close an incident once
reported: the municipality decides that nothing more is needed (DESIGN rule 6). Inspectors read.

The records say what kind of data and how many, never whose: the forms ask for no names.
Who may do what, and which incidents a user sees, are in ``incident_selectors``.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.calendar import TOKYO
from civicdesk.core.japanese import era_date
from civicdesk.core.models import Municipality
from civicdesk.core.pdf import render_pdf
from civicdesk.privacy.models import Incident, IncidentStatus
from civicdesk.privacy.selectors.incidents import may_change, may_close, may_read, may_record

TEMPLATE = "print/privacy_incident_report.html"
# Written by people, checked here (the forms show these errors next to their fields).
TEXT_FIELDS = ("place", "content", "circumstances", "cause", "measures", "prevention")
REQUIRED_FIELDS = ("place", "content", "circumstances")
EDITABLE_FIELDS = ("occurred_at", "discovered_at", "affected_count", *TEXT_FIELDS)
PLACE_MAX_LENGTH = Incident._meta.get_field("place").max_length


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- Changes ------------------------------------------------------------------------------------


def record_incident(*, acting_user, **values) -> Incident:
    """A new incident of the acting user's municipality, status 記録済み (not yet reported)."""
    _require(may_record(acting_user), "事故記録を登録する権限がありません。")
    cleaned = clean_values(values)
    now = timezone.now()
    with transaction.atomic():
        incident = Incident.objects.create(
            municipality=Municipality.objects.for_user(acting_user),
            recorded_at=now,
            recorded_by=acting_user,
            updated_at=now,
            **cleaned,
        )
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=incident,
            fields=[name for name in EDITABLE_FIELDS if cleaned[name] not in ("", None)],
            reason="事故記録の登録",
        )
    return incident


def update_incident(*, acting_user, incident: Incident, **values) -> Incident:
    """Change what is known (cause and measures come later); a closed incident stays as it is."""
    _require(may_change(acting_user), "事故記録を変更する権限がありません。")
    cleaned = clean_values(values)
    with transaction.atomic():
        incident = _locked(incident)
        if incident.status == IncidentStatus.CLOSED:
            raise ValidationError({"__all__": ["完了した事故記録は変更できません。"]})
        changed = [name for name in EDITABLE_FIELDS if getattr(incident, name) != cleaned[name]]
        if not changed:
            return incident
        for name in changed:
            setattr(incident, name, cleaned[name])
        incident.updated_at = timezone.now()
        incident.save(update_fields=[*changed, "updated_at"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=incident,
            fields=changed,
            reason="事故記録の変更",
        )
    return incident


def report_incident(*, acting_user, incident: Incident) -> Incident:
    """Report the incident to the municipality as it stands now (第1報, then 続報 as 第2報…):
    the reported content is frozen with the PDF's hash, and the status becomes 報告済み."""
    _require(may_change(acting_user), "事故を報告する権限がありません。")
    with transaction.atomic():
        incident = _locked(incident)
        if incident.status == IncidentStatus.CLOSED:
            raise ValidationError({"__all__": ["完了した事故は報告できません。"]})
        incident.report_number += 1
        incident.reported_at = timezone.now()
        incident.reported_by = acting_user
        incident.status = IncidentStatus.REPORTED
        incident.report_snapshot = snapshot(incident)
        incident.report_sha256 = hashlib.sha256(render(incident.report_snapshot)).hexdigest()
        incident.save(
            update_fields=[
                "report_number",
                "reported_at",
                "reported_by",
                "status",
                "report_snapshot",
                "report_sha256",
            ]
        )
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=incident,
            fields=["status", "report_snapshot"],
            reason=f"事故の報告（第{incident.report_number}報）",
        )
    return incident


def close_incident(*, acting_user, incident: Incident, note: str) -> Incident:
    """The municipality's staff close a reported incident with their finding."""
    _require(may_close(acting_user), "事故記録を完了にする権限がありません。")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": ["完了の所見を入力してください。"]})
    with transaction.atomic():
        incident = _locked(incident)
        if incident.status != IncidentStatus.REPORTED:
            raise ValidationError({"__all__": ["完了にできるのは、自治体へ報告済みの事故です。"]})
        incident.status = IncidentStatus.CLOSED
        incident.closed_at = timezone.now()
        incident.closed_by = acting_user
        incident.closing_note = note
        incident.save(update_fields=["status", "closed_at", "closed_by", "closing_note"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=incident,
            fields=["status", "closing_note"],
            reason="事故記録の完了",
        )
    return incident


def print_report(*, acting_user, incident: Incident) -> bytes:
    """The last report as PDF again, from what was reported (not from later edits)."""
    _require(may_read(acting_user), "事故記録を表示する権限がありません。")
    if not incident.report_number:
        raise ValidationError({"__all__": ["まだ報告していない事故です。"]})
    pdf = render(incident.report_snapshot)
    with transaction.atomic():
        record_access(
            acting_user=acting_user,
            action=AccessAction.PRINT,
            obj=incident,
            reason=f"事故報告書の印刷（第{incident.report_number}報）",
        )
    return pdf


def _locked(incident: Incident) -> Incident:
    # Two people acting on one incident at once: the second sees the first one's result.
    return Incident.objects.select_for_update().get(pk=incident.pk)


# --- Validation ---------------------------------------------------------------------------------


def clean_values(values: dict) -> dict:
    """The incident's fields, checked together; errors are Japanese and name their field."""
    errors: dict[str, list[str]] = {}
    cleaned = {name: (values.get(name) or "").strip() for name in TEXT_FIELDS}
    labels = {name: Incident._meta.get_field(name).verbose_name for name in EDITABLE_FIELDS}
    for name in REQUIRED_FIELDS:
        if not cleaned[name]:
            errors[name] = [f"{labels[name]}を入力してください。"]
    if len(cleaned["place"]) > PLACE_MAX_LENGTH:
        errors["place"] = [f"発生場所は{PLACE_MAX_LENGTH}文字以内で入力してください。"]
    count = values.get("affected_count")
    if count is None or count == "":
        errors["affected_count"] = ["件数を入力してください（不明な場合は判明している件数）。"]
    elif int(count) < 0:
        errors["affected_count"] = ["件数は0以上で入力してください。"]
    cleaned["affected_count"] = None if "affected_count" in errors else int(count)
    _check_moments(values.get("occurred_at"), values.get("discovered_at"), errors)
    if errors:
        raise ValidationError(errors)
    cleaned["occurred_at"] = values["occurred_at"]
    cleaned["discovered_at"] = values["discovered_at"]
    return cleaned


def _check_moments(occurred_at, discovered_at, errors: dict) -> None:
    now = timezone.now()
    for name, moment, label in (
        ("occurred_at", occurred_at, "発生日時"),
        ("discovered_at", discovered_at, "発見日時"),
    ):
        if moment is None:
            errors[name] = [f"{label}を入力してください。"]
        elif moment > now:
            errors[name] = [f"{label}に未来の日時は入力できません。"]
    # The order is checked only between two moments that are each acceptable.
    if not errors.keys() & {"occurred_at", "discovered_at"} and discovered_at < occurred_at:
        errors["discovered_at"] = ["発見日時は発生日時より後の日時にしてください。"]


# --- The report PDF ----------------------------------------------------------------------------


def snapshot(incident: Incident) -> dict:
    """What a report says, JSON-ready: a re-print shows it even after later edits."""
    return {
        "number": incident.report_number,
        "incident": incident.pk,
        "municipality": incident.municipality.name,
        "center": incident.municipality.contact_center_name,
        "reported_at": incident.reported_at.isoformat(),
        "reported_by": _name(incident.reported_by),
        "recorded_by": _name(incident.recorded_by),
        "occurred_at": incident.occurred_at.isoformat(),
        "discovered_at": incident.discovered_at.isoformat(),
        "affected_count": incident.affected_count,
        **{name: getattr(incident, name) for name in TEXT_FIELDS},
    }


def render(report: dict) -> bytes:
    return render_pdf(TEMPLATE, {"report": report, **_dates(report)})


def _dates(report: dict) -> dict:
    return {
        f"{name}_label": era_datetime(dt.datetime.fromisoformat(report[name]))
        for name in ("reported_at", "occurred_at", "discovered_at")
    }


def era_datetime(moment: dt.datetime) -> str:
    """令和7年6月10日 14:30 (Tokyo)."""
    local = moment.astimezone(TOKYO)
    return f"{era_date(local.date())} {local:%H:%M}"


def _name(user) -> str:
    return (user.display_name or user.get_username()) if user else ""


def file_name(incident: Incident) -> str:
    return f"事故報告書_No{incident.pk}_第{incident.report_number}報.pdf"
