"""Choices of the SMS app (names from GLOSSARY.md: SMS催告 = sms, 受信拒否 = opt-out)."""

from __future__ import annotations

from django.db import models


class SmsBatchStatus(models.TextChoices):
    QUEUED = "queued", "送信待ち"
    SENDING = "sending", "送信中"
    # The sms calendar closed while messages were left, or only retries later than a minute
    # are left: the batch goes on by itself at next_run_at.
    WAITING = "waiting", "待機中（送信時間外・再送待ち）"
    PAUSED = "paused", "一時停止"
    CANCELLED = "cancelled", "中止"
    DONE = "done", "完了"


# A worker may take a batch in these states (a paused or ended batch waits for a person).
RUNNABLE_BATCH_STATUSES = (SmsBatchStatus.QUEUED, SmsBatchStatus.SENDING, SmsBatchStatus.WAITING)
ENDED_BATCH_STATUSES = (SmsBatchStatus.CANCELLED, SmsBatchStatus.DONE)


class SmsMessageStatus(models.TextChoices):
    QUEUED = "queued", "送信待ち"
    # Handed to the provider and no answer recorded yet. Found so after a crash, the message is
    # "in doubt": resent with the same idempotency key only to a provider that deduplicates.
    SENDING = "sending", "送信中"
    RETRY = "retry", "再送待ち（一時的なエラー）"
    SENT = "sent", "送信済み"
    DELIVERED = "delivered", "配信済み"
    FAILED = "failed", "失敗"
    # Perhaps sent: a provider that cannot deduplicate gave no answer, or a receipt said so.
    UNKNOWN = "unknown", "不明（要確認）"
    CANCELLED = "cancelled", "取消（未送信）"


# Still to be handed to the provider (a cancelled batch turns these into CANCELLED).
PENDING_MESSAGE_STATUSES = (SmsMessageStatus.QUEUED, SmsMessageStatus.RETRY)
# Accepted by the provider at some point: each of these is a contact in the history.
SENT_MESSAGE_STATUSES = (SmsMessageStatus.SENT, SmsMessageStatus.DELIVERED)


class ReceiptStatus(models.TextChoices):
    """What a delivery receipt (配信結果) says."""

    DELIVERED = "delivered", "配信済み"
    FAILED = "failed", "失敗"
    UNKNOWN = "unknown", "不明"


class OptOutSource(models.TextChoices):
    REPLY = "reply", "返信（停止ワード）"
    STAFF = "staff", "職員・センターの登録"


class Provider(models.TextChoices):
    CONSOLE = "console", "コンソール（開発用: 画面に表示）"
    FILE = "file", "ファイル（送信箱: JSON Lines）"
    HTTP = "http", "HTTP（汎用 JSON REST）"
    TWILIO = "twilio", "Twilio"
