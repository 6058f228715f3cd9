"""Choices of card issuance (seed 004), names from GLOSSARY.md."""

from django.db import models


class CardReason(models.TextChoices):
    """Why a card is issued: a first card or a replacement (the ward's file says which)."""

    NEW = "new", "新規"
    REISSUE = "reissue", "再交付"


class TargetStatus(models.TextChoices):
    """Where a card target (交付対象者) stands on the way to the card in hand."""

    NOTICE_RECEIVED = "notice_received", "交付通知書受領"
    MAILED = "mailed", "発送済"
    RESERVED = "reserved", "予約済"
    ISSUED = "issued", "交付済"
    UNCOLLECTED = "uncollected", "未受領"
    NOTICE_REISSUED = "notice_reissued", "通知再発行"
    MOVED_OUT = "moved_out", "転出"
    FAILED = "failed", "交付不可"


# A target in one of these can no longer book: the card is out of the contractor's hands.
CLOSED_TARGET_STATUSES = frozenset(
    {TargetStatus.ISSUED, TargetStatus.MOVED_OUT, TargetStatus.FAILED}
)


class CardState(models.TextChoices):
    """Where the card itself is (別紙⑥ 2(1)③: received = the sum sent to the venues)."""

    NOT_RECEIVED = "not_received", "未着"
    IN_STOCK = "in_stock", "事務センター保管"
    IN_TRANSIT = "in_transit", "会場へ送付中"
    AT_VENUE = "at_venue", "会場保管"
    ISSUED = "issued", "交付済"
    RETURNED = "returned", "区へ返却"
    FAILED = "failed", "交付不可"


class Channel(models.TextChoices):
    """How a reservation was made; each has its own seats in a slot."""

    WEB = "web", "WEB"
    PHONE = "phone", "コールセンター"
    FAX = "fax", "FAX"
    INTERNAL = "internal", "区職員"


class SeatPool(models.TextChoices):
    """The capacity a channel draws from: the call center and FAX share one pool."""

    WEB = "web", "WEB"
    PHONE = "phone", "コールセンター・FAX"
    INTERNAL = "internal", "区職員"


POOL_OF_CHANNEL = {
    Channel.WEB: SeatPool.WEB,
    Channel.PHONE: SeatPool.PHONE,
    Channel.FAX: SeatPool.PHONE,
    Channel.INTERNAL: SeatPool.INTERNAL,
}


class ReservationStatus(models.TextChoices):
    BOOKED = "booked", "予約中"
    CANCELLED = "cancelled", "取消"
    ATTENDED = "attended", "来場"
    NO_SHOW = "no_show", "不来場"


class CallType(models.TextChoices):
    """別紙④ 第2条(1) ア–オ: what a call to the card call center was about."""

    APPLICATION = "a", "ア 申請に関する問合せ"
    ISSUANCE = "i", "イ 交付に関する問合せ"
    RENEWAL = "u", "ウ カード・電子証明書更新に関する問合せ"
    OPINION = "e", "エ 申請・交付等に関するご意見"
    OTHER = "o", "オ マイナンバー制度全般に関する問合せ"


class TargetEventKind(models.TextChoices):
    IMPORTED = "imported", "取込"
    MAILED = "mailed", "発送"
    RESERVED = "reserved", "予約"
    CHANGED = "changed", "予約変更"
    CANCELLED = "cancelled", "予約取消"
    CARD_RECEIVED = "card_received", "カード受領"
    TRANSFERRED = "transferred", "会場へ送付"
    ARRIVED = "arrived", "会場で受領"
    ISSUED = "issued", "交付"
    RETURNED = "returned", "区へ返却"
    FAILED = "failed", "交付不可"
    NO_SHOW = "no_show", "不来場"
    UNCOLLECTED = "uncollected", "未受領"
    NOTICE_REISSUED = "notice_reissued", "通知再発行"
    MOVED_OUT = "moved_out", "転出"
    LOOKED_UP = "looked_up", "氏名・生年月日で検索"


class MailingKind(models.TextChoices):
    """別紙③: the explanatory letter with the notice (1) and the reissue postcard (3)."""

    LETTER = "letter", "交付説明文書"
    REISSUE_POSTCARD = "reissue_postcard", "再発行用交付通知書（ハガキ）"


class DisclosureGround(models.TextChoices):
    """別紙④ 第7条 第1項 (1)–(4): the only grounds on which a recording may leave."""

    CONSENT = "consent", "(1) 本人の同意"
    CRIMINAL_PROCEDURE = "criminal_procedure", "(2) 刑事訴訟法第197条第2項に基づく照会（公文書）"
    LEGAL_REQUEST = "legal_request", "(3) 法令の規定に基づく文書による請求"
    URGENT_DANGER = "urgent_danger", "(4) 生命・身体・財産に対する緊急の危険"


class DisclosureStatus(models.TextChoices):
    REQUESTED = "requested", "承認待ち"
    APPROVED = "approved", "承認済"
    REJECTED = "rejected", "却下"
    HANDED_OVER = "handed_over", "提供済（報告待ち）"
    REPORTED = "reported", "報告済"
