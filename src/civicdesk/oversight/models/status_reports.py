"""The semi-annual privacy report (issue 8 §5): the contractor reports how it handles personal
data every half-year (seed 000 §15(2), 別紙1 第11条). It holds counts, never whose data."""

from django.conf import settings
from django.db import models


class PrivacyStatusReport(models.Model):
    """個人情報の取扱状況報告 for one half-year (April–September or October–March).

    ``figures`` is the snapshot the PDF was made from: a re-print shows the same numbers even
    after later rows arrive. Making the report again gives a new version; all are kept.
    """

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    period_start = models.DateField("対象期間の開始日")
    period_end = models.DateField("対象期間の終了日")
    version = models.PositiveSmallIntegerField("版", default=1)
    generated_at = models.DateTimeField("作成日時")
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="作成者"
    )
    figures = models.JSONField("集計値")
    sha256 = models.CharField("PDFのSHA-256", max_length=64)

    class Meta:
        app_label = "privacy"
        verbose_name = "個人情報取扱状況報告"
        verbose_name_plural = "個人情報取扱状況報告"
        ordering = ["-period_start", "-version"]
        default_permissions = ("view", "add")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "period_start", "version"],
                name="privacy_status_report_version_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_start:%Y-%m}〜{self.period_end:%Y-%m} 第{self.version}版"
