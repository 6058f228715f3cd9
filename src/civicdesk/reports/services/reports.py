"""Writing reports: the supervisor's remarks, finalising (the figures are kept as they were),
corrections as new versions, and the yearly targets.

A finalised report never changes (Report.save refuses): a correction makes version N+1 as a
draft with the previous remarks and the reason, and finalising it keeps both.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.models import Municipality
from civicdesk.reports.choices import EDITABLE_KINDS, ReportKind, ReportStatus, TargetChannel
from civicdesk.reports.models import Report, Target
from civicdesk.reports.selectors import reports as selectors

REMARKS_MAX = 4000

# seed 000 §16 (令和7年度): yearly calls and visits per revenue type; light vehicle tax is
# counted with the ordinary-collection resident tax calls.
RESIDENT = "特別区民税・都民税・森林環境税"
RESIDENT_AND_LIGHT = ["resident_tax", "light_vehicle_tax"]
CALL, VISIT = TargetChannel.CALL, TargetChannel.VISIT
DEMO_TARGETS = [
    (f"{RESIDENT}、軽自動車税（普通徴収）", RESIDENT_AND_LIGHT, "ordinary", CALL, 30_000),
    (f"{RESIDENT}（特別徴収）", ["resident_tax"], "special", CALL, 2_000),
    (f"{RESIDENT}、軽自動車税", RESIDENT_AND_LIGHT, "", VISIT, 9_600),
    ("国民健康保険料", ["nhi"], "", CALL, 27_000),
    ("国民健康保険料", ["nhi"], "", VISIT, 8_640),
    ("後期高齢者医療保険料", ["late_elderly"], "", CALL, 4_800),
    ("後期高齢者医療保険料", ["late_elderly"], "", VISIT, 600),
    ("介護保険料", ["ltc"], "", CALL, 2_000),
    ("介護保険料", ["ltc"], "", VISIT, 720),
]


def _check(acting_user, kind: str) -> Municipality:
    if not selectors.may_edit_reports(acting_user):
        raise PermissionDenied("報告書を編集する権限がありません。")
    if kind not in EDITABLE_KINDS:
        raise ValidationError({"kind": ["所感を書けるのは日次報告書と月次報告書です。"]})
    municipality = Municipality.objects.for_user(acting_user)
    if municipality is None:
        raise ValidationError({"__all__": ["自治体が登録されていません。"]})
    return municipality


def _latest(municipality, kind: str, period: dt.date) -> Report | None:
    return (
        Report.objects.select_for_update()
        .filter(municipality=municipality, kind=kind, period=period)
        .order_by("-version")
        .first()
    )


def save_report_remarks(
    *, acting_user, kind: str, period: dt.date, remarks: str, proposals: str = ""
) -> Report:
    """The remarks (所感) and, for a month, the proposals of the draft (made on first save)."""
    municipality = _check(acting_user, kind)
    errors = {}
    if len(remarks or "") > REMARKS_MAX:
        errors["remarks"] = [f"所感は {REMARKS_MAX:,} 文字以内で入力してください。"]
    if len(proposals or "") > REMARKS_MAX:
        errors["proposals"] = [f"提案は {REMARKS_MAX:,} 文字以内で入力してください。"]
    with transaction.atomic():
        report = _latest(municipality, kind, period)
        if report is not None and report.status == ReportStatus.FINAL:
            errors.setdefault("__all__", []).append(
                f"第{report.version}版は確定済みです。訂正する場合は「訂正版を作成」してください。"
            )
        if errors:
            raise ValidationError(errors)
        if report is None:
            report = Report(municipality=municipality, kind=kind, period=period,
                            created_by=acting_user)  # fmt: skip
        report.remarks = (remarks or "").strip()
        report.proposals = (proposals or "").strip() if kind == ReportKind.MONTHLY else ""
        report.save()
        _log(acting_user, report, AccessAction.CHANGE, "報告書の所感を保存")
    return report


def finalise_report(*, acting_user, kind: str, period: dt.date) -> Report:
    """Keep the figures as they are now with the remarks; the version is closed for good."""
    municipality = _check(acting_user, kind)
    with transaction.atomic():
        report = _latest(municipality, kind, period)
        if report is None:
            report = Report(municipality=municipality, kind=kind, period=period,
                            created_by=acting_user)  # fmt: skip
        elif report.status == ReportStatus.FINAL:
            raise ValidationError({"__all__": [f"第{report.version}版は確定済みです。"]})
        report.figures = _figures(municipality, kind, period)
        report.status = ReportStatus.FINAL
        report.finalised_by = acting_user
        report.finalised_at = timezone.now()
        report.save()
        _log(acting_user, report, AccessAction.CHANGE, "報告書を確定")
    return report


def correct_report(*, acting_user, kind: str, period: dt.date, reason: str) -> Report:
    """A new draft version after a finalised one (both are kept)."""
    municipality = _check(acting_user, kind)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["訂正の理由を入力してください。"]})
    with transaction.atomic():
        report = _latest(municipality, kind, period)
        if report is None or report.status != ReportStatus.FINAL:
            raise ValidationError({"__all__": ["訂正できるのは確定した報告書です。"]})
        new = Report.objects.create(
            municipality=municipality, kind=kind, period=period, version=report.version + 1,
            remarks=report.remarks, proposals=report.proposals,
            correction_reason=reason[:200], created_by=acting_user,
        )  # fmt: skip
        _log(acting_user, new, AccessAction.CREATE, f"報告書の訂正版を作成: {reason}")
    return new


def _figures(municipality, kind: str, period: dt.date) -> dict:
    if kind == ReportKind.DAILY:
        data = selectors.daily_report(municipality, period, live=True)
    else:
        data = selectors.monthly_report(municipality, period.year, period.month, live=True)
    data.pop("report", None)
    data.pop("municipality", None)
    return data


def _log(acting_user, report: Report, action, reason: str) -> None:
    record_access(
        acting_user=acting_user,
        action=action,
        obj=report,
        fields=["remarks"],
        reason=reason,
    )


def create_demo_targets(*, municipality, fiscal_year: int) -> list[Target]:
    """seed 000 §16's targets for the fiscal year (those that exist are kept)."""
    made = []
    for order, (label, types, kind, channel, count) in enumerate(DEMO_TARGETS, 1):
        target, created = Target.objects.get_or_create(
            municipality=municipality, fiscal_year=fiscal_year, label=label, channel=channel,
            defaults={"revenue_types": types, "collection_kind": kind, "count": count,
                      "order": order},
        )  # fmt: skip
        if created:
            made.append(target)
    return made
