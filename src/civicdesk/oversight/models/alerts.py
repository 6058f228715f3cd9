from django.conf import settings
from django.db import models


class AlertKind(models.TextChoices):
    CASES_PER_HOUR = "cases_per_hour", "一時間あたりの案件閲覧が多い"
    OUTSIDE_HOURS = "outside_hours", "業務時間外のアクセス"
    SEARCH_WITHOUT_CONTACT = "search_without_contact", "検索後に折衝記録なし"
    OUTSIDE_CAMPAIGNS = "outside_campaigns", "担当外の納付義務者の閲覧"


class AlertStatus(models.TextChoices):
    OPEN = "open", "未確認"
    REVIEWED = "reviewed", "確認済み"


class AccessAlert(models.Model):
    """One unusual pattern of one user on one Tokyo day, found in the access log (issue 8 §6).

    ``detail`` carries counts, times and access-log 通番 only: the inbox must not spread the
    personal data it watches over. Analysing a day again updates the row; a review stays.
    """

    day = models.DateField("対象日")
    kind = models.CharField("種類", max_length=30, choices=AlertKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="利用者",
    )
    count = models.PositiveIntegerField("件数")
    detail = models.CharField("内容", max_length=1000)
    status = models.CharField(
        "状態", max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="確認者",
    )
    reviewed_at = models.DateTimeField("確認日時", null=True, blank=True)
    review_note = models.TextField("確認内容", blank=True)
    created_at = models.DateTimeField("検知日時", auto_now_add=True)

    class Meta:
        app_label = "privacy"
        verbose_name = "アクセス点検アラート"
        verbose_name_plural = "アクセス点検アラート"
        ordering = ["-day", "kind", "pk"]
        # Written only by the analysis and the review service; read on the inbox pages.
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["day", "kind", "user"], name="privacy_accessalert_once_per_day"
            )
        ]
        indexes = [models.Index(fields=["status", "-day"], name="privacy_alert_inbox")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()}（{self.count}件）"
