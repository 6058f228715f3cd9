"""SMS reminders (SMS催告, issue 6): templates, batches and their messages, replies, opt-outs.

A batch is one send of one template to a campaign's people (one mobile number each). Every
message has an idempotency key made of (batch, obligor, phone): the unique constraint keeps one
row per key, and the provider receives the key so that a resend after a timeout, a 5xx or a
crashed worker never reaches the person twice (services.sending, ADR 0010).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from civicdesk.core.choices import RevenueType
from civicdesk.sms.choices import (
    OptOutSource,
    SmsBatchStatus,
    SmsMessageStatus,
)

USER = settings.AUTH_USER_MODEL


class SmsTemplate(models.Model):
    """本文テンプレート: one revenue type's SMS text with {変数}."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    name = models.CharField("テンプレート名", max_length=100)
    revenue_type = models.CharField("税目", max_length=20, choices=RevenueType.choices)
    body = models.TextField("本文")
    # Many municipalities send no name or amount by SMS (issue 6 §2): off unless staff say so.
    allows_personal_values = models.BooleanField("氏名・金額・納期限を本文に含める", default=False)
    is_active = models.BooleanField("使用する", default=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="作成者",
    )  # fmt: skip
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="更新者",
    )  # fmt: skip
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "SMS 本文テンプレート"
        verbose_name_plural = "SMS 本文テンプレート"
        ordering = ["revenue_type", "name", "pk"]
        permissions = [
            ("allow_personal_values", "SMS に氏名・未納額・納期限を含めることを許可する")
        ]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="sms_template_name")
        ]

    def __str__(self) -> str:
        return self.name


class SmsBatch(models.Model):
    """One send of a template to the people of an ``sms`` campaign."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    campaign = models.ForeignKey(
        "dunning.Campaign", on_delete=models.PROTECT, related_name="sms_batches",
        verbose_name="催告計画",
    )  # fmt: skip
    template = models.ForeignKey(
        SmsTemplate, on_delete=models.PROTECT, related_name="batches", verbose_name="テンプレート"
    )
    revenue_type = models.CharField("税目", max_length=20, choices=RevenueType.choices)
    # The template's text when the batch was made: later edits do not change a batch.
    body = models.TextField("本文（作成時）")
    provider = models.CharField("送信サービス", max_length=20)
    rate_per_second = models.PositiveSmallIntegerField("送信速度（通／秒）")
    status = models.CharField(
        "状態", max_length=10, choices=SmsBatchStatus.choices, default=SmsBatchStatus.QUEUED
    )
    total = models.PositiveIntegerField("通数", default=0)
    # Who was left out and why: {"no_mobile": N, "opted_out": N, "leased": N, "paced": N, …}.
    skipped = models.JSONField("対象外（件数）", default=dict, blank=True)
    reason = models.CharField("送信の理由", max_length=200, blank=True)
    # Why the batch stopped by itself (no sms calendar, the provider refused everything …).
    error = models.TextField("停止の理由", blank=True)
    # The sms calendar was closed: the batch goes on at this time (set while WAITING).
    next_run_at = models.DateTimeField("再開予定日時", null=True, blank=True)
    # One worker at a time: the one whose lease runs; a killed worker's lease simply expires.
    runner_until = models.DateTimeField("送信処理の担当期限", null=True, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="作成者",
    )  # fmt: skip
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    started_at = models.DateTimeField("送信開始日時", null=True, blank=True)
    finished_at = models.DateTimeField("完了日時", null=True, blank=True)
    status_changed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="一時停止・再開・中止の操作者",
    )  # fmt: skip

    class Meta:
        verbose_name = "SMS 送信"
        verbose_name_plural = "SMS 送信"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_run_at"], name="sms_batch_due")]

    def __str__(self) -> str:
        return f"SMS #{self.pk}（{self.total}通）"


class SmsMessage(models.Model):
    """One text to one person's mobile number in one batch."""

    batch = models.ForeignKey(
        SmsBatch, on_delete=models.CASCADE, related_name="messages", verbose_name="送信"
    )
    obligor = models.ForeignKey(
        "registry.Obligor", on_delete=models.CASCADE, related_name="sms_messages",
        verbose_name="納付義務者",
    )  # fmt: skip
    phone = models.ForeignKey(
        "registry.Phone", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="電話番号",
    )  # fmt: skip
    number = models.CharField("送信先（E.164）", max_length=16)
    # "b<batch>-o<obligor>-<hash of the number>": no personal value, unique per (batch,
    # obligor, phone), sent to the provider with every attempt.
    key = models.CharField("冪等キー", max_length=64, unique=True)
    work_item = models.ForeignKey(
        "dunning.WorkItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="案件",
    )  # fmt: skip
    account_ids = models.JSONField("対象の口座", default=list)
    text = models.TextField("本文")
    encoding = models.CharField("文字コード", max_length=5)
    segments = models.PositiveSmallIntegerField("分割数")
    status = models.CharField(
        "状態", max_length=10, choices=SmsMessageStatus.choices, default=SmsMessageStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField("送信試行回数", default=0)
    next_attempt_at = models.DateTimeField("次回送信可能日時", null=True, blank=True)
    provider_message_id = models.CharField(
        "送信サービスのメッセージ ID", max_length=100, blank=True
    )
    error_code = models.CharField("エラーコード", max_length=50, blank=True)
    error_reason = models.CharField("エラーの理由", max_length=500, blank=True)
    sent_at = models.DateTimeField("送信日時", null=True, blank=True)
    delivered_at = models.DateTimeField("配信日時", null=True, blank=True)
    contact = models.OneToOneField(
        "dunning.Contact", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="sms_message", verbose_name="折衝記録",
    )  # fmt: skip
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "SMS"
        verbose_name_plural = "SMS"
        ordering = ["batch", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "obligor", "number"], name="sms_message_once_per_key"
            )
        ]
        indexes = [
            models.Index(fields=["batch", "status", "next_attempt_at"], name="sms_message_due"),
            models.Index(fields=["provider_message_id"], name="sms_message_provider_id"),
            models.Index(fields=["number", "-sent_at"], name="sms_message_number"),
        ]

    def __str__(self) -> str:
        return f"SMS {self.key}"


class OptOut(models.Model):
    """受信拒否: a number that receives no SMS from this municipality."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    number = models.CharField("電話番号（E.164）", max_length=16)
    display = models.CharField("電話番号", max_length=20)
    source = models.CharField("登録の経緯", max_length=10, choices=OptOutSource.choices)
    reply = models.ForeignKey(
        "sms.SmsReply", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="返信",
    )  # fmt: skip
    note = models.CharField("備考", max_length=200, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="登録者",
    )  # fmt: skip
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    class Meta:
        verbose_name = "SMS 受信拒否"
        verbose_name_plural = "SMS 受信拒否"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "number"], name="sms_optout_number")
        ]

    def __str__(self) -> str:
        return self.display


class SmsReply(models.Model):
    """A text a person sent back: an inbound contact and a call-back task for an operator."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    number = models.CharField("送信元（E.164）", max_length=16)
    display = models.CharField("送信元", max_length=20)
    text = models.TextField("本文")
    received_at = models.DateTimeField("受信日時")
    provider_message_id = models.CharField(
        "送信サービスのメッセージ ID", max_length=100, blank=True
    )
    message = models.ForeignKey(
        SmsMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="replies",
        verbose_name="返信元の SMS",
    )  # fmt: skip
    obligor = models.ForeignKey(
        "registry.Obligor", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="sms_replies", verbose_name="納付義務者",
    )  # fmt: skip
    contact = models.OneToOneField(
        "dunning.Contact", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="sms_reply", verbose_name="折衝記録",
    )  # fmt: skip
    work_item = models.ForeignKey(
        "dunning.WorkItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="折返しの案件",
    )  # fmt: skip
    is_stop = models.BooleanField("停止ワード", default=False)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    class Meta:
        verbose_name = "SMS 返信"
        verbose_name_plural = "SMS 返信"
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="sms_reply_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.display} {self.received_at:%Y-%m-%d %H:%M}"
