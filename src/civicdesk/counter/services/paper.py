"""Tamper-proof paper (改ざん防止用紙, seed 003 §5(4)): every sheet in or out is one
append-only movement, and the stock is their sum.

Received (受入) adds sheets; a certificate issued uses one sheet per copy (使用, written by
``requests.issue_request``); spoiled sheets (書損) go out with a reason; a count (棚卸) writes
the adjustment that brings the sum to the sheets counted (0 when they agree, so the count
itself is on record). Paper holds no personal data: nothing here is access-logged.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from civicdesk.core.calendar import TOKYO
from civicdesk.counter.choices import PaperMovementKind
from civicdesk.counter.models import PaperMovement, Request
from civicdesk.counter.selectors import fees as selectors

NOTE_MAX = PaperMovement._meta.get_field("note").max_length
MAX_SHEETS = 100_000


class PaperError(ValidationError):
    """A paper movement refused (message in Japanese)."""


def _require(user) -> int | None:
    if not selectors.may_record_paper(user):
        raise PermissionDenied("改ざん防止用紙の受払を記録する権限がありません。")
    return selectors.municipality_id_for(user)


def _sheets(value, field: str = "sheets", *, allow_zero: bool = False) -> int:
    low = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_SHEETS:
        raise PaperError({field: f"枚数は{low}〜{MAX_SHEETS:,}の整数で入力してください。"})
    return value


def _note(note: str, *, required: str = "") -> str:
    note = (note or "").strip()
    if required and not note:
        raise PaperError({"note": required})
    if len(note) > NOTE_MAX:
        raise PaperError({"note": f"備考は{NOTE_MAX}文字以内で入力してください。"})
    return note


def _write(acting_user, municipality_id, kind, sheets, *, note="", request=None, at=None):
    at = at or timezone.now()
    return PaperMovement.objects.create(
        municipality_id=municipality_id,
        day=at.astimezone(TOKYO).date(),
        kind=kind,
        sheets=sheets,
        request=request,
        note=note,
        user=acting_user,
        at=at,
    )


def receive_paper(
    *, acting_user, sheets: int, note: str = "", at: dt.datetime | None = None
) -> PaperMovement:
    """受入: sheets delivered to the counter (e.g. 1 ream of 500)."""
    municipality_id = _require(acting_user)
    sheets = _sheets(sheets)
    note = _note(note)
    with transaction.atomic():
        return _write(
            acting_user, municipality_id, PaperMovementKind.RECEIVED, sheets, note=note, at=at
        )


def spoil_paper(
    *,
    acting_user,
    sheets: int,
    note: str,
    request: Request | None = None,
    at: dt.datetime | None = None,
) -> PaperMovement:
    """書損: sheets misprinted or torn, with the reason."""
    municipality_id = _require(acting_user)
    sheets = _sheets(sheets)
    note = _note(note, required="書損の理由を入力してください（例: 印字ずれ）。")
    if request is not None and request.municipality_id != municipality_id:
        raise PaperError("請求が見つかりません。")
    with transaction.atomic():
        return _write(
            acting_user,
            municipality_id,
            PaperMovementKind.SPOILED,
            -sheets,
            note=note,
            request=request,
            at=at,
        )


def count_paper(
    *, acting_user, counted: int, note: str = "", at: dt.datetime | None = None
) -> PaperMovement:
    """棚卸: the sheets counted on the shelf; the row written is the difference from the
    recorded stock, so the stock equals the count afterwards."""
    municipality_id = _require(acting_user)
    counted = _sheets(counted, "counted", allow_zero=True)
    with transaction.atomic():
        # Movements are only appended: the stock read inside the transaction is the one
        # the adjustment corrects (SQLite writes one at a time; PostgreSQL: a concurrent use
        # between read and write is a sheet the next count finds).
        stock = selectors.paper_stock(municipality_id)
        difference = counted - stock
        note = _note(note) or f"棚卸 {counted:,}枚（記録上 {stock:,}枚）"
        return _write(
            acting_user, municipality_id, PaperMovementKind.COUNTED, difference, note=note, at=at
        )


def use_for_request(
    *, acting_user, request: Request, at: dt.datetime | None = None
) -> PaperMovement:
    """使用: one sheet per copy of an issued certificate (called by issue_request, inside its
    transaction; the issuing user need not hold the paper permission)."""
    return _write(
        acting_user,
        request.municipality_id,
        PaperMovementKind.USED,
        -request.quantity,
        note=f"{request.procedure.name} {request.quantity}通",
        request=request,
        at=at,
    )
