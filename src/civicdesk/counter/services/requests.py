"""Requests (交付請求・届出・申請) through intake, staff review and issue (seed 003 §6, §7).

    intake ─審査依頼→ review ─承認→ approved ─交付→ issued
      ↑                 └差戻し→ returned ─(intake corrected)→ review
    intake / returned / review / approved ─取下げ→ withdrawn

A clerk opens a request for the ticket at the counter (or, without a ticket, one that came by
post: 郵送, 公用), ticks the procedure's checklist (§6(1)① ア–エ, §6(3)① ア–ケ), checks an
agent's authority or a third party's documents (§7(1)) and sends it for review. Only a staff
member decides (§7(2)): 承認, or 差戻し with a reason. A procedure that needs review is issued
only once approved; one with a fee only once paid. A request records only the personal
items its procedure names, within the field policy's counter data set for its category;
anything else is refused. Every change is access-logged with the personal items it wrote.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.calendar import TOKYO
from civicdesk.counter.choices import RequesterKind, RequestStatus, ReviewDecision, TicketStatus
from civicdesk.counter.models import Procedure, Request, Review, Ticket
from civicdesk.counter.models.procedures import REQUEST_DATA_ITEMS
from civicdesk.counter.selectors import fees as fee_selectors
from civicdesk.counter.selectors import requests as selectors
from civicdesk.counter.services import paper, tickets

Status = RequestStatus

OFFICE_MAX = Request._meta.get_field("requesting_office").max_length
DOCUMENT_MAX = Request._meta.get_field("identity_document").max_length
REASON_MAX = Review._meta.get_field("reason").max_length
# Tickets whose holder is at a counter, so a request can be taken for them.
AT_COUNTER = frozenset({TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.PARKED})


class RequestError(ValidationError):
    """A request move refused (message in Japanese, keyed by field where there is one)."""


# --- Intake -------------------------------------------------------------------------------------


def open_request(
    *,
    acting_user,
    procedure: Procedure,
    requester_kind: str,
    ticket: Ticket | None = None,
    quantity: int = 1,
    checks: Iterable[str] = (),
    requesting_office: str = "",
    authority_checked: bool = False,
    identity_document: str = "",
    items: Mapping[str, str] | None = None,
    client_key: UUID | None = None,
    at: dt.datetime | None = None,
) -> Request:
    """受付: a new request for the ticket at the counter, or (no ticket) one by post.

    ``items`` are the personal items (requester_name, …): only those the procedure records.
    A resent form (same ``client_key``) returns the request it made the first time."""
    municipality_id = _require(acting_user, selectors.may_open_requests, "受付")
    if client_key is not None:
        done = Request.objects.filter(client_key=client_key, municipality_id=municipality_id)
        if done.exists():
            return done.get()
    if procedure.municipality_id != municipality_id:
        raise RequestError({"procedure": "手続が見つかりません。"})
    if not procedure.active:
        raise RequestError({"procedure": f"「{procedure.name}」は現在受け付けていません。"})
    values = _intake_values(
        procedure,
        requester_kind=requester_kind,
        quantity=quantity,
        checks=checks,
        requesting_office=requesting_office,
        authority_checked=authority_checked,
        identity_document=identity_document,
        items=items or {},
    )
    _check_ticket(ticket, municipality_id, requester_kind)
    at = at or timezone.now()
    with transaction.atomic():
        if ticket is not None and ticket.status == TicketStatus.CALLED:
            # The person called has come: their request is being taken.
            ticket = tickets.start_service(acting_user=acting_user, ticket=ticket, at=at)
        try:
            with transaction.atomic():
                request = Request.objects.create(
                    municipality_id=municipality_id,
                    ticket=ticket,
                    procedure=procedure,
                    day=at.astimezone(TOKYO).date(),
                    created_by=acting_user,
                    created_at=at,
                    client_key=client_key,
                    **values,
                )
        except IntegrityError:  # the same form sent twice at the same moment
            return Request.objects.get(client_key=client_key)
        _log(
            acting_user,
            AccessAction.CREATE,
            request,
            _filled(request),
            f"窓口の請求・届出の受付（{procedure.name}・{request.get_requester_kind_display()}）",
        )
    return request


def record_intake(
    *,
    acting_user,
    request: Request,
    requester_kind: str,
    quantity: int,
    checks: Iterable[str],
    requesting_office: str = "",
    authority_checked: bool = False,
    identity_document: str = "",
    items: Mapping[str, str] | None = None,
) -> Request:
    """The intake checks and items as they stand now (受付中, or 差戻し being corrected)."""
    _require(acting_user, selectors.may_open_requests, "受付内容の記録")
    values = _intake_values(
        request.procedure,
        requester_kind=requester_kind,
        quantity=quantity,
        checks=checks,
        requesting_office=requesting_office,
        authority_checked=authority_checked,
        identity_document=identity_document,
        items=items or {},
    )
    with transaction.atomic():
        request = _lock(request, acting_user)
        _refuse_unless(request, selectors.OPEN_STATUSES, "受付内容を変更")
        if request.ticket_id is None and values["requester_kind"] not in selectors.WITHOUT_TICKET:
            raise RequestError({"requester_kind": "番号札のない請求は郵送・公用だけ受け付けます。"})
        changed = [name for name, value in values.items() if getattr(request, name) != value]
        for name, value in values.items():
            setattr(request, name, value)
        request.save(update_fields=[*values])
        personal = [name for name in changed if name in REQUEST_DATA_ITEMS]
        _log(acting_user, AccessAction.CHANGE, request, personal, "受付内容の記録")
    return request


def _intake_values(
    procedure: Procedure,
    *,
    requester_kind,
    quantity,
    checks,
    requesting_office,
    authority_checked,
    identity_document,
    items: Mapping[str, str],
) -> dict:
    """The request's intake fields, checked: every problem at once, keyed by field."""
    errors: dict[str, str] = {}
    kinds = procedure.requester_kinds or []
    if requester_kind not in RequesterKind.values:
        errors["requester_kind"] = "請求者の種類を選んでください。"
    elif requester_kind not in kinds:
        accepted = "・".join(
            RequesterKind(kind).label for kind in kinds if kind in RequesterKind.values
        )
        errors["requester_kind"] = (
            f"「{procedure.name}」は{RequesterKind(requester_kind).label}の請求を受け付けません"
            f"（受付: {accepted}）。"
        )
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 99:
        errors["quantity"] = "通数は1〜99の整数で入力してください。"
    checks = list(dict.fromkeys(checks))
    unknown = [item for item in checks if item not in procedure.checklist]
    if unknown:
        errors["checks"] = "この手続の確認事項ではありません: " + "、".join(map(str, unknown))
    office = (requesting_office or "").strip()
    if requester_kind == RequesterKind.OFFICIAL and not office:
        errors["requesting_office"] = "公用請求では請求機関（例: 〇〇税務署）を入力してください。"
    if len(office) > OFFICE_MAX:
        errors["requesting_office"] = f"請求機関は{OFFICE_MAX}文字以内で入力してください。"
    document = (identity_document or "").strip()
    if len(document) > DOCUMENT_MAX:
        errors["identity_document"] = f"本人確認書類は{DOCUMENT_MAX}文字以内で入力してください。"
    personal = _personal_items(procedure, items, errors)
    if errors:
        raise RequestError(errors)
    return {
        "requester_kind": requester_kind,
        "quantity": quantity,
        "checks": [item for item in procedure.checklist if item in checks],
        "requesting_office": office if requester_kind == RequesterKind.OFFICIAL else "",
        "authority_checked": bool(authority_checked)
        and requester_kind in selectors.AUTHORITY_CHECK,
        "identity_document": document,
        **personal,
    }


def _personal_items(procedure: Procedure, items: Mapping[str, str], errors: dict) -> dict:
    """Every item the procedure records (blank when not given); anything else is refused:
    the field policy keeps a request to what its procedure needs."""
    recordable = selectors.recordable_items(procedure)
    refused = [name for name, value in items.items() if name not in recordable and value]
    if refused:
        labels = "、".join(REQUEST_DATA_ITEMS.get(name, str(name)) for name in refused)
        errors["items"] = (
            f"「{procedure.name}」では記録しない項目です（個人情報は必要最小限）: {labels}"
        )
    values = {}
    for name in recordable:
        value = (items.get(name) or "").strip()
        limit = Request._meta.get_field(name).max_length
        if len(value) > limit:
            errors[name] = f"{REQUEST_DATA_ITEMS[name]}は{limit}文字以内で入力してください。"
        values[name] = value
    return values


def _check_ticket(ticket: Ticket | None, municipality_id, requester_kind: str) -> None:
    if ticket is None:
        if requester_kind not in selectors.WITHOUT_TICKET:
            raise RequestError(
                {"requester_kind": "番号札のない請求は郵送・公用（郵送）だけ受け付けます。"}
            )
        return
    if ticket.queue.municipality_id != municipality_id:
        raise RequestError("番号札が見つかりません。")
    if ticket.status not in AT_COUNTER:
        raise RequestError(
            f"{ticket.label} は「{ticket.get_status_display()}」のため請求を受け付けられません"
            "（窓口で呼び出し中・対応中・保留中の番号札だけです）。"
        )


# --- Review ---------------------------------------------------------------------------------


def submit_for_review(*, acting_user, request: Request, at: dt.datetime | None = None) -> Request:
    """審査依頼: the intake is complete and the papers go to a staff member. The ticket waits
    for the decision (the counter is free for the next person)."""
    _require(acting_user, selectors.may_open_requests, "審査依頼")
    at = at or timezone.now()
    with transaction.atomic():
        request = _lock(request, acting_user)
        _refuse_unless(request, selectors.OPEN_STATUSES, "審査依頼")
        if not request.procedure.requires_review:
            raise RequestError(
                f"「{request.procedure.name}」は職員の審査が不要な手続です。そのまま交付してください。"
            )
        missing = selectors.missing_checks(request)
        if missing:
            raise RequestError(missing)
        request.status = Status.REVIEW
        request.review_requested_at = at
        request.save(update_fields=["status", "review_requested_at"])
        ticket = _ticket(request)
        if ticket is not None and ticket.status in {TicketStatus.CALLED, TicketStatus.SERVING}:
            tickets.request_review(acting_user=acting_user, ticket=ticket, at=at)
        _log(acting_user, AccessAction.CHANGE, request, [], selectors.SUBMIT_REASON)
    return request


def review_request(
    *,
    acting_user,
    request: Request,
    approved: bool,
    reason: str = "",
    at: dt.datetime | None = None,
) -> Review:
    """The staff's decision (§7(2)): 承認, or 差戻し with its reason. Refused to anyone
    without the review permission (a clerk prepares; the municipality decides)."""
    if not selectors.may_review_requests(acting_user):
        raise PermissionDenied(
            "審査（交付決定）は市の職員だけが行えます。窓口担当者は審査できません。"
        )
    reason = (reason or "").strip()
    if not approved and not reason:
        raise RequestError({"reason": "差戻しの理由を入力してください。"})
    if len(reason) > REASON_MAX:
        raise RequestError({"reason": f"理由は{REASON_MAX}文字以内で入力してください。"})
    at = at or timezone.now()
    with transaction.atomic():
        request = _lock(request, acting_user)
        _refuse_unless(request, {Status.REVIEW}, "審査")
        if request.created_by_id == acting_user.pk:
            raise PermissionDenied("自分で受け付けた請求は審査できません。")
        review = Review.objects.create(
            request=request,
            decision=ReviewDecision.APPROVED if approved else ReviewDecision.RETURNED,
            reason=reason,
            reviewer=acting_user,
            requested_at=selectors.submitted_at(request),
            at=at,
        )
        request.status = Status.APPROVED if approved else Status.RETURNED
        request.save(update_fields=["status"])
        _move_ticket_after_decision(acting_user, request, at, note=reason)
        _log(
            acting_user, AccessAction.CHANGE, request, [], f"審査: {review.get_decision_display()}"
        )
    return review


def _move_ticket_after_decision(acting_user, request: Request, at, *, note: str = "") -> None:
    """A ticket moves on its last pending decision: to pickup when every request of it was
    approved, back to the clerk when any was returned."""
    ticket = _ticket(request)
    if ticket is None or ticket.status != TicketStatus.REVIEW:
        return
    siblings = Request.objects.filter(ticket=ticket).exclude(status=Status.WITHDRAWN)
    if siblings.filter(status=Status.REVIEW).exists():
        return
    returned = siblings.filter(status__in=selectors.OPEN_STATUSES).exists()
    approved = siblings.filter(status=Status.APPROVED).exists()
    tickets.reviewed(
        acting_user=acting_user, ticket=ticket, approved=approved and not returned, note=note, at=at
    )


# --- Issue and withdrawal ---------------------------------------------------------------------


def ensure_issuable(request: Request) -> None:
    """Raises why the request cannot be handed over now (not approved, intake incomplete)."""
    if request.status == Status.APPROVED:
        return
    if request.status == Status.INTAKE and not request.procedure.requires_review:
        missing = selectors.missing_checks(request)
        if missing:
            raise RequestError(missing)
        return
    if request.procedure.requires_review and request.status in {
        Status.INTAKE,
        Status.RETURNED,
        Status.REVIEW,
    }:
        raise RequestError(
            f"「{request.procedure.name}」は職員の審査で承認されるまで交付できません"
            f"（現在: {request.get_status_display()}）。"
        )
    raise _not_now(request, "交付")


def issue_request(*, acting_user, request: Request, at: dt.datetime | None = None) -> Request:
    """交付: the certificate or papers handed over. Uses one sheet of tamper-proof paper per
    copy when the procedure prints on it."""
    _require(acting_user, selectors.may_issue_requests, "交付")
    at = at or timezone.now()
    with transaction.atomic():
        request = _lock(request, acting_user)
        ensure_issuable(request)
        if request.procedure.has_fee and not fee_selectors.is_paid(request):
            raise RequestError("手数料を収納していません。会計で収納してから交付してください。")
        request.status = Status.ISSUED
        request.issued_at = at
        request.save(update_fields=["status", "issued_at"])
        if request.procedure.uses_tamper_proof_paper:
            paper.use_for_request(acting_user=acting_user, request=request, at=at)
        _log(acting_user, AccessAction.CHANGE, request, [], "交付")
    return request


def withdraw_request(
    *, acting_user, request: Request, reason: str, at: dt.datetime | None = None
) -> Request:
    """取下げ: the person no longer asks (a fee already taken must be reversed first)."""
    _require(acting_user, selectors.may_issue_requests, "取下げ")
    reason = (reason or "").strip()
    if not reason:
        raise RequestError({"reason": "取下げの理由を入力してください。"})
    if len(reason) > REASON_MAX:
        raise RequestError({"reason": f"理由は{REASON_MAX}文字以内で入力してください。"})
    at = at or timezone.now()
    with transaction.atomic():
        request = _lock(request, acting_user)
        _refuse_unless(
            request, {*selectors.OPEN_STATUSES, Status.REVIEW, Status.APPROVED}, "取下げ"
        )
        if fee_selectors.is_paid(request):
            raise RequestError("手数料を収納済みです。収納を取消してから取下げてください。")
        was_in_review = request.status == Status.REVIEW
        request.status = Status.WITHDRAWN
        request.save(update_fields=["status"])
        if was_in_review:
            _move_ticket_after_decision(acting_user, request, at, note="取下げ")
        _log(acting_user, AccessAction.CHANGE, request, [], f"取下げ: {reason}")
    return request


# --- Helpers --------------------------------------------------------------------------------------


def _require(user, may, action: str) -> int | None:
    if not may(user):
        raise PermissionDenied(f"窓口の請求・届出の{action}を行う権限がありません。")
    return selectors.municipality_id_for(user)


def _lock(request: Request, acting_user) -> Request:
    locked = (
        Request.objects.select_for_update(of=("self",))
        .select_related("procedure", "ticket__queue")
        .filter(pk=request.pk, municipality_id=selectors.municipality_id_for(acting_user))
        .first()
    )
    if locked is None:
        raise RequestError("請求が見つかりません。")
    return locked


def _ticket(request: Request) -> Ticket | None:
    if request.ticket_id is None:
        return None
    return Ticket.objects.select_related("queue").get(pk=request.ticket_id)


def _refuse_unless(request: Request, allowed, action: str) -> None:
    if request.status not in allowed:
        raise _not_now(request, action)


def _not_now(request: Request, action: str) -> RequestError:
    return RequestError(f"この請求は「{request.get_status_display()}」のため{action}できません。")


def _filled(request: Request) -> list[str]:
    return [name for name in REQUEST_DATA_ITEMS if getattr(request, name)]


def _log(acting_user, action, request: Request, fields: list[str], reason: str) -> None:
    record_access(acting_user=acting_user, action=action, obj=request, fields=fields, reason=reason)
