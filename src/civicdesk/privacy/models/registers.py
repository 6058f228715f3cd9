"""The registers of personal data moving in and out: 受渡し (hand-overs) and 持出し (exports)."""

from django.conf import settings
from django.db import models


class HandOverDirection(models.TextChoices):
    RECEIVED = "received", "受領（自治体から）"
    DELIVERED = "delivered", "引渡し（自治体へ）"


class HandOverRecord(models.Model):
    """受渡し記録 (seed 000 §18(3)②): personal data handed between municipality and contractor."""

    direction = models.CharField("区分", max_length=10, choices=HandOverDirection.choices)
    content = models.CharField("個人情報の内容", max_length=200)
    file_name = models.CharField("ファイル名", max_length=255, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    count = models.PositiveIntegerField("件数")
    at = models.DateTimeField("受渡日時")
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="担当者",
    )
    receiver_confirmed_at = models.DateTimeField("受領確認日時", null=True, blank=True)
    receiver_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="受領確認者",
    )

    class Meta:
        verbose_name = "受渡し記録"
        verbose_name_plural = "受渡し記録"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.content}（{self.count}件）"


class ExportRecord(models.Model):
    """持出記録: every file with personal data that leaves the system (who, why, how many, hash)."""

    content = models.CharField("内容", max_length=200)
    file_name = models.CharField("ファイル名", max_length=255)
    file_format = models.CharField("形式", max_length=10)
    reason = models.CharField("理由", max_length=500)
    count = models.PositiveIntegerField("件数")
    sha256 = models.CharField("SHA-256", max_length=64)
    at = models.DateTimeField("出力日時")
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="出力者",
    )
    # A command run from the server shell without --user: which command, as which OS account.
    exported_by_system = models.CharField("出力者（コマンド）", max_length=100, blank=True)

    class Meta:
        verbose_name = "持出記録"
        verbose_name_plural = "持出記録"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.content}（{self.count}件）"
