"""Hand-overs to staff (引継ぎ) and requests for staff (納付書再発行・口座振替依頼書).

The contractor prepares, staff decide (DESIGN rule 6): operators, visitors and supervisors
write hand-overs and requests; only municipal staff (dunning.change_handover /
change_staffrequest) accept, complete or return them. Enforcement (滞納処分) is never done in
CivicDesk: a hand-over only tells staff what the center learnt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.choices import REVENUE_TYPE_FILE_LABELS, RevenueType
from civicdesk.core.japanese import era_date, fiscal_year_label
from civicdesk.core.tabular import write_xlsx
from civicdesk.dunning.choices import (
    HAND_OVER_TRANSITIONS,
    HandOverReason,
    HandOverStatus,
    StaffRequestKind,
    StaffRequestStatus,
)
from civicdesk.dunning.models import Contact, HandOver, StaffRequest
from civicdesk.dunning.selectors.handovers import hand_overs_for, staff_requests_for
from civicdesk.privacy.field_policy import visible_fields
from civicdesk.privacy.services.export_register import (
    ExportError,
    ExportResult,
    checked_out_path,
    clean_reason,
    write_registered_export,
)
from civicdesk.privacy.services.export_requests import ExportPlan
from civicdesk.receivables.models import Account, Installment
from civicdesk.receivables.selectors.obligors import obligors_for
from civicdesk.registry.models import Obligor
from civicdesk.registry.selectors import scope_for

ADD_HAND_OVER = "dunning.add_handover"
DECIDE_HAND_OVER = "dunning.change_handover"
# Whoever records contacts may ask staff for a slip or a form (the request comes from a call).
ADD_STAFF_REQUEST = "dunning.add_contact"
DECIDE_STAFF_REQUEST = "dunning.change_staffrequest"
VIEW_STAFF_REQUESTS = "dunning.view_staffrequest"
EXPORT_PERMISSION = "privacy.add_exportrecord"


# --- Hand-overs ------------------------------------------------------------------------------


def create_hand_over(
    *,
    acting_user,
    obligor: Obligor,
    reason: str,
    note: str,
    revenue_types: Iterable[str],
    contact: Contact | None = None,
) -> HandOver:
    """Pass a case to staff with a reason and a note (催告業務引き継ぎ・連絡票).

    The revenue types must be ones the user works on and the obligor holds an account in.
    Raises PermissionDenied without the right, Obligor.DoesNotExist outside the user's scope
    (the view answers 404 as for a missing person), ValidationError (field → message) on input.
    """
    if not acting_user.has_perm(ADD_HAND_OVER):
        raise PermissionDenied("引継ぎを起票する権限がありません。")
    _check_visible(acting_user, obligor)
    types = _clean_revenue_types(acting_user, obligor, revenue_types)
    errors = {}
    if reason not in HandOverReason.values:
        errors["reason"] = "引継ぎの理由を選んでください。"
    note = (note or "").strip()
    if not note:
        errors["note"] = "連絡事項を入力してください。"
    if contact is not None and contact.obligor_id != obligor.pk:
        errors["contact"] = "折衝記録がこの納付義務者のものではありません。"
    if isinstance(types, str):
        errors["revenue_types"] = types
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        hand_over = HandOver.objects.create(
            municipality_id=obligor.municipality_id,
            obligor=obligor,
            contact=contact,
            revenue_types=types,
            reason=reason,
            note=note,
            created_by=acting_user,
        )
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=hand_over,
            fields=["resident_no", "revenue_type", "contacts"],
            reason=f"引継ぎ起票: {hand_over.get_reason_display()}",
        )
    return hand_over


def accept_hand_over(*, acting_user, hand_over: HandOver, note: str = "", now=None) -> HandOver:
    """Staff take the hand-over on (未対応 → 受付済み)."""
    return _decide(acting_user, hand_over, HandOverStatus.ACCEPTED, note, now)


def complete_hand_over(*, acting_user, hand_over: HandOver, note: str = "", now=None) -> HandOver:
    """Staff have dealt with it (受付済み → 対応完了)."""
    return _decide(acting_user, hand_over, HandOverStatus.DONE, note, now)


def return_hand_over(*, acting_user, hand_over: HandOver, note: str = "", now=None) -> HandOver:
    """Staff send it back to the center with the reason why (差戻し: a note is required)."""
    return _decide(acting_user, hand_over, HandOverStatus.RETURNED, note, now)


def _decide(acting_user, hand_over, target, note, now) -> HandOver:
    if not acting_user.has_perm(DECIDE_HAND_OVER):
        raise PermissionDenied("引継ぎの対応は自治体職員のみ行えます。")
    note = (note or "").strip()
    if target == HandOverStatus.RETURNED and not note:
        raise ValidationError({"note": "差戻しの理由を入力してください。"})
    with transaction.atomic():
        # Locked: two staff members clicking at once must not both move it.
        locked = hand_overs_for(acting_user).select_for_update().filter(pk=hand_over.pk).first()
        if locked is None:
            raise HandOver.DoesNotExist
        if locked.status not in HAND_OVER_TRANSITIONS[target]:
            raise ValidationError(
                {
                    "status": (
                        f"「{locked.get_status_display()}」の引継ぎを"
                        f"「{HandOverStatus(target).label}」にはできません。"
                    )
                }
            )
        before = locked.get_status_display()
        locked.status = target
        locked.handled_by = acting_user
        locked.handled_at = now or timezone.now()
        if note:
            locked.staff_note = note
        locked.save(update_fields=["status", "handled_by", "handled_at", "staff_note"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=locked,
            fields=["status", "staff_note"] if note else ["status"],
            reason=f"引継ぎ: {before} → {locked.get_status_display()}",
        )
    return locked


def _check_visible(acting_user, obligor: Obligor) -> None:
    if not obligors_for(acting_user).filter(pk=obligor.pk).exists():
        raise Obligor.DoesNotExist("納付義務者が見つかりません。")


def _clean_revenue_types(acting_user, obligor, revenue_types) -> list[str] | str:
    """The types in canonical order, or a Japanese message (a str) saying what is wrong."""
    wanted = set(revenue_types or ())
    if not wanted:
        return "税目・保険料を1つ以上選んでください。"
    scope = scope_for(acting_user)
    unknown = wanted - set(RevenueType.values)
    outside = wanted - set(scope.revenue_types if scope else ())
    if unknown or outside:
        return "担当していない税目・保険料は選べません。"
    held = set(
        Account.objects.filter(obligor=obligor, revenue_type__in=wanted).values_list(
            "revenue_type", flat=True
        )
    )
    if wanted - held:
        labels = "、".join(
            RevenueType(rt).label for rt in RevenueType.values if rt in wanted - held
        )
        return f"この納付義務者には次の税目・保険料がありません: {labels}"
    return [rt for rt in RevenueType.values if rt in wanted]


# --- Requests for staff ----------------------------------------------------------------------


def create_staff_request(
    *,
    acting_user,
    obligor: Obligor,
    kind: str,
    accounts: Iterable[Account],
    contact: Contact | None = None,
    note: str = "",
) -> StaffRequest:
    """Ask staff to reissue a payment slip or send an account-transfer form, for these accounts."""
    if not acting_user.has_perm(ADD_STAFF_REQUEST):
        raise PermissionDenied("職員への依頼を登録する権限がありません。")
    _check_visible(acting_user, obligor)
    accounts = list(accounts)
    scope = scope_for(acting_user)
    errors = {}
    if kind not in StaffRequestKind.values:
        errors["kind"] = "依頼の種類を選んでください。"
    if not accounts:
        errors["accounts"] = "対象の税目・保険料（整理番号）を1つ以上選んでください。"
    elif any(
        a.obligor_id != obligor.pk or a.revenue_type not in scope.revenue_types for a in accounts
    ):
        errors["accounts"] = "この納付義務者の、担当する税目・保険料の整理番号を選んでください。"
    if contact is not None and contact.obligor_id != obligor.pk:
        errors["contact"] = "折衝記録がこの納付義務者のものではありません。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        request = StaffRequest.objects.create(
            municipality_id=obligor.municipality_id,
            kind=kind,
            obligor=obligor,
            contact=contact,
            note=(note or "").strip(),
            created_by=acting_user,
        )
        request.accounts.set(accounts)
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=request,
            fields=["resident_no", "revenue_type", "case_no"],
            reason=f"職員への依頼: {request.get_kind_display()}",
        )
    return request


def complete_staff_request(*, acting_user, request: StaffRequest, now=None) -> StaffRequest:
    """Staff mark the request done (slip reissued, form sent)."""
    if not acting_user.has_perm(DECIDE_STAFF_REQUEST):
        raise PermissionDenied("依頼の処理は自治体職員のみ行えます。")
    with transaction.atomic():
        locked = staff_requests_for(acting_user).select_for_update().filter(pk=request.pk).first()
        if locked is None:
            raise StaffRequest.DoesNotExist
        if locked.status != StaffRequestStatus.OPEN:
            raise ValidationError({"status": "この依頼は既に処理済みです。"})
        locked.status = StaffRequestStatus.DONE
        locked.done_by = acting_user
        locked.done_at = now or timezone.now()
        locked.save(update_fields=["status", "done_by", "done_at"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=locked,
            fields=["status"],
            reason=f"職員への依頼を処理済みに: {locked.get_kind_display()}",
        )
    return locked


# --- The 納付書再発行エクセル -------------------------------------------------------------------

SHEET_TITLE = "納付書再発行等依頼"
# (column alias, header, width, policy fields the column needs: every one must be allowed)
LAYOUT = (
    ("requested_on", "依頼日", 16, ()),
    ("kind", "種類", 18, ()),
    ("revenue_type", "税目", 12, ()),
    ("resident_no", "宛名番号", 14, ()),
    ("case_no", "整理番号", 14, ()),
    ("name", "氏名", 18, ("name",)),
    ("postal_code", "郵便番号", 10, ("postal_code",)),
    ("address", "住所", 40, ("address",)),
    ("address_extra", "方書", 20, ("address_extra",)),
    ("installments", "年度・期別", 40, ("fiscal_year", "period", "unpaid")),
    ("unpaid", "未納額", 12, ("unpaid",)),
    ("requested_by", "依頼者", 14, ()),
    ("note", "備考", 40, ()),
)
HEADERS = tuple(header for _alias, header, _width, _needs in LAYOUT)
COLUMN_WIDTHS = tuple(width for _alias, _header, width, _needs in LAYOUT)
# Free text and the requester are the center's own records, not fields of the policy.
_NOT_PERSONAL = {"requested_on", "kind", "requested_by", "note"}


def export_staff_requests(
    *,
    acting_user,
    reason: str,
    kind: str | None = None,
    status: str | None = StaffRequestStatus.OPEN,
    out: Path,
) -> ExportResult:
    """Write the requests (one row per request and account) to ``out`` as xlsx and register it.

    Each personal column is filled only where the field policy (purpose ``calls``) of that
    account's revenue type allows it. Refuses before anything is written; a failure leaves no
    file; an existing ``out`` is never overwritten. ``kind`` / ``status`` None: all.
    Pages go through the export requests (privacy.export_requests, dunning/exporters.py),
    which use ``staff_requests_plan``; this is the direct form for code and tests.
    """
    reason = clean_reason(reason)
    plan = staff_requests_plan(acting_user=acting_user, kind=kind, status=status)
    out = checked_out_path(out)
    return write_registered_export(
        acting_user=acting_user,
        out=out,
        write=plan.write,
        content=plan.content,
        file_format=plan.file_format,
        reason=reason,
        fields=plan.fields,
    )


def staff_requests_plan(*, acting_user, kind: str | None, status: str | None) -> ExportPlan:
    """The 納付書再発行エクセル as an export plan: checked now, written when the file is made."""
    if not (acting_user.has_perm(VIEW_STAFF_REQUESTS) and acting_user.has_perm(EXPORT_PERMISSION)):
        raise PermissionDenied("職員への依頼を出力する権限がありません。")
    if kind is not None and kind not in StaffRequestKind.values:
        raise ExportError(f"依頼の種類が正しくありません: {kind}")
    if status is not None and status not in StaffRequestStatus.values:
        raise ExportError(f"状態が正しくありません: {status}")
    written: set[str] = set()

    def write(stream) -> int:
        rows = _export_rows(acting_user, kind, status, written)
        return write_xlsx(rows, HEADERS, stream, SHEET_TITLE, COLUMN_WIDTHS)

    return ExportPlan(
        content=_content(kind, status),
        file_name=export_file_name(),
        file_format="xlsx",
        write=write,
        fields=lambda: sorted(written),
    )


def _content(kind, status) -> str:
    what = StaffRequestKind(kind).label if kind else "納付書再発行・口座振替依頼書"
    state = StaffRequestStatus(status).label if status else "全件"
    return f"職員への依頼（{what}・{state}）{era_date(timezone.localdate())} Excel（xlsx）"


def _export_rows(acting_user, kind, status, written: set[str]) -> Iterator[list]:
    scope = scope_for(acting_user)
    types = list(scope.revenue_types) if scope else []
    owing = Installment.objects.filter(unpaid__gt=0).order_by("fiscal_year", "due_date", "period")
    accounts = Account.objects.filter(revenue_type__in=types).order_by("revenue_type", "case_no")
    requests = staff_requests_for(acting_user).select_related("obligor", "created_by")
    if kind:
        requests = requests.filter(kind=kind)
    if status:
        requests = requests.filter(status=status)
    requests = requests.prefetch_related(
        Prefetch("accounts", queryset=accounts.prefetch_related(Prefetch("installments", owing)))
    ).order_by("created_at", "pk")
    for request in requests:
        for account in request.accounts.all():
            allowed = visible_fields(acting_user, account.revenue_type)
            values = _row_values(request, account)
            row = []
            for alias, _header, _width, needs in LAYOUT:
                shown = all(name in allowed for name in needs)
                row.append(values[alias] if shown else None)
                if shown and alias not in _NOT_PERSONAL:
                    written.update(needs or (alias,))
            yield row


def _row_values(request: StaffRequest, account: Account) -> dict:
    obligor = request.obligor
    installments = list(account.installments.all())
    user = request.created_by
    return {
        "requested_on": timezone.localtime(request.created_at).date(),
        "kind": request.get_kind_display(),
        "revenue_type": REVENUE_TYPE_FILE_LABELS[account.revenue_type],
        "resident_no": obligor.resident_no,
        "case_no": account.case_no,
        "name": obligor.name,
        "postal_code": obligor.postal_code,
        "address": obligor.address,
        "address_extra": obligor.address_extra,
        "installments": "、".join(period_label(i.fiscal_year, i.period) for i in installments),
        "unpaid": sum(i.unpaid for i in installments),
        "requested_by": user.display_name or user.username,
        "note": request.note,
    }


def period_label(fiscal_year: int, period: str) -> str:
    """令和6年度 第3期 (or 令和6年度 随時)."""
    period_text = f"第{period}期" if period.isdigit() else period
    return f"{fiscal_year_label(fiscal_year)} {period_text}"


def export_file_name(now: dt.datetime | None = None) -> str:
    """The download's name: 納付書再発行依頼_20250430_1405.xlsx (no personal data in it)."""
    local = timezone.localtime(now or timezone.now())
    return f"納付書再発行依頼_{local:%Y%m%d_%H%M%S}.xlsx"
