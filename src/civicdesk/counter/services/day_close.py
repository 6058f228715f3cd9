"""The day close (日計・精算, seed 003 §6(10)): what the day's entries say was taken, by payment
kind; the cash counted by denomination; the difference, with a reason whenever it is not 0;
one close per day, confirmed by a staff member who did not close it. From the close on, no
fee of that day can be taken or reversed (services.fees takes the same day lock).

The day-total sheet (日計表) is a PDF of the day's totals per procedure and payment kind,
the reversals with their reasons, and the close. It names the closer and the confirming
staff member, so printing it is access-logged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.calendar import TOKYO
from civicdesk.core.japanese import era_date
from civicdesk.core.models import Municipality
from civicdesk.core.pdf import render_pdf
from civicdesk.counter.choices import DENOMINATIONS, PaymentKind
from civicdesk.counter.models import DayClose
from civicdesk.counter.selectors import fees as selectors
from civicdesk.counter.services.fees import lock_day

REASON_MAX = DayClose._meta.get_field("reason").max_length
MAX_PIECES = 100_000
ALREADY_CLOSED = "{day}の精算は済んでいます（精算は1日1回です）。"


class DayCloseError(ValidationError):
    """A close or confirmation refused (message in Japanese)."""


def close_day(
    *,
    acting_user,
    day: dt.date,
    denominations: Mapping,
    reason: str = "",
    at: dt.datetime | None = None,
) -> DayClose:
    """精算: ``denominations`` maps a yen denomination (10000 … 1, as int or text) to the
    pieces counted. The expected amounts are summed from the day's entries under the day lock."""
    if not selectors.may_close_day(acting_user):
        raise PermissionDenied("日計・精算を行う権限がありません。")
    municipality_id = selectors.municipality_id_for(acting_user)
    at = at or timezone.now()
    if day > at.astimezone(TOKYO).date():
        raise DayCloseError({"day": "まだ来ていない日は精算できません。"})
    pieces = counted_pieces(denominations)
    counted = sum(value * count for value, count in pieces.items())
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise DayCloseError({"reason": f"理由は{REASON_MAX}文字以内で入力してください。"})
    with transaction.atomic():
        lock_day(municipality_id, day)
        if selectors.is_day_closed(municipality_id, day):
            raise DayCloseError(ALREADY_CLOSED.format(day=era_date(day)))
        totals = selectors.day_totals(municipality_id, day)
        difference = counted - totals.cash
        if difference and not reason:
            sign = "過剰" if difference > 0 else "不足"
            raise DayCloseError(
                {
                    "reason": f"現金が{abs(difference):,}円{sign}しています"
                    f"（実査 {counted:,}円・収納 {totals.cash:,}円）。"
                    "過不足の理由を入力してください。"
                }
            )
        try:
            with transaction.atomic():
                return DayClose.objects.create(
                    municipality_id=municipality_id,
                    day=day,
                    expected=dict(totals.amounts),
                    denominations={str(value): count for value, count in pieces.items()},
                    counted_cash=counted,
                    difference=difference,
                    reason=reason,
                    entries=totals.entries,
                    closed_by=acting_user,
                    closed_at=at,
                )
        except IntegrityError:
            raise DayCloseError(ALREADY_CLOSED.format(day=era_date(day))) from None


def counted_pieces(denominations: Mapping) -> dict[int, int]:
    """Every denomination (DENOMINATIONS order) with its count, 0 where none was given;
    refuses unknown denominations and counts that are not whole numbers ≥ 0."""
    pieces = dict.fromkeys(DENOMINATIONS, 0)
    errors = []
    for key, count in (denominations or {}).items():
        try:
            value = int(key)
        except (TypeError, ValueError):
            value = None
        if value not in pieces:
            errors.append(
                f"「{key}」は金種ではありません（{'・'.join(map(str, DENOMINATIONS))}円）。"
            )
            continue
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_PIECES:
            errors.append(f"{value:,}円の枚数は0〜{MAX_PIECES:,}の整数で入力してください。")
            continue
        pieces[value] = count
    if errors:
        raise DayCloseError({"denominations": errors})
    return pieces


def confirm_day_close(
    *, acting_user, day_close: DayClose, at: dt.datetime | None = None
) -> DayClose:
    """確認: a staff member confirms the close; never the one who closed it."""
    if not selectors.may_confirm_day_close(acting_user):
        raise PermissionDenied("日計・精算の確認は市の職員だけが行えます。")
    with transaction.atomic():
        locked = (
            DayClose.objects.select_for_update()
            .filter(pk=day_close.pk, municipality_id=selectors.municipality_id_for(acting_user))
            .first()
        )
        if locked is None:
            raise DayCloseError("精算が見つかりません。")
        if locked.confirmed_at is not None:
            raise DayCloseError(f"{era_date(locked.day)}の精算は確認済みです。")
        if locked.closed_by_id == acting_user.pk:
            raise DayCloseError("自分で行った精算は確認できません（別の職員が確認します）。")
        locked.confirmed_by = acting_user
        locked.confirmed_at = at or timezone.now()
        locked.save(update_fields=["confirmed_by", "confirmed_at"])
    return locked


def day_total_pdf(*, acting_user, day: dt.date) -> bytes:
    """The day-total sheet (日計表) of the user's municipality, closed or not (a sheet before
    the close says so)."""
    if not selectors.may_view_day_close(acting_user):
        raise PermissionDenied("日計表を印刷する権限がありません。")
    municipality_id = selectors.municipality_id_for(acting_user)
    totals = selectors.day_totals(municipality_id, day)
    close = selectors.day_close_for(municipality_id, day)
    context = {
        "municipality": Municipality.objects.filter(pk=municipality_id).first(),
        "day": day,
        "totals": totals,
        "close": close,
        "pieces": _pieces(close),
        "payment_kinds": PaymentKind,
        "printed_at": timezone.now(),
    }
    with transaction.atomic():
        document = render_pdf("print/counter_day_total.html", context)
        if close is not None:
            record_access(
                acting_user=acting_user,
                action=AccessAction.PRINT,
                obj=close,
                fields=["closed_by", "confirmed_by"],
                reason=f"日計表（{era_date(day)}）",
            )
    return document


def _pieces(close: DayClose | None) -> list[tuple[int, int, int]]:
    """(denomination, pieces, yen) in DENOMINATIONS order."""
    if close is None:
        return []
    counts = close.denominations or {}
    return [
        (value, counts.get(str(value), 0), value * counts.get(str(value), 0))
        for value in DENOMINATIONS
    ]
