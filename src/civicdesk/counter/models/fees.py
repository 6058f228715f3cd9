"""Fees and cash (seed 003 §6(1)③, §6(10)): the dated fee schedule, fee entries that are
never edited (a mistake is reversed with a reason), the day close (日計・精算) and the stock
of tamper-proof paper (改ざん防止用紙)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from civicdesk.counter.choices import FeeEntryKind, PaperMovementKind, PaymentKind, RequesterKind
from civicdesk.counter.models.base import AppendOnly


class Fee(models.Model):
    """A procedure's unit fee from a date (until the next row of the same procedure)."""

    procedure = models.ForeignKey(
        "counter.Procedure", on_delete=models.PROTECT, related_name="fees", verbose_name="手続"
    )
    valid_from = models.DateField("適用開始日")
    unit_fee = models.PositiveIntegerField("手数料（1通あたり・円）")
    exempt_requester_kinds = models.JSONField(
        "免除する請求者",
        default=list,
        blank=True,
        help_text="手数料を免除する請求者の種類（例: official = 公用）",
    )
    basis = models.CharField(
        "根拠", max_length=120, blank=True, help_text="条例・政令の条項や「市の定めによる」など"
    )

    class Meta:
        verbose_name = "手数料"
        verbose_name_plural = "手数料"
        ordering = ["procedure", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "valid_from"],
                name="counter_fee_unique_from",
                violation_error_message="この手続のこの日からの手数料は登録済みです。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.procedure} {self.unit_fee:,}円（{self.valid_from:%Y-%m-%d}〜）"

    def exempt_labels(self) -> list[str]:
        labels = dict(RequesterKind.choices)
        return [labels.get(kind, kind) for kind in self.exempt_requester_kinds]


class FeeEntry(AppendOnly):
    """One fee taken (収納) or reversed (取消). Never edited; the day's totals are sums."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    day = models.DateField("収納日")
    receipt_no = models.CharField("領収番号", max_length=20)
    kind = models.CharField(
        "種類", max_length=10, choices=FeeEntryKind.choices, default=FeeEntryKind.CHARGE
    )
    request = models.ForeignKey(
        "counter.Request",
        on_delete=models.SET_NULL,
        related_name="fee_entries",
        null=True,
        blank=True,
        verbose_name="請求",
    )
    ticket = models.ForeignKey(
        "counter.Ticket", on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    procedure = models.ForeignKey(
        "counter.Procedure", on_delete=models.PROTECT, related_name="+", verbose_name="手続"
    )
    quantity = models.SmallIntegerField(
        "通数", validators=[MinValueValidator(-99), MaxValueValidator(99)]
    )
    unit_fee = models.PositiveIntegerField("単価（円）")
    amount = models.IntegerField("金額（円）", help_text="取消は負の金額")
    payment_kind = models.CharField("納付方法", max_length=20, choices=PaymentKind.choices)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        related_name="reversal",
        null=True,
        blank=True,
        verbose_name="取り消した収納",
    )
    reason = models.CharField("理由", max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="担当者"
    )
    at = models.DateTimeField("日時")
    client_key = models.UUIDField("送信キー", null=True, blank=True, unique=True)

    class Meta:
        verbose_name = "手数料の収納"
        verbose_name_plural = "手数料の収納"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["municipality", "day"], name="counter_fee_day")]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "receipt_no"], name="counter_fee_unique_receipt"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="reversal") | models.Q(reverses__isnull=False),
                name="counter_fee_reversal_names_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_no} {self.amount:,}円"

    def clean(self) -> None:
        if self.kind == FeeEntryKind.REVERSAL and not (self.reason or "").strip():
            raise ValidationError({"reason": "取消の理由を入力してください。"})


class ReceiptSequence(models.Model):
    """The last receipt number per municipality and day, incremented in one statement
    (INSERT … ON CONFLICT DO UPDATE … RETURNING) as the ticket numbers are."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "day"], name="counter_receipt_sequence_unique_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.last_number}"


class DayClose(models.Model):
    """The day's cash-up (日計・精算): expected and counted cash, the difference and its reason,
    confirmed by a staff member. Once it exists, that day's fees cannot change."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    day = models.DateField("日付")
    expected = models.JSONField("納付方法ごとの収納額", default=dict)
    denominations = models.JSONField("金種ごとの枚数", default=dict)
    counted_cash = models.IntegerField("現金の実査額")
    difference = models.IntegerField("過不足", help_text="実査額 − 現金の収納額")
    reason = models.CharField("過不足の理由", max_length=200, blank=True)
    entries = models.PositiveIntegerField("件数")
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="精算者"
    )
    closed_at = models.DateTimeField("精算日時")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="確認した職員",
    )
    confirmed_at = models.DateTimeField("確認日時", null=True, blank=True)

    class Meta:
        verbose_name = "日計・精算"
        verbose_name_plural = "日計・精算"
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "day"],
                name="counter_dayclose_unique_day",
                violation_error_message="この日の精算は済んでいます。",
            )
        ]
        permissions = [("confirm_dayclose", "日計・精算を確認する")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} 精算"


class PaperMovement(AppendOnly):
    """Sheets of tamper-proof paper in (受入) or out (使用, 書損), or a count's adjustment."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    day = models.DateField("日付")
    kind = models.CharField("種類", max_length=10, choices=PaperMovementKind.choices)
    sheets = models.IntegerField("枚数", help_text="在庫への増減（使用・書損は負）")
    request = models.ForeignKey(
        "counter.Request",
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    note = models.CharField("備考", max_length=200, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("日時")

    class Meta:
        verbose_name = "改ざん防止用紙の受払"
        verbose_name_plural = "改ざん防止用紙の受払"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["municipality", "day"], name="counter_paper_day")]
