from django.conf import settings
from django.db import models


class AccessAction(models.TextChoices):
    VIEW = "view", "閲覧"
    CREATE = "create", "登録"
    CHANGE = "change", "変更"
    DELETE = "delete", "削除"
    EXPORT = "export", "持出（出力）"
    PRINT = "print", "印刷"
    SEARCH = "search", "検索"
    LOGIN = "login", "ログイン"
    LOGOUT = "logout", "ログアウト"
    LOGIN_FAILED = "login_failed", "ログイン失敗"
    LOCKOUT = "lockout", "アカウントロック"
    MFA_ENROLLED = "mfa_enrolled", "二要素認証の登録"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("アクセスログは変更できません。")

    def delete(self):
        raise PermissionError("アクセスログは削除できません。")


class AccessLogEntry(models.Model):
    """One view, change, export, print or sign-in event. Append-only and hash-chained.

    ``content_hash`` covers this entry's fields; ``chain_hash`` covers the previous entry's
    chain_hash plus this content_hash, so editing or deleting any entry breaks every later
    link. Database triggers (migration 0002) refuse UPDATE and DELETE as well.
    """

    seq = models.PositiveBigIntegerField("通番", unique=True)
    at = models.DateTimeField("日時", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作者",
    )
    actor_username = models.CharField("操作者ID", max_length=150, blank=True)
    action = models.CharField("操作", max_length=20, choices=AccessAction.choices)
    object_type = models.CharField("対象の種類", max_length=100, blank=True)
    object_id = models.CharField("対象ID", max_length=64, blank=True)
    fields = models.JSONField("項目", default=list, blank=True)
    reason = models.CharField("理由", max_length=500, blank=True)
    ip_address = models.GenericIPAddressField("IPアドレス", null=True, blank=True)
    prev_hash = models.CharField("前の記録のハッシュ", max_length=64)
    content_hash = models.CharField("内容のハッシュ", max_length=64)
    chain_hash = models.CharField("連鎖ハッシュ", max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "アクセスログ"
        verbose_name_plural = "アクセスログ"
        ordering = ["-seq"]
        default_permissions = ("view",)
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor_username} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("アクセスログは変更できません。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("アクセスログは削除できません。")


class ChainHead(models.Model):
    """The newest link of the access-log chain; locked while an entry is appended.

    It also lets ``verify-log`` notice entries removed from the end of the chain.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"#{self.last_seq}"


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
