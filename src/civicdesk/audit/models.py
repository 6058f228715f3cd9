"""The access log: one hash-chained, append-only entry per view, change, export, print or
sign-in event.

The models keep the app label ``privacy`` (their tables, migrations and permission names date
from when the log lived there; docs/adr/0016).
"""

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
        app_label = "privacy"
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
        app_label = "privacy"
        default_permissions = ()

    def __str__(self) -> str:
        return f"#{self.last_seq}"
