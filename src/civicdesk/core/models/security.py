"""Hardening (issue 8 §7): request counters shared by every worker, and the machine API's tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models

__all__ = ["ApiToken", "Integration", "RateCounter"]


class RateCounter(models.Model):
    """Requests counted for one key (e.g. ``login:203.0.113.5``) in one fixed window.

    In the database, not in a worker's memory: every gunicorn worker adds to the same row
    (one INSERT … ON CONFLICT DO UPDATE per request, core.ratelimit)."""

    key = models.CharField("キー", max_length=200)
    window_start = models.BigIntegerField("期間の開始（Unix 秒）")
    expires = models.BigIntegerField("期間の終了（Unix 秒）", db_index=True)
    count = models.PositiveIntegerField("回数", default=0)

    class Meta:
        verbose_name = "要求回数"
        verbose_name_plural = "要求回数"
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="ratecounter_key_window")
        ]

    def __str__(self) -> str:
        return f"{self.key} @{self.window_start}: {self.count}"


class Integration(models.TextChoices):
    PBX = "pbx", "PBX/CTI（受電通知）"
    SMS_RECEIPTS = "sms_receipts", "SMS 配信結果"
    CORE_IMPORT = "core_import", "基幹システム取込"


class ApiToken(models.Model):
    """A machine's key to one integration of /api/. Only the SHA-256 of the token is kept: the
    token itself is shown once, when it is made (civicdesk api-token create)."""

    name = models.CharField("名称", max_length=100)
    integration = models.CharField("連携", max_length=20, choices=Integration.choices)
    token_sha256 = models.CharField("トークンの SHA-256", max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作成者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Who made it when no user was named (the command and the OS account).
    created_by_name = models.CharField("作成者（表示名）", max_length=200, blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    last_used_at = models.DateTimeField("最終使用日時", null=True, blank=True)
    revoked_at = models.DateTimeField("失効日時", null=True, blank=True)

    class Meta:
        verbose_name = "API トークン"
        verbose_name_plural = "API トークン"
        ordering = ["integration", "name", "pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_integration_display()}）"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
