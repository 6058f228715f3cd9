"""Reservations (交付予約) and the card call center's calls (別紙④ 第2条(1) ア–オ)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from civicdesk.cards.choices import CallType, Channel, ReservationStatus


class Reservation(models.Model):
    target = models.ForeignKey(
        "cards.CardTarget",
        on_delete=models.CASCADE,
        related_name="reservations",
        verbose_name="交付対象者",
    )
    slot = models.ForeignKey(
        "cards.Slot", on_delete=models.PROTECT, related_name="reservations", verbose_name="予約枠"
    )
    channel = models.CharField("経路", max_length=10, choices=Channel.choices)
    status = models.CharField(
        "状況", max_length=10, choices=ReservationStatus.choices, default=ReservationStatus.BOOKED
    )
    # Only for a reminder, and only if the resident leaves one (別紙⑥ 1(1)③).
    contact_email = models.EmailField("連絡先メール", blank=True)
    contact_phone = models.CharField("連絡先電話", max_length=20, blank=True)
    booked_at = models.DateTimeField("予約日時", default=timezone.now)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="受付者",
        help_text="空欄は区民本人（WEB予約）",
    )
    ended_at = models.DateTimeField("取消・来場・不来場の日時", null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="取消・確認者",
    )

    class Meta:
        verbose_name = "交付予約"
        verbose_name_plural = "交付予約"
        ordering = ["slot__starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["target"],
                condition=Q(status="booked"),
                name="cards_one_active_reservation",
                violation_error_message="この方にはすでに予約があります。",
            )
        ]
        indexes = [models.Index(fields=["slot", "status"], name="cards_reservation_slot")]

    def __str__(self) -> str:
        return f"{self.target} {self.slot}"


class CardCall(models.Model):
    """One call to (or from) the card call center, with its type ア–オ."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    at = models.DateTimeField("日時", default=timezone.now)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="オペレータ",
    )
    call_type = models.CharField("通話の種別", max_length=2, choices=CallType.choices)
    channel = models.CharField(
        "経路", max_length=10, choices=Channel.choices, default=Channel.PHONE
    )
    target = models.ForeignKey(
        "cards.CardTarget",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name="交付対象者",
    )
    note = models.CharField("応対メモ", max_length=500, blank=True)

    class Meta:
        verbose_name = "コールセンター受電"
        verbose_name_plural = "コールセンター受電"
        ordering = ["-at"]
        indexes = [models.Index(fields=["municipality", "at"], name="cards_call_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_call_type_display()}"
