"""Choices of the service counters (seed 003), names from GLOSSARY.md."""

from django.db import models


class CounterKind(models.TextChoices):
    """What a counter (窓口) is for: the clerks' windows or the cashier (会計)."""

    CLERK = "clerk", "窓口"
    CASHIER = "cashier", "会計"


class TicketStatus(models.TextChoices):
    """Where a ticket (番号札) stands; the events are the record, this is the current state."""

    WAITING = "waiting", "お待ち"
    CALLED = "called", "呼出中"
    SERVING = "serving", "対応中"
    PARKED = "parked", "保留"
    REVIEW = "review", "審査中"
    PICKUP = "pickup", "交付・会計待ち"
    DONE = "done", "完了"
    NO_SHOW = "no_show", "不在"


OPEN_TICKET_STATUSES = frozenset(
    {
        TicketStatus.WAITING,
        TicketStatus.CALLED,
        TicketStatus.SERVING,
        TicketStatus.PARKED,
        TicketStatus.REVIEW,
        TicketStatus.PICKUP,
    }
)


class TicketEventKind(models.TextChoices):
    """One change of a ticket (append-only); waits and service times are computed from these."""

    ISSUED = "issued", "発券"
    CALLED = "called", "呼出"
    RECALLED = "recalled", "再呼出"
    STARTED = "started", "対応開始"
    PARKED = "parked", "保留"
    RESUMED = "resumed", "保留解除"
    TRANSFERRED = "transferred", "転送"
    REVIEW_REQUESTED = "review_requested", "審査依頼"
    APPROVED = "approved", "承認"
    RETURNED = "returned", "差戻し"
    TO_PICKUP = "to_pickup", "交付・会計へ"
    PICKUP_CALLED = "pickup_called", "会計呼出"
    DONE = "done", "完了"
    NO_SHOW = "no_show", "不在"


class DisplayKind(models.TextChoices):
    WAITING_ROOM = "waiting_room", "待合表示"
    CASHIER = "cashier", "会計呼び出し"


class ProcedureCategory(models.TextChoices):
    """The kinds of work of seed 003 §6."""

    CERTIFICATE = "certificate", "各種証明書"
    SEAL = "seal", "印鑑登録"
    MOVE = "move", "住民異動"
    MY_NUMBER_CARD = "my_number_card", "個人番号カード"
    REBURIAL = "reburial", "改葬許可"
    PASSPORT = "passport", "旅券"
    VEHICLE_PERMIT = "vehicle_permit", "自動車臨時運行許可"
    NHI = "nhi", "国民健康保険"
    MEDICAL_AID = "medical_aid", "医療費給付"
    LATE_ELDERLY = "late_elderly", "後期高齢者医療"
    PENSION = "pension", "国民年金"
    OTHER = "other", "その他"


class RequesterKind(models.TextChoices):
    """Who asks (seed 003 §6(1), §7(1))."""

    SELF = "self", "本人"
    AGENT = "agent", "代理人"
    THIRD_PARTY = "third_party", "第三者"
    OFFICIAL = "official", "公用"
    POSTAL = "postal", "郵送"


class RequestStatus(models.TextChoices):
    INTAKE = "intake", "受付中"
    REVIEW = "review", "審査依頼中"
    RETURNED = "returned", "差戻し"
    APPROVED = "approved", "承認済（交付待ち）"
    ISSUED = "issued", "交付済"
    WITHDRAWN = "withdrawn", "取下げ"


class ReviewDecision(models.TextChoices):
    APPROVED = "approved", "承認"
    RETURNED = "returned", "差戻し"


class PaymentKind(models.TextChoices):
    CASH = "cash", "現金"
    POSTAL_ORDER = "postal_order", "定額小為替"
    EXEMPT = "exempt", "免除"


class FeeEntryKind(models.TextChoices):
    CHARGE = "charge", "収納"
    REVERSAL = "reversal", "取消"


class PaperMovementKind(models.TextChoices):
    """Tamper-proof paper (改ざん防止用紙): every sheet in or out is one row."""

    RECEIVED = "received", "受入"
    USED = "used", "使用"
    SPOILED = "spoiled", "書損"
    COUNTED = "counted", "棚卸調整"


class BookingChannel(models.TextChoices):
    PHONE = "phone", "電話"
    COUNTER = "counter", "窓口"


class BereavementStatus(models.TextChoices):
    RESERVED = "reserved", "予約"
    CHECKED_IN = "checked_in", "来庁"
    DONE = "done", "完了"
    CANCELLED = "cancelled", "取消"


# Yen denominations counted at the day close (日計・精算).
DENOMINATIONS = (10000, 5000, 2000, 1000, 500, 100, 50, 10, 5, 1)
