"""Reports (issue 7): yearly targets, and the daily and monthly reports a supervisor writes
remarks on and finalises. Figures are computed from the contacts (reports.kpis); a finalised
report keeps the figures it was finalised with and never changes again: a correction is a new
version, and both are kept.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from civicdesk.reports.choices import ReportKind, ReportStatus, TargetChannel

USER = settings.AUTH_USER_MODEL


class Target(models.Model):
    """予定コール・訪問数: a yearly target of one line (seed 000 §16), e.g. resident and light
    vehicle tax, 普通徴収, calls: 30,000."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度")
    label = models.CharField("区分", max_length=100)
    revenue_types = models.JSONField("税目・保険料")
    # Blank: every collection kind; otherwise resident-tax accounts of this kind only (other
    # revenue types of the line, e.g. light vehicle tax, are always 普通徴収).
    collection_kind = models.CharField("徴収区分", max_length=10, blank=True)
    channel = models.CharField("手段", max_length=10, choices=TargetChannel.choices)
    count = models.PositiveIntegerField("予定件数")
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "予定件数"
        verbose_name_plural = "予定件数"
        ordering = ["fiscal_year", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "fiscal_year", "label", "channel"],
                name="reports_target_line",
            )
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year}年度 {self.label} {self.get_channel_display()}"


class Report(models.Model):
    """One version of a daily (one day) or monthly (its first day) report."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    kind = models.CharField("種類", max_length=10, choices=ReportKind.choices)
    period = models.DateField("対象日（月報は月初）")
    version = models.PositiveSmallIntegerField("版", default=1)
    status = models.CharField(
        "状態", max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    remarks = models.TextField("所感・特記事項", blank=True)
    proposals = models.TextField("業務改善の提案", blank=True)
    # The figures as they were when the report was finalised (reports.kpis as JSON).
    figures = models.JSONField("確定時の数値", default=dict, blank=True)
    correction_reason = models.CharField("訂正の理由", max_length=200, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="作成者",
    )  # fmt: skip
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    finalised_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="確定者",
    )  # fmt: skip
    finalised_at = models.DateTimeField("確定日時", null=True, blank=True)

    class Meta:
        verbose_name = "業務報告書"
        verbose_name_plural = "業務報告書"
        ordering = ["-period", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "kind", "period", "version"], name="reports_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period} 第{self.version}版"

    def save(self, *args, **kwargs):
        # A finalised report is a record given to the municipality: nothing may change it,
        # whatever code path tries (services.reports makes a new version instead).
        if self.pk and Report.objects.filter(pk=self.pk, status=ReportStatus.FINAL).exists():
            raise ValidationError("確定した報告書は変更できません（訂正は新しい版で行います）。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status == ReportStatus.FINAL:
            raise ValidationError("確定した報告書は削除できません。")
        return super().delete(*args, **kwargs)
