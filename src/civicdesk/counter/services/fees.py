"""Fees (seed 003 §6(1)③, §6(10)): the unit fee from the dated schedule, taking a fee with a
receipt number, exemptions, reversals, and the cashier's settling of a ticket.

A fee entry is never edited: a mistake is a reversal (a negative entry naming the one it
cancels, with a reason). Receipt numbers run per municipality and Tokyo day ("20260610-0001")
from one INSERT … ON CONFLICT DO UPDATE … RETURNING on ReceiptSequence, as ticket numbers do:
no duplicates under concurrent cashiers, and no gaps, because a refused fee rolls its number
back with it. That same row is the day's lock: the day close takes it too, so a fee and the
close of its day never cross (once the day is closed, no fee of it can be taken or reversed).

Exemptions: the schedule row names the requester kinds it exempts (公用); such an entry is
taken as 免除 with amount 0 and the scheduled unit fee kept (the waived value is
quantity × unit fee). 公用 needs the requesting office. Fees hold no personal data.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from civicdesk.core.calendar import TOKYO
from civicdesk.core.japanese import era_date
from civicdesk.counter.choices import FeeEntryKind, PaymentKind, RequesterKind
from civicdesk.counter.models import Fee, FeeEntry, Procedure, ReceiptSequence, Request, Ticket
from civicdesk.counter.selectors import fees as selectors
from civicdesk.counter.selectors import requests as request_selectors
from civicdesk.counter.services import requests as request_services
from civicdesk.counter.services import tickets

REASON_MAX = FeeEntry._meta.get_field("reason").max_length
CLOSED = "{day}の精算（日計）は済んでいます。この日の手数料は収納・取消できません。"


class FeeError(ValidationError):
    """A fee refused (message in Japanese, keyed by field where there is one)."""


@dataclass(frozen=True)
class FeeQuote:
    """The schedule's answer for one procedure, day and requester kind."""

    fee: Fee
    unit_fee: int
    exempt: bool

    def amount(self, quantity: int) -> int:
        return 0 if self.exempt else self.unit_fee * quantity


def fee_for(procedure: Procedure, day: dt.date, requester_kind: str) -> FeeQuote:
    """The unit fee in force on ``day`` (the latest row from that day or before), and whether
    this requester kind is exempt. No row for the day is an error, never a 0 yen fee."""
    if not procedure.has_fee:
        raise FeeError(f"「{procedure.name}」は手数料のない手続です。")
    fee = (
        Fee.objects.filter(procedure=procedure, valid_from__lte=day).order_by("-valid_from").first()
    )
    if fee is None:
        raise FeeError(
            f"「{procedure.name}」の{era_date(day)}時点の手数料が登録されていません"
            "（手数料表に適用開始日の行を登録してください）。"
        )
    return FeeQuote(
        fee=fee, unit_fee=fee.unit_fee, exempt=requester_kind in (fee.exempt_requester_kinds or [])
    )


def take_fee(
    *,
    acting_user,
    payment_kind: str,
    procedure: Procedure | None = None,
    request: Request | None = None,
    quantity: int | None = None,
    requester_kind: str = RequesterKind.SELF,
    requesting_office: str = "",
    ticket: Ticket | None = None,
    client_key: uuid.UUID | None = None,
    at: dt.datetime | None = None,
) -> FeeEntry:
    """収納: one fee entry with the day's next receipt number. For a request, its procedure,
    copies, requester kind and office come from it (it must be ready to hand over and not
    paid yet); without one (a fee taken over the counter alone) they are given."""
    municipality_id = _require(acting_user)
    if client_key is not None:
        done = FeeEntry.objects.filter(client_key=client_key, municipality_id=municipality_id)
        if done.exists():
            return done.get()
    if request is not None:
        procedure, quantity, requester_kind, requesting_office, ticket = _from_request(
            request, municipality_id, procedure, quantity
        )
    if procedure is None or procedure.municipality_id != municipality_id:
        raise FeeError({"procedure": "手続が見つかりません。"})
    quantity = _quantity(quantity)
    payment_kind = _payment_kind(payment_kind)
    at = at or timezone.now()
    day = _day(at)
    quote = fee_for(procedure, day, requester_kind)
    payment_kind = _exemption(quote, requester_kind, requesting_office, payment_kind)
    with transaction.atomic():
        number = _next_receipt_number(municipality_id, day)
        _refuse_if_closed(municipality_id, day)
        if request is not None and selectors.is_paid(request):
            raise FeeError("この請求の手数料は収納済みです。")
        try:
            with transaction.atomic():
                return FeeEntry.objects.create(
                    municipality_id=municipality_id,
                    day=day,
                    receipt_no=receipt_no(day, number),
                    kind=FeeEntryKind.CHARGE,
                    request=request,
                    ticket=ticket,
                    procedure=procedure,
                    quantity=quantity,
                    unit_fee=quote.unit_fee,
                    amount=quote.amount(quantity),
                    payment_kind=payment_kind,
                    user=acting_user,
                    at=at,
                    client_key=client_key,
                )
        except IntegrityError:
            if client_key is None:
                raise
        # The same form sent twice at once: the other one took it (this number rolls back).
        transaction.set_rollback(True)
    return FeeEntry.objects.get(client_key=client_key)


def reverse_fee(
    *, acting_user, entry: FeeEntry, reason: str, at: dt.datetime | None = None
) -> FeeEntry:
    """取消: a negative entry cancelling ``entry`` on today's receipts, with its reason.
    Refused when either day (the entry's, today) is closed, and for an entry already
    reversed or itself a reversal."""
    municipality_id = _require(acting_user)
    reason = (reason or "").strip()
    if not reason:
        raise FeeError({"reason": "取消の理由を入力してください。"})
    if len(reason) > REASON_MAX:
        raise FeeError({"reason": f"取消の理由は{REASON_MAX}文字以内で入力してください。"})
    if entry.municipality_id != municipality_id:
        raise FeeError("収納の記録が見つかりません。")
    if entry.kind != FeeEntryKind.CHARGE:
        raise FeeError("取消の記録は取消できません。")
    at = at or timezone.now()
    day = _day(at)
    with transaction.atomic():
        for held in sorted({entry.day, day}):
            lock_day(municipality_id, held)
            _refuse_if_closed(municipality_id, held)
        if FeeEntry.objects.filter(reverses=entry).exists():
            raise FeeError(f"領収番号 {entry.receipt_no} は取消済みです。")
        number = _next_receipt_number(municipality_id, day)
        return FeeEntry.objects.create(
            municipality_id=municipality_id,
            day=day,
            receipt_no=receipt_no(day, number),
            kind=FeeEntryKind.REVERSAL,
            request_id=entry.request_id,
            ticket_id=entry.ticket_id,
            procedure_id=entry.procedure_id,
            quantity=-entry.quantity,
            unit_fee=entry.unit_fee,
            amount=-entry.amount,
            payment_kind=entry.payment_kind,
            reverses=entry,
            reason=reason,
            user=acting_user,
            at=at,
        )


def settle_requests(
    *,
    acting_user,
    requests: Sequence[Request],
    payment_kind: str,
    ticket: Ticket | None = None,
    client_key: uuid.UUID | None = None,
    at: dt.datetime | None = None,
) -> list[FeeEntry]:
    """The cashier's one action for a ticket (or a request by post): each request's fee taken
    (exempt ones as 免除), each request issued, the ticket done — all or nothing. A resent
    form (same ``client_key``) returns the entries of the first."""
    _require(acting_user)
    if not request_selectors.may_issue_requests(acting_user):
        raise PermissionDenied("交付を行う権限がありません。")
    if not requests:
        raise FeeError("会計で交付する請求がありません（承認済みの請求がありません）。")
    keys = [_entry_key(client_key, request) for request in requests]
    if client_key is not None:
        done = list(FeeEntry.objects.filter(client_key__in=keys).order_by("at", "id"))
        if done:
            return done
    at = at or timezone.now()
    entries = []
    with transaction.atomic():
        for request, key in zip(requests, keys, strict=True):
            if ticket is not None and request.ticket_id != ticket.pk:
                raise FeeError("この番号札の請求ではありません。")
            if request.procedure.has_fee:
                entries.append(
                    take_fee(
                        acting_user=acting_user,
                        request=request,
                        payment_kind=payment_kind,
                        client_key=key,
                        at=at,
                    )
                )
            request_services.issue_request(acting_user=acting_user, request=request, at=at)
        if ticket is not None:
            tickets.finish(acting_user=acting_user, ticket=ticket, at=at)
    return entries


def receipt_no(day: dt.date, number: int) -> str:
    return f"{day:%Y%m%d}-{number:04d}"


def lock_day(municipality_id: int | None, day: dt.date) -> None:
    """Hold the day's receipt row until the transaction ends (fees of the day and its close
    wait for each other): an upsert that changes nothing but locks the row."""
    _upsert(municipality_id, day, start=0, step=0)


# --- Helpers ----------------------------------------------------------------------------------


def _require(user) -> int | None:
    if not selectors.may_take_fees(user):
        raise PermissionDenied("手数料を収納・取消する権限がありません。")
    return selectors.municipality_id_for(user)


def _day(at: dt.datetime) -> dt.date:
    return at.astimezone(TOKYO).date()


def _from_request(request: Request, municipality_id, procedure, quantity):
    if request.municipality_id != municipality_id:
        raise FeeError("請求が見つかりません。")
    if procedure is not None and procedure.pk != request.procedure_id:
        raise FeeError({"procedure": "請求の手続と一致しません。"})
    request_services.ensure_issuable(request)
    return (
        request.procedure,
        request.quantity if quantity is None else quantity,
        request.requester_kind,
        request.requesting_office,
        request.ticket,
    )


def _quantity(quantity) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 99:
        raise FeeError({"quantity": "通数は1〜99の整数で入力してください。"})
    return quantity


def _payment_kind(payment_kind) -> str:
    if payment_kind not in PaymentKind.values:
        raise FeeError({"payment_kind": "納付方法を選んでください（現金・定額小為替・免除）。"})
    return payment_kind


def _exemption(quote: FeeQuote, requester_kind, requesting_office, payment_kind) -> str:
    """The payment kind the entry takes: 免除 exactly when the schedule exempts the requester."""
    if requester_kind == RequesterKind.OFFICIAL and not (requesting_office or "").strip():
        raise FeeError(
            {"requesting_office": "公用請求では請求機関（例: 〇〇税務署）を入力してください。"}
        )
    if quote.exempt:
        return PaymentKind.EXEMPT
    if payment_kind == PaymentKind.EXEMPT:
        label = (
            RequesterKind(requester_kind).label if requester_kind in RequesterKind.values else ""
        )
        raise FeeError(
            {"payment_kind": f"{label}の請求は手数料の免除対象ではありません（手数料表）。"}
        )
    return payment_kind


def _refuse_if_closed(municipality_id, day: dt.date) -> None:
    if selectors.is_day_closed(municipality_id, day):
        raise FeeError(CLOSED.format(day=era_date(day)))


def _next_receipt_number(municipality_id, day: dt.date) -> int:
    return _upsert(municipality_id, day, start=1, step=1)


def _upsert(municipality_id, day: dt.date, *, start: int, step: int) -> int:
    table = ReceiptSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (municipality_id, day, last_number) VALUES (%s, %s, %s) "
            f"ON CONFLICT (municipality_id, day) DO UPDATE SET last_number = "
            f"{table}.last_number + %s RETURNING last_number",
            [municipality_id, day, start, step],
        )
        return cursor.fetchone()[0]


def _entry_key(client_key: uuid.UUID | None, request: Request) -> uuid.UUID | None:
    # One form, several entries: each request's entry gets its own key derived from the form's.
    return uuid.uuid5(client_key, str(request.pk)) if client_key is not None else None


@dataclass(frozen=True)
class CashierLine:
    """One request at the cashier: its fee as the schedule has it today, or why none."""

    request: Request
    quote: FeeQuote | None
    error: str

    @property
    def amount(self) -> int:
        return self.quote.amount(self.request.quantity) if self.quote else 0


def cashier_lines(requests: Sequence[Request], day: dt.date) -> list[CashierLine]:
    """The fees the cashier form pre-fills (a procedure without fee: amount 0, no entry)."""
    lines = []
    for request in requests:
        if not request.procedure.has_fee:
            lines.append(CashierLine(request, None, ""))
            continue
        try:
            quote = fee_for(request.procedure, day, request.requester_kind)
        except FeeError as error:
            lines.append(CashierLine(request, None, " ".join(error.messages)))
        else:
            lines.append(CashierLine(request, quote, ""))
    return lines
