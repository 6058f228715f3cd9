"""Choices of the dunning center (names from GLOSSARY.md).

The contact channel and party are shared with the contacts export (layout 4) and live in
``core.choices``; they are re-exported here so that dunning code has one place to look.
"""

from __future__ import annotations

from django.db import models

from civicdesk.core.choices import ContactChannel, ContactParty

__all__ = [
    "CampaignChannel",
    "CampaignKind",
    "CampaignStatus",
    "ContactChannel",
    "ContactOutcome",
    "ContactParty",
    "HandOverReason",
    "HandOverStatus",
    "LetterBatchStatus",
    "LetterSource",
    "NoEffectReason",
    "NotResidingEvidence",
    "PriorityRule",
    "PromiseStatus",
    "StaffRequestKind",
    "StaffRequestStatus",
    "VisitResult",
    "WorkItemStatus",
]


class CampaignChannel(models.TextChoices):
    CALL = "call", "電話"
    VISIT = "visit", "訪問"
    LETTER = "letter", "文書"
    SMS = "sms", "SMS"


class CampaignKind(models.TextChoices):
    PLANNED = "planned", "計画"
    # One per municipality, made on first need: follow-ups of broken promises whose contact
    # belonged to no campaign (an inbound call) land here.
    FOLLOW_UP = "follow_up", "約束不履行フォロー（自動）"


class CampaignStatus(models.TextChoices):
    ACTIVE = "active", "実施中"
    PAUSED = "paused", "一時停止"
    CLOSED = "closed", "終了"


class PriorityRule(models.TextChoices):
    NEWEST_ARREARS = "newest_arrears", "新しい滞納から（納期限後の早期接触）"
    LARGEST_UNPAID = "largest_unpaid", "未納額の多い順"
    OLDEST_DUE = "oldest_due", "納期限の古い順"


class WorkItemStatus(models.TextChoices):
    OPEN = "open", "未完了"
    DONE = "done", "完了"
    NO_EFFECT = "no_effect", "効果なし"
    DROPPED = "dropped", "対象外（完納・条件外）"


class NoEffectReason(models.TextChoices):
    NO_PHONE = "no_phone", "電話番号不明・使用不可"
    MAX_ATTEMPTS = "max_attempts", "上限回数に達した（応答なし・不在）"


class ContactOutcome(models.TextChoices):
    # Reached (本人・家族・その他が応対)
    PROMISE = "promise", "納付約束"
    ALREADY_PAID = "already_paid", "納付済み"
    WILL_PAY = "will_pay", "納付予定（日付未定）"
    SLIP_REISSUE = "slip_reissue", "納付書再発行"
    ACCOUNT_TRANSFER_FORM = "account_transfer_form", "口座振替依頼書送付"
    INSTALLMENT_CONSULTATION = "installment_consultation", "分納相談"
    CALLBACK = "callback", "折返し・かけ直し"
    MESSAGE_LEFT = "message_left", "伝言依頼"
    REFUSAL = "refusal", "納付拒否"
    WRONG_NUMBER = "wrong_number", "番号違い（別人）"
    INQUIRY = "inquiry", "問合せ対応"
    OTHER = "other", "その他"
    # Not reached (不通)
    NO_ANSWER = "no_answer", "応答なし"
    BUSY = "busy", "話中"
    VOICEMAIL = "voicemail", "留守番電話"
    NOT_IN_SERVICE = "not_in_service", "現在使われていない番号"
    SENT = "sent", "送付・送信"
    # A text the person sent back to an SMS (sms.services.replies): an operator calls back.
    REPLIED = "replied", "SMS返信あり"
    # Visits (訪問): nobody met
    ABSENT = "absent", "不在（差し置き）"
    NOT_RESIDING = "not_residing", "居住実態なし"


# Outcomes possible when nobody answered; every other outcome needs someone on the line.
NOT_REACHED_OUTCOMES = frozenset(
    {
        ContactOutcome.NO_ANSWER,
        ContactOutcome.BUSY,
        ContactOutcome.VOICEMAIL,
        ContactOutcome.NOT_IN_SERVICE,
        ContactOutcome.SENT,
        ContactOutcome.REPLIED,
        ContactOutcome.ABSENT,
        ContactOutcome.NOT_RESIDING,
    }
)
# Outcomes only a visit can have, and the outcomes a visit may have when nobody was met.
VISIT_ONLY_OUTCOMES = frozenset({ContactOutcome.ABSENT, ContactOutcome.NOT_RESIDING})


# outcome → {"minutes": N, "other_time_of_day": bool}: when a call nobody answered is tried
# again. A campaign's retry_rules override per outcome; "other time of day" moves the retry to
# another band of the day (dunning.services.queue.retry_at).
DEFAULT_RETRY_RULES = {
    ContactOutcome.BUSY.value: {"minutes": 5, "other_time_of_day": False},
    ContactOutcome.NO_ANSWER.value: {"minutes": 60, "other_time_of_day": True},
    ContactOutcome.VOICEMAIL.value: {"minutes": 120, "other_time_of_day": True},
    # A visit that found nobody home: not again the same day, and at another time of day.
    ContactOutcome.ABSENT.value: {"minutes": 3 * 24 * 60, "other_time_of_day": True},
}


class HandOverReason(models.TextChoices):
    INSTALLMENT_CONSULTATION = "installment_consultation", "分納相談"
    HARDSHIP = "hardship", "納付困難"
    REFUND = "refund", "還付"
    DOUBLE_ENROLMENT = "double_enrolment", "二重加入疑義"
    NOT_RESIDING = "not_residing", "居住実態なし"
    COMPLAINT = "complaint", "苦情"
    URGENT = "urgent", "緊急"
    TRANSFER = "transfer", "転送"


class HandOverStatus(models.TextChoices):
    OPEN = "open", "未対応"
    ACCEPTED = "accepted", "受付済み"
    DONE = "done", "対応完了"
    RETURNED = "returned", "差戻し"


# A hand-over's target status → the statuses it may be reached from (staff decide).
HAND_OVER_TRANSITIONS = {
    HandOverStatus.ACCEPTED: {HandOverStatus.OPEN},
    HandOverStatus.DONE: {HandOverStatus.ACCEPTED},
    HandOverStatus.RETURNED: {HandOverStatus.OPEN, HandOverStatus.ACCEPTED},
}


class PromiseStatus(models.TextChoices):
    PENDING = "pending", "履行待ち"
    KEPT = "kept", "履行"
    PARTLY_KEPT = "partly_kept", "一部履行"
    BROKEN = "broken", "不履行"


class StaffRequestKind(models.TextChoices):
    SLIP_REISSUE = "slip_reissue", "納付書再発行"
    ACCOUNT_TRANSFER_FORM = "account_transfer_form", "口座振替依頼書送付"


class StaffRequestStatus(models.TextChoices):
    OPEN = "open", "未処理"
    DONE = "done", "処理済み"


class VisitResult(models.TextChoices):
    """Whom a visit met (seed 000 §8(1)②–⑤); the contact's party and outcome follow from it."""

    MET_SELF = "met_self", "本人に面会"
    MET_FAMILY = "met_family", "家族に面会"
    MET_OTHER = "met_other", "その他の人に面会"
    ABSENT = "absent", "不在（差し置き）"
    NOT_RESIDING = "not_residing", "居住実態なし"


class NotResidingEvidence(models.TextChoices):
    """What showed that the person does not live there (seed 000 §8(1)⑤)."""

    OTHER_NAMEPLATE = "other_nameplate", "ポスト・表札が別人"
    SOMEONE_ELSE_LIVES = "someone_else_lives", "別人が居住（同居の事実なし）"
    NO_BUILDING = "no_building", "建物なし"
    VACANT = "vacant", "空き家・空室"
    OTHER = "other", "その他"


class LetterSource(models.TextChoices):
    """Whom a reminder-letter batch is for."""

    CAMPAIGN = "campaign", "催告計画"
    RESIDENTS = "residents", "宛名番号の指定（個別）"


class LetterBatchStatus(models.TextChoices):
    PENDING = "pending", "作成待ち"
    RUNNING = "running", "作成中"
    DONE = "done", "作成済み"
    FAILED = "failed", "失敗"
