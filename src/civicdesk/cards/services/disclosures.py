"""Disclosures of call-recording information (別紙④ 第7条): nothing leaves but on one of the four
grounds, for a stated purpose and the minimum scope, after a municipal staff member other than
the one who registered it approved; the hand-over goes to the ward's 区民課 through the export
register and the hand-over register, and is reported to the 区民課長 promptly afterwards
(第7条3: within CIVICDESK_CARDS_DISCLOSURE_REPORT_DAYS days, default 7).

No file is made here: the recordings themselves are never copied by the system (第6条4). The
export register holds the digest of the disclosed recordings' SHA-256s, so what left can be
matched with what was kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.cards.choices import DisclosureGround, DisclosureStatus
from civicdesk.cards.models import CallRecording, Disclosure
from civicdesk.cards.selectors import recordings as selectors
from civicdesk.privacy.models.registers import HandOverDirection
from civicdesk.privacy.services.export_register import REASON_MAX_LENGTH, record_export
from civicdesk.privacy.services.hand_overs import record_hand_over

# Grounds (2) and (3) are requests in writing: their document is part of the record.
GROUNDS_NEEDING_DOCUMENT = {DisclosureGround.CRIMINAL_PROCEDURE, DisclosureGround.LEGAL_REQUEST}
DEFAULT_REPORT_DAYS = 7
FIELDS = ["ground", "requesting_body", "document", "purpose", "scope", "recordings"]


def report_days() -> int:
    return int(getattr(settings, "CARDS_DISCLOSURE_REPORT_DAYS", DEFAULT_REPORT_DAYS))


def _max(field: str) -> int:
    return Disclosure._meta.get_field(field).max_length


def request_disclosure(
    *,
    acting_user,
    municipality,
    ground: str,
    requesting_body: str,
    document: str,
    purpose: str,
    scope: str,
    recordings: Iterable[CallRecording],
) -> Disclosure:
    """Register a request (the recording manager, 第3条) for staff to decide."""
    if not selectors.may_request_disclosure(acting_user):
        raise PermissionDenied("通話録音の提供を登録する権限がありません。")
    values = {
        "requesting_body": (requesting_body or "").strip(),
        "document": (document or "").strip(),
        "purpose": (purpose or "").strip(),
        "scope": (scope or "").strip(),
    }
    chosen = list(recordings or [])
    errors = _request_problems(municipality, ground, values, chosen)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        last = Disclosure.objects.filter(municipality=municipality).aggregate(n=Max("number"))
        disclosure = Disclosure.objects.create(
            municipality=municipality,
            number=(last["n"] or 0) + 1,
            ground=ground,
            requested_by=acting_user,
            **values,
        )
        disclosure.recordings.set(chosen)
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=disclosure,
            fields=FIELDS,
            reason=(
                f"通話録音の提供の受付 No.{disclosure.number}（{disclosure.get_ground_display()}）"
            ),
        )
    return disclosure


def _request_problems(municipality, ground, values, chosen) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if ground not in DisclosureGround.values:
        errors["ground"] = ["提供の根拠: 第7条第1項 (1)〜(4) のいずれかを選んでください。"]
    elif ground in GROUNDS_NEEDING_DOCUMENT and not values["document"]:
        errors["document"] = [
            "請求の文書: この根拠では文書による請求が必要です。文書番号と日付を入力してください。"
        ]
    labels = {
        "requesting_body": "提供先",
        "purpose": "提供の目的",
        "scope": "提供する範囲（必要最小限）",
    }
    for name, label in labels.items():
        if not values[name]:
            errors[name] = [f"{label}: 入力してください。"]
    for name, text in values.items():
        if len(text) > _max(name):
            errors.setdefault(name, []).append(f"{_max(name)}文字以内で入力してください。")
    if not chosen:
        errors["recordings"] = ["対象の通話録音: 1件以上選んでください。"]
    elif any(r.municipality_id != municipality.pk for r in chosen):
        errors["recordings"] = ["対象の通話録音: 別の自治体の録音は選べません。"]
    elif any(r.erased_at is not None for r in chosen):
        errors["recordings"] = ["対象の通話録音: 消去済みの録音が含まれています。"]
    return errors


def _locked(disclosure: Disclosure, *statuses: str) -> Disclosure:
    locked = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    if locked.status not in statuses:
        raise ValidationError(
            f"提供 No.{locked.number} は「{locked.get_status_display()}」のため、"
            "この操作はできません。"
        )
    return locked


def decide_disclosure(
    *, acting_user, disclosure: Disclosure, approve: bool, note: str = ""
) -> Disclosure:
    """Approve or reject (municipal staff, never the person who registered it)."""
    if not selectors.may_decide_disclosure(acting_user):
        raise PermissionDenied("通話録音の提供を承認・却下する権限がありません。")
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": ["所見: 却下の理由を入力してください。"]})
    if len(note) > _max("decision_note"):
        raise ValidationError(
            {"note": [f"所見: {_max('decision_note')}文字以内で入力してください。"]}
        )
    with transaction.atomic():
        locked = _locked(disclosure, DisclosureStatus.REQUESTED)
        if locked.requested_by_id == acting_user.pk:
            raise ValidationError(
                "登録した本人は承認・却下できません。別の職員が判断してください。"
            )
        if approve and locked.recordings.filter(erased_at__isnull=False).exists():
            raise ValidationError("対象の通話録音が消去されているため承認できません。")
        locked.status = DisclosureStatus.APPROVED if approve else DisclosureStatus.REJECTED
        locked.decided_at = timezone.now()
        locked.decided_by = acting_user
        locked.decision_note = note
        locked.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=locked,
            fields=["status"],
            reason=f"通話録音の提供 No.{locked.number} を{'承認' if approve else '却下'}",
        )
    return locked


def hand_over_disclosure(*, acting_user, disclosure: Disclosure, receiver: str = "") -> Disclosure:
    """Hand the approved minimum to the 区民課 (第7条2): the export register (reason and
    ground, the recordings' digest) and the hand-over register (who received it); the report
    is then due within the configured days."""
    if not selectors.may_hand_over_disclosure(acting_user):
        raise PermissionDenied("通話録音を提供する権限がありません。")
    receiver = (receiver or "").strip()
    if not receiver:
        raise ValidationError(
            {"receiver": ["受領者: 区民課の受領者（所属・氏名）を入力してください。"]}
        )
    with transaction.atomic():
        locked = _locked(disclosure, DisclosureStatus.APPROVED)
        chosen = list(locked.recordings.order_by("recorded_at", "pk"))
        if any(r.erased_at is not None for r in chosen):
            raise ValidationError("対象の通話録音が消去されているため提供できません。")
        digest = selectors.erasure_digest(r.sha256 for r in chosen)
        content = (
            f"通話録音の提供 No.{locked.number}（{locked.get_ground_display()}）"
            f" 提供先: {locked.requesting_body}"
        )[:200]
        reason = f"{locked.get_ground_display()}: {locked.purpose}（範囲: {locked.scope}）"
        export = record_export(
            acting_user=acting_user,
            content=content,
            file_name=f"disclosure-{locked.number}",
            file_format="audio",
            reason=reason[:REASON_MAX_LENGTH],
            count=len(chosen),
            sha256=digest,
            fields=["audio"],
        )
        record_hand_over(
            acting_user=acting_user,
            direction=HandOverDirection.DELIVERED,
            content=content,
            count=len(chosen),
            file_name=export.file_name,
            sha256=digest,
            export_record=export,
            receiver=receiver,
            note=f"別紙④ 第7条第2項による提供（{locked.get_ground_display()}）"[:200],
        )
        now = timezone.now()
        locked.status = DisclosureStatus.HANDED_OVER
        locked.export_record = export
        locked.handed_over_at = now
        locked.handed_over_by = acting_user
        locked.report_due_on = timezone.localdate(now) + dt.timedelta(days=report_days())
        locked.save(
            update_fields=[
                "status",
                "export_record",
                "handed_over_at",
                "handed_over_by",
                "report_due_on",
            ]
        )
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=locked,
            fields=["status", "recordings"],
            reason=f"通話録音の提供 No.{locked.number} を区民課（{receiver}）へ提供",
        )
    return locked


def report_disclosure(*, acting_user, disclosure: Disclosure, report: str) -> Disclosure:
    """The report to the 区民課長 after the hand-over (第7条3)."""
    if not selectors.may_hand_over_disclosure(acting_user):
        raise PermissionDenied("通話録音の提供を報告する権限がありません。")
    report = (report or "").strip()
    if not report:
        raise ValidationError({"report": ["報告の内容: 入力してください。"]})
    with transaction.atomic():
        locked = _locked(disclosure, DisclosureStatus.HANDED_OVER)
        locked.status = DisclosureStatus.REPORTED
        locked.report = report
        locked.reported_at = timezone.now()
        locked.reported_by = acting_user
        locked.save(update_fields=["status", "report", "reported_at", "reported_by"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=locked,
            fields=["report"],
            reason=f"通話録音の提供 No.{locked.number} の区民課長への報告",
        )
    return locked
