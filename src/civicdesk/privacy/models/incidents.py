"""Incidents (issue 8 §5).

An incident (事故: 漏えい・滅失・毀損, or the risk of one) is reported to the municipality at
once with its content, count, place and circumstances (seed 000 別紙1 第14条); the
contractor reports how it handles personal data every half-year (seed 000 §15(2), 別紙1
第11条). Neither holds residents' personal data: the records say what kind of data and how
many, never whose.
"""

from django.conf import settings
from django.db import models

__all__ = ["Incident", "IncidentStatus"]


class IncidentStatus(models.TextChoices):
    RECORDED = "recorded", "記録済み（未報告）"
    REPORTED = "reported", "自治体へ報告済み"
    CLOSED = "closed", "完了"


class Incident(models.Model):
    """One incident of the center, from its record to the municipality's closing."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    occurred_at = models.DateTimeField("発生日時")
    discovered_at = models.DateTimeField("発見日時")
    place = models.CharField("発生場所", max_length=200)
    content = models.TextField("事案の内容（個人情報の内容）")
    affected_count = models.PositiveIntegerField("件数（対象の人数・件数）")
    circumstances = models.TextField("発生状況")
    cause = models.TextField("原因", blank=True)
    measures = models.TextField("対応（被害拡大の防止・復旧）", blank=True)
    prevention = models.TextField("再発防止策", blank=True)
    status = models.CharField(
        "状態", max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.RECORDED
    )
    recorded_at = models.DateTimeField("記録日時")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="記録者"
    )
    updated_at = models.DateTimeField("最終更新日時")
    # The latest report (第N報): what was reported, frozen, so that a re-print shows it again.
    report_number = models.PositiveSmallIntegerField("報告の回数", default=0)
    reported_at = models.DateTimeField("報告日時", null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="報告者",
    )
    report_snapshot = models.JSONField("報告した内容", default=dict, blank=True)
    report_sha256 = models.CharField("報告書PDFのSHA-256", max_length=64, blank=True)
    closed_at = models.DateTimeField("完了日時", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="完了の確認者",
    )
    closing_note = models.TextField("完了の所見", blank=True)

    class Meta:
        verbose_name = "事故記録"
        verbose_name_plural = "事故記録"
        ordering = ["-occurred_at", "-pk"]
        # Records are kept: no delete. Closing is the municipality's decision (DESIGN rule 6).
        default_permissions = ("view", "add", "change")
        permissions = [("close_incident", "事故記録を完了にする")]
        indexes = [models.Index(fields=["municipality", "occurred_at"])]

    def __str__(self) -> str:
        return f"事故 No.{self.pk}（{self.get_status_display()}）"
