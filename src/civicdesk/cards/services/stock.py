"""Cards on the move (別紙⑥ 2(1)③, 別紙③ 2): cards received from the ward into the center's
stock, transfers from the stock to a venue with the delivery ledger (各会場送付台帳), the
venue's receipt of a transfer, and the venue desk: issue, return to the ward, failure.

A card's place is ``CardTarget.card_state``: 未着 → 事務センター保管 (received) → 会場へ送付中
(transferred) → 会場保管 (arrived) → 交付済 / 区へ返却 / 交付不可. Every step writes the
target's event; the events at a venue are what the venue day counts (services.venue_day).

A transfer carries personal data (the cards and the ledger) from the center to a venue: it is
entered in the hand-over register (受渡し記録, 別紙⑦ 第11条), and the venue's count is its
receipt. Each print of the ledger is an export (export register) and a PRINT in the access log.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.cards.choices import (
    CLOSED_TARGET_STATUSES,
    CardState,
    ReservationStatus,
    TargetEventKind,
    TargetStatus,
)
from civicdesk.cards.models import (
    Area,
    CardReceipt,
    CardTarget,
    Reservation,
    TargetEvent,
    VenueTransfer,
    VenueTransferItem,
)
from civicdesk.cards.selectors.logistics import ledger_layout
from civicdesk.core.calendar import TOKYO
from civicdesk.core.models import Municipality
from civicdesk.core.pdf import render_pdf
from civicdesk.core.tabular import ExportError
from civicdesk.privacy.models.registers import HandOverDirection
from civicdesk.privacy.services.export_register import record_export
from civicdesk.privacy.services.hand_overs import record_hand_over

RECORD_RECEIPT = "cards.add_cardreceipt"
TRANSFER = "cards.add_venuetransfer"
RECEIVE = "cards.change_venuetransfer"
ISSUE = "cards.issue_card"
VIEW_TARGETS = "cards.view_cardtarget"
BATCH = 10_000
MAX_COUNT = 100_000
NOTE_MAX = 300
LEDGER_FIELDS = ["reservation_no", "name", "address"]


class LedgerOrder(models.TextChoices):
    """The order of a delivery ledger's lines (別紙③ 2 ②: as staff find easiest to manage)."""

    RESERVATION_NO = "reservation_no", "予約管理番号順"
    AREA = "area", "町丁目順"
    BOOKING = "booking", "予約日時順"


def _may(user, *permissions: str) -> bool:
    if user is None:  # a command run from the server shell
        return True
    return bool(getattr(user, "is_authenticated", False)) and all(
        user.has_perm(permission) for permission in permissions
    )


def may_record_receipt(user) -> bool:
    return _may(user, RECORD_RECEIPT)


def may_transfer(user) -> bool:
    return _may(user, TRANSFER, VIEW_TARGETS)


def may_receive(user) -> bool:
    return _may(user, RECEIVE)


def may_print_ledger(user) -> bool:
    return _may(user, VIEW_TARGETS) and (_may(user, TRANSFER) or _may(user, RECEIVE))


def may_issue(user) -> bool:
    return _may(user, ISSUE, VIEW_TARGETS)


def _by(user):
    return user if getattr(user, "is_authenticated", False) else None


def _chunks(ids: list[int], size: int = BATCH):
    # SQLite limits the parameters of one statement (32,766 by default).
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _events(ids, kind, acting_user, at, *, venue_id=None, note: str = "") -> None:
    by = _by(acting_user)
    TargetEvent.objects.bulk_create(
        [
            TargetEvent(target_id=pk, kind=kind, at=at, by=by, venue_id=venue_id, note=note)
            for pk in ids
        ],
        batch_size=2_000,
    )


def _lock_municipality(municipality_id: int) -> None:
    # Numbers and stock are decided one operation at a time per municipality.
    Municipality.objects.select_for_update().filter(pk=municipality_id).first()


def _clean_numbers(reservation_nos) -> list[str]:
    return [str(number).strip() for number in reservation_nos or [] if str(number).strip()]


def _count(value, field: str, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise ValidationError({field: f"{label}は0〜{MAX_COUNT:,}の整数で入力してください。"})
    return value


# --- Cards received from the ward ----------------------------------------------------------


def record_card_receipt(
    *,
    acting_user,
    municipality,
    received_on: dt.date,
    declared_count: int,
    reservation_nos: list[str],
    note: str = "",
) -> CardReceipt:
    """Cards received from the ward: each named target's card goes into the center's stock
    (event CARD_RECEIVED). Unknown, repeated or already received numbers are refused by
    position; a declared count different from the cards named is recorded and shown."""
    if not may_record_receipt(acting_user):
        raise PermissionDenied("カードの受領を記録する権限がありません。")
    municipality_id = getattr(municipality, "pk", municipality)
    declared_count = _count(declared_count, "declared_count", "送付書の枚数")
    numbers = _clean_numbers(reservation_nos)
    now = timezone.now()
    if received_on > now.astimezone(TOKYO).date():
        raise ValidationError({"received_on": "受領日に未来の日付は指定できません。"})
    if not numbers:
        raise ValidationError(
            {"reservation_nos": "受領したカードの予約管理番号を入力してください。"}
        )
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": f"備考は{NOTE_MAX}文字以内で入力してください。"})
    with transaction.atomic():
        _lock_municipality(municipality_id)
        found = _targets_by_number(municipality_id, numbers)
        errors = []
        seen: set[str] = set()
        for position, number in enumerate(numbers, start=1):
            target = found.get(number)
            if number in seen:
                errors.append(f"{position}件目: 予約管理番号「{number}」が重複しています。")
            elif target is None:
                errors.append(f"{position}件目: 予約管理番号「{number}」は登録されていません。")
            elif target.card_state != CardState.NOT_RECEIVED:
                errors.append(
                    f"{position}件目: 予約管理番号「{number}」のカードは受領済みです"
                    f"（{target.get_card_state_display()}）。"
                )
            seen.add(number)
        if errors:
            raise ValidationError({"reservation_nos": errors})
        receipt = CardReceipt.objects.create(
            municipality_id=municipality_id,
            received_on=received_on,
            declared_count=declared_count,
            recorded_at=now,
            recorded_by=acting_user,
            note=note,
        )
        ids = [found[number].pk for number in numbers]
        for chunk in _chunks(ids):
            CardTarget.objects.filter(pk__in=chunk).update(
                card_state=CardState.IN_STOCK, card_receipt=receipt, updated_at=now
            )
        _events(ids, TargetEventKind.CARD_RECEIVED, acting_user, now, note=f"受領 {received_on}")
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=receipt,
            fields=["reservation_no"],
            reason=f"カード受領 {len(ids)}枚（送付書 {declared_count}枚）",
        )
    return receipt


def _targets_by_number(municipality_id: int, numbers: list[str]) -> dict[str, CardTarget]:
    found: dict[str, CardTarget] = {}
    unique = list(dict.fromkeys(numbers))
    for start in range(0, len(unique), BATCH):
        rows = CardTarget.objects.select_for_update(of=("self",)).filter(
            municipality_id=municipality_id, reservation_no__in=unique[start : start + BATCH]
        )
        found.update((target.reservation_no, target) for target in rows.select_related("venue"))
    return found


# --- Transfers to a venue ------------------------------------------------------------------


def transfer_to_venue(
    *,
    acting_user,
    venue,
    order: str = LedgerOrder.RESERVATION_NO,
    reservation_nos: list[str] | None = None,
    targets: list[CardTarget] | None = None,
    count: int | None = None,
) -> VenueTransfer:
    """Send cards from the stock to ``venue``: the cards named (``reservation_nos`` or
    ``targets``), or the
    first ``count`` of the venue's stock in the ledger's order, or (neither) all of it.
    Only cards in stock of the venue's own targets; never more than the stock. The ledger's
    lines follow ``order``; the cards go 会場へ送付中 (event TRANSFERRED) and the transfer is
    entered in the hand-over register."""
    if not may_transfer(acting_user):
        raise PermissionDenied("会場への送付を行う権限がありません。")
    if order not in LedgerOrder.values:
        raise ValidationError({"order": "台帳の並び順を選んでください。"})
    numbers = _clean_numbers(reservation_nos) + [t.reservation_no for t in targets or []]
    now = timezone.now()
    with transaction.atomic():
        _lock_municipality(venue.municipality_id)
        stock = CardTarget.objects.filter(venue=venue, card_state=CardState.IN_STOCK)
        in_stock = stock.count()
        if numbers:
            chosen = _named_for_transfer(venue, numbers, in_stock)
        else:
            if count is not None:
                count = _count(count, "count", "枚数")
            wanted = in_stock if count is None else count
            if wanted > in_stock:
                raise ValidationError(
                    {"count": f"在庫を超えています（{venue.short_name}の在庫 {in_stock}枚）。"}
                )
            chosen = _ordered(list(stock), order)[:wanted]
        if not chosen:
            raise ValidationError(
                {"__all__": f"{venue.short_name}へ送付できるカードがありません。"}
            )
        chosen = _ordered(chosen, order)
        transfer = _create_transfer(acting_user, venue, order, chosen, now)
    return transfer


def _named_for_transfer(venue, numbers: list[str], in_stock: int) -> list[CardTarget]:
    errors = []
    if len(set(numbers)) > in_stock:
        errors.append(f"在庫を超えています（{venue.short_name}の在庫 {in_stock}枚）。")
    found = _targets_by_number(venue.municipality_id, numbers)
    seen: set[str] = set()
    for position, number in enumerate(numbers, start=1):
        target = found.get(number)
        if number in seen:
            errors.append(f"{position}件目: 予約管理番号「{number}」が重複しています。")
        elif target is None:
            errors.append(f"{position}件目: 予約管理番号「{number}」は登録されていません。")
        elif target.venue_id != venue.pk:
            errors.append(
                f"{position}件目: 予約管理番号「{number}」は会場が違います"
                f"（{target.venue.short_name}）。"
            )
        elif target.card_state != CardState.IN_STOCK:
            errors.append(
                f"{position}件目: 予約管理番号「{number}」のカードは在庫にありません"
                f"（{target.get_card_state_display()}）。"
            )
        seen.add(number)
    if errors:
        raise ValidationError({"reservation_nos": errors})
    return [found[number] for number in dict.fromkeys(numbers)]


def _ordered(targets: list[CardTarget], order: str) -> list[CardTarget]:
    if order == LedgerOrder.AREA:
        area_ids = {target.area_id for target in targets}
        sort_orders = dict(Area.objects.filter(pk__in=area_ids).values_list("pk", "sort_order"))
        return sorted(
            targets, key=lambda t: (sort_orders[t.area_id], t.area_id, t.address, t.reservation_no)
        )
    if order == LedgerOrder.BOOKING:
        starts = _booked_starts([t.pk for t in targets])
        far = dt.datetime.max.replace(tzinfo=dt.UTC)
        return sorted(targets, key=lambda t: (starts.get(t.pk) or far, t.reservation_no))
    return sorted(targets, key=lambda t: t.reservation_no)


def _booked_starts(ids: list[int]) -> dict[int, dt.datetime]:
    starts: dict[int, dt.datetime] = {}
    for chunk in _chunks(ids):
        starts.update(
            Reservation.objects.filter(target_id__in=chunk, status=ReservationStatus.BOOKED)
            .values_list("target_id", "slot__starts_at")
            .iterator()
        )
    return starts


def _create_transfer(acting_user, venue, order, targets, now) -> VenueTransfer:
    last = VenueTransfer.objects.filter(municipality_id=venue.municipality_id).aggregate(
        last=Max("number")
    )["last"]
    number = (last or 0) + 1
    hand_over = record_hand_over(
        acting_user=acting_user,
        direction=HandOverDirection.DELIVERED,
        content=f"個人番号カード・各会場送付台帳（送付 No.{number}）",
        count=len(targets),
        at=now,
        receiver=f"{venue.name}（交付会場）",
        note=f"{venue.short_name}へ{len(targets)}枚送付（{LedgerOrder(order).label}）",
    )
    transfer = VenueTransfer.objects.create(
        municipality_id=venue.municipality_id,
        venue=venue,
        number=number,
        card_count=len(targets),
        ledger_order=order,
        sent_at=now,
        sent_by=acting_user,
        hand_over=hand_over,
    )
    VenueTransferItem.objects.bulk_create(
        [
            VenueTransferItem(transfer=transfer, target_id=target.pk, position=position)
            for position, target in enumerate(targets, start=1)
        ],
        batch_size=2_000,
    )
    ids = [target.pk for target in targets]
    for chunk in _chunks(ids):
        CardTarget.objects.filter(pk__in=chunk, card_state=CardState.IN_STOCK).update(
            card_state=CardState.IN_TRANSIT, updated_at=now
        )
    _events(
        ids, TargetEventKind.TRANSFERRED, acting_user, now, venue_id=venue.pk, note=f"No.{number}"
    )
    return transfer


def receive_transfer(*, acting_user, transfer: VenueTransfer, counted: int) -> VenueTransfer:
    """The venue counted the cards of a transfer: they are 会場保管 (event ARRIVED); a count
    other than the cards sent is recorded and shown as a difference. This is the receipt of
    the transfer's hand-over."""
    if not may_receive(acting_user):
        raise PermissionDenied("送付されたカードの受領を記録する権限がありません。")
    counted = _count(counted, "counted", "数えた枚数")
    now = timezone.now()
    with transaction.atomic():
        locked = (
            VenueTransfer.objects.select_for_update(of=("self",))
            .select_related("venue", "hand_over")
            .filter(pk=transfer.pk)
            .first()
        )
        if locked is None:
            raise ValidationError({"__all__": "送付が見つかりません。"})
        if locked.received_at is not None:
            raise ValidationError({"__all__": f"送付 No.{locked.number}は受領済みです。"})
        ids = list(
            CardTarget.objects.filter(
                transfer_items__transfer=locked, card_state=CardState.IN_TRANSIT
            ).values_list("pk", flat=True)
        )
        for chunk in _chunks(ids):
            CardTarget.objects.filter(pk__in=chunk).update(
                card_state=CardState.AT_VENUE, updated_at=now
            )
        _events(
            ids, TargetEventKind.ARRIVED, acting_user, now, venue_id=locked.venue_id,
            note=f"No.{locked.number}",
        )  # fmt: skip
        locked.received_at = now
        locked.received_by = _by(acting_user)
        locked.received_count = counted
        locked.save(update_fields=["received_at", "received_by", "received_count"])
        _confirm_hand_over(acting_user, locked, now)
        difference = counted - locked.card_count
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=locked,
            fields=["received_count"],
            reason=f"送付 No.{locked.number} 会場で受領 {counted}枚"
            + (f"（差異 {difference:+d}枚）" if difference else ""),
        )
    return locked


def _confirm_hand_over(acting_user, transfer: VenueTransfer, now) -> None:
    # The venue's count is the receipt (預り証) of the hand-over the transfer opened.
    hand_over = transfer.hand_over
    if hand_over is None or hand_over.receiver_confirmed_at is not None:
        return
    hand_over.receiver_confirmed_at = now
    hand_over.receiver_confirmed_by = _by(acting_user)
    hand_over.save(update_fields=["receiver_confirmed_at", "receiver_confirmed_by"])


# --- The delivery ledger -------------------------------------------------------------------


def ledger_pdf(*, acting_user, transfer: VenueTransfer, reason: str = "") -> bytes:
    """The delivery ledger (各会場送付台帳, 別紙③ 2) of a transfer: A4, one line per card in
    the transfer's order (row, 予約管理番号, 氏名, 住所), the total and signature boxes, then
    the same pages again marked 控え. Each print is an export and a PRINT in the access log."""
    if not may_print_ledger(acting_user):
        raise PermissionDenied("各会場送付台帳を印刷する権限がありません。")
    reason = (reason or "").strip() or f"各会場送付台帳 No.{transfer.number}の印刷"
    layout = ledger_layout(transfer)
    context = {
        "transfer": transfer,
        "venue": transfer.venue,
        "layout": layout,
        "copies": ["送付用", "控え"],
        "order_label": LedgerOrder(transfer.ledger_order).label
        if transfer.ledger_order in LedgerOrder.values
        else transfer.ledger_order,
        "printed_at": timezone.now(),
    }
    document = render_pdf("print/cards_ledger.html", context)
    with transaction.atomic():
        try:
            record_export(
                acting_user=acting_user,
                content=f"各会場送付台帳 No.{transfer.number}（{transfer.venue.short_name}）",
                file_name=f"cards-ledger-{transfer.number:05d}.pdf",
                file_format="pdf",
                reason=reason,
                count=len(layout.rows),
                sha256=hashlib.sha256(document).hexdigest(),
                fields=LEDGER_FIELDS,
                system_actor="civicdesk cards" if acting_user is None else "",
            )
        except ExportError as error:
            raise ValidationError({"reason": str(error)}) from None
        record_access(
            acting_user=acting_user,
            action=AccessAction.PRINT,
            obj=transfer,
            fields=LEDGER_FIELDS,
            reason=reason,
        )
    return document


# --- The venue desk ------------------------------------------------------------------------


def _locked_target(target: CardTarget) -> CardTarget:
    locked = CardTarget.objects.select_for_update().filter(pk=target.pk).first()
    if locked is None:
        raise ValidationError({"__all__": "交付対象者が見つかりません。"})
    return locked


def _at_venue(target: CardTarget) -> None:
    if target.card_state != CardState.AT_VENUE:
        raise ValidationError(
            {
                "__all__": f"予約管理番号「{target.reservation_no}」のカードは会場にありません"
                f"（{target.get_card_state_display()}）。"
            }
        )


def issue_card(*, acting_user, target: CardTarget, identity_checked: bool) -> CardTarget:
    """交付: the card at the venue is handed to the resident after the identity check; the
    active reservation, if any, becomes 来場."""
    if not may_issue(acting_user):
        raise PermissionDenied("カードを交付する権限がありません。")
    if identity_checked is not True:
        raise ValidationError({"identity_checked": "本人確認が済んでいません。"})
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_target(target)
        _at_venue(locked)
        if locked.status in CLOSED_TARGET_STATUSES:
            raise ValidationError(
                {
                    "__all__": f"{locked.get_status_display()}の方には交付できません"
                    "（区へ返却してください）。"
                }
            )
        locked.status = TargetStatus.ISSUED
        locked.card_state = CardState.ISSUED
        locked.save(update_fields=["status", "card_state", "updated_at"])
        Reservation.objects.filter(target=locked, status=ReservationStatus.BOOKED).update(
            status=ReservationStatus.ATTENDED, ended_at=now, ended_by=_by(acting_user)
        )
        _desk_event(acting_user, locked, TargetEventKind.ISSUED, now, "本人確認済")
    return locked


def return_card(*, acting_user, target: CardTarget, note: str = "") -> CardTarget:
    """区へ返却: the card at the venue goes back to the ward (not collected, moved out…)."""
    if not may_issue(acting_user):
        raise PermissionDenied("カードを返却する権限がありません。")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": f"備考は{NOTE_MAX}文字以内で入力してください。"})
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_target(target)
        _at_venue(locked)
        locked.card_state = CardState.RETURNED
        locked.save(update_fields=["card_state", "updated_at"])
        _desk_event(acting_user, locked, TargetEventKind.RETURNED, now, note)
    return locked


def fail_issue(*, acting_user, target: CardTarget, reason: str) -> CardTarget:
    """交付不可: the card at the venue cannot be issued (the reason is required)."""
    if not may_issue(acting_user):
        raise PermissionDenied("交付不可を記録する権限がありません。")
    reason = (reason or "").strip()
    limit = CardTarget._meta.get_field("failure_reason").max_length
    if not reason:
        raise ValidationError({"reason": "交付不可の理由を入力してください。"})
    if len(reason) > limit:
        raise ValidationError({"reason": f"交付不可の理由は{limit}文字以内で入力してください。"})
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_target(target)
        _at_venue(locked)
        locked.status = TargetStatus.FAILED
        locked.card_state = CardState.FAILED
        locked.failure_reason = reason
        locked.save(update_fields=["status", "card_state", "failure_reason", "updated_at"])
        _desk_event(acting_user, locked, TargetEventKind.FAILED, now, reason)
    return locked


def _desk_event(acting_user, target: CardTarget, kind, at, note: str) -> None:
    TargetEvent.objects.create(
        target=target, kind=kind, at=at, by=_by(acting_user), venue_id=target.venue_id, note=note
    )
    record_access(
        acting_user=acting_user,
        action=AccessAction.CHANGE,
        obj=target,
        fields=["status", "card_state"],
        reason=f"会場 {TargetEventKind(kind).label}",
    )
