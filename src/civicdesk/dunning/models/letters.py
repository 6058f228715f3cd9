"""Reminder letters (催告書): a batch is one PDF, one letter per page, plus a list in Excel.

Each letter is also a contact with channel ``letter`` (services.letters); the batch keeps the
files' hashes and how often they were printed again (every print is in the access log).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from civicdesk.core.choices import RevenueType
from civicdesk.dunning.choices import LetterBatchStatus, LetterSource

USER = settings.AUTH_USER_MODEL


class LetterBatch(models.Model):
    """One print run of reminder letters."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    source = models.CharField("対象", max_length=10, choices=LetterSource.choices)
    campaign = models.ForeignKey(
        "dunning.Campaign",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letter_batches",
        verbose_name="催告計画",
    )
    # For a batch by resident numbers: the one revenue type; empty for a campaign's batch.
    revenue_type = models.CharField("税目", max_length=20, choices=RevenueType.choices, blank=True)
    resident_nos = models.JSONField("指定した宛名番号", default=list, blank=True)
    status = models.CharField(
        "状態",
        max_length=10,
        choices=LetterBatchStatus.choices,
        default=LetterBatchStatus.PENDING,
    )
    letter_count = models.PositiveIntegerField("通数", default=0)
    page_count = models.PositiveIntegerField("ページ数", default=0)
    pdf_file = models.CharField("PDF ファイル", max_length=255, blank=True)
    pdf_sha256 = models.CharField("PDF の SHA-256", max_length=64, blank=True)
    list_file = models.CharField("一覧（Excel）ファイル", max_length=255, blank=True)
    list_sha256 = models.CharField("一覧の SHA-256", max_length=64, blank=True)
    print_count = models.PositiveIntegerField("印刷回数（再印刷を含む）", default=0)
    # Who was left out and why: {"leased": N, "paced": N, "nothing_unpaid": N} (shown on the
    # batch page and on the command's stderr).
    skipped = models.JSONField("対象外（件数）", default=dict, blank=True)
    reason = models.CharField("印刷の理由", max_length=200, blank=True)
    error = models.TextField("エラー", blank=True)
    created_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="作成者",
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    finished_at = models.DateTimeField("完了日時", null=True, blank=True)

    class Meta:
        verbose_name = "催告書の作成"
        verbose_name_plural = "催告書の作成"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"催告書 #{self.pk}（{self.letter_count}通）"


class ReminderLetter(models.Model):
    """One letter of a batch: one person, one revenue type, one page."""

    batch = models.ForeignKey(
        LetterBatch, on_delete=models.CASCADE, related_name="letters", verbose_name="作成"
    )
    obligor = models.ForeignKey(
        "registry.Obligor",
        on_delete=models.CASCADE,
        related_name="reminder_letters",
        verbose_name="納付義務者",
    )
    revenue_type = models.CharField("税目", max_length=20, choices=RevenueType.choices)
    contact = models.OneToOneField(
        "dunning.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminder_letter",
        verbose_name="折衝記録",
    )
    page = models.PositiveIntegerField("ページ")
    unpaid_total = models.BigIntegerField("未納額（作成時）")

    class Meta:
        verbose_name = "催告書"
        verbose_name_plural = "催告書"
        ordering = ["batch", "page"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "page"], name="dunning_letter_page")
        ]

    def __str__(self) -> str:
        return f"{self.batch} p.{self.page}"
