"""Card targets (交付対象者) imported from the ward's file, and their events.

A target holds what the work needs and no more (別紙⑥ 1(1)①): the 予約管理番号 printed on
the notice, name and kana (ledgers, the call center), birth date (the web sign-in and the
identity check), the address (its 町丁目 decides the venue) and the reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from civicdesk.cards.choices import CardReason, CardState, TargetEventKind, TargetStatus
from civicdesk.cards.models.base import AppendOnly


class TargetImport(models.Model):
    """One card-target file taken in whole (交付通知書の受領)."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    file_name = models.CharField("ファイル名", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    row_count = models.PositiveIntegerField("件数")
    notices_received = models.PositiveIntegerField(
        "交付通知書の受領件数", help_text="区から受け取った交付通知書の枚数（数えた数）"
    )
    imported_at = models.DateTimeField("取込日時", default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="取込者",
    )

    class Meta:
        verbose_name = "交付対象者の取込"
        verbose_name_plural = "交付対象者の取込"
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.row_count}件）"


class CardTarget(models.Model):
    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    reservation_no = models.CharField("予約管理番号", max_length=20)
    name = models.CharField("氏名", max_length=100)
    kana = models.CharField("カナ氏名", max_length=100, blank=True)
    birth_date = models.DateField("生年月日")
    address = models.CharField("住所", max_length=200)
    area = models.ForeignKey(
        "cards.Area", on_delete=models.PROTECT, related_name="targets", verbose_name="町丁目"
    )
    venue = models.ForeignKey(
        "cards.Venue", on_delete=models.PROTECT, related_name="targets", verbose_name="交付会場"
    )
    reason = models.CharField("区分", max_length=10, choices=CardReason.choices)
    status = models.CharField(
        "状況", max_length=20, choices=TargetStatus.choices, default=TargetStatus.NOTICE_RECEIVED
    )
    card_state = models.CharField(
        "カードの所在", max_length=20, choices=CardState.choices, default=CardState.NOT_RECEIVED
    )
    failure_reason = models.CharField("交付不可の理由", max_length=200, blank=True)
    imported_in = models.ForeignKey(
        TargetImport, on_delete=models.PROTECT, related_name="targets", verbose_name="取込"
    )
    mailed_in = models.ForeignKey(
        "cards.Mailing",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="targets",
        verbose_name="発送（説明文書）",
    )
    reissued_in = models.ForeignKey(
        "cards.Mailing",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reissued_targets",
        verbose_name="再発行ハガキ",
    )
    card_receipt = models.ForeignKey(
        "cards.CardReceipt",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="targets",
        verbose_name="カード受領",
    )
    created_at = models.DateTimeField("登録日時", default=timezone.now)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "交付対象者"
        verbose_name_plural = "交付対象者"
        ordering = ["municipality", "reservation_no"]
        permissions = [("issue_card", "会場でカードを交付・返却・交付不可にできる")]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "reservation_no"],
                name="cards_target_reservation_no_unique",
                violation_error_message="この予約管理番号は登録済みです。",
            )
        ]
        indexes = [
            models.Index(fields=["municipality", "status"], name="cards_target_status"),
            models.Index(fields=["venue", "card_state"], name="cards_target_card_state"),
            models.Index(fields=["municipality", "birth_date"], name="cards_target_birth"),
        ]

    def __str__(self) -> str:
        return self.reservation_no


class TargetEvent(AppendOnly):
    """One step of a target (append-only): who did what, when, through which channel."""

    target = models.ForeignKey(
        CardTarget, on_delete=models.CASCADE, related_name="events", verbose_name="交付対象者"
    )
    kind = models.CharField("内容", max_length=20, choices=TargetEventKind.choices)
    at = models.DateTimeField("日時", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="担当者",
        help_text="空欄は区民本人（WEB予約）またはコマンド",
    )
    channel = models.CharField("経路", max_length=10, blank=True)
    venue = models.ForeignKey(
        "cards.Venue",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="会場",
    )
    note = models.CharField("備考", max_length=300, blank=True)

    class Meta:
        verbose_name = "交付対象者の記録"
        verbose_name_plural = "交付対象者の記録"
        ordering = ["target", "at", "pk"]
        indexes = [models.Index(fields=["kind", "at"], name="cards_event_kind_at")]

    def __str__(self) -> str:
        return f"{self.target} {self.get_kind_display()}"
