"""Purge plans and their verification (issue 8 §4, seed 004 別紙⑦ 第12条).

A plan states what seed 004 第12条 2 asks to be approved in advance: the items, the media, the
counts, the method and the planned date. Municipal staff approve it; the contractor executes
it (``civicdesk purge --plan ID --execute``), which fills in the certificate fields (第12条 5:
date and time, handler, what and how many); a verification then searches the database and the
files for what was purged.

What was purged is kept only as salted SHA-256 digests of the resident numbers and the
normalised names (privacy.purge): verification can recognise them, nobody can read them back.
"""

from django.conf import settings
from django.db import models

from civicdesk.core.choices import RevenueType

__all__ = ["PurgePlan", "PurgeScope", "PurgeStatus", "PurgeVerification"]

USER = settings.AUTH_USER_MODEL


class PurgeScope(models.TextChoices):
    # What a municipality asks for: everything when the contract ends, or one revenue type
    # when that type's work ends earlier (e.g. 国保 moves to another contractor).
    ALL = "all", "委託終了（自治体の個人情報すべて）"
    REVENUE_TYPE = "revenue_type", "税目・保険料ごと"


class PurgeStatus(models.TextChoices):
    DRAFT = "draft", "承認待ち"
    APPROVED = "approved", "承認済み"
    EXECUTED = "executed", "消去済み（検証待ち）"
    VERIFIED = "verified", "検証済み"


class PurgePlan(models.Model):
    """消去計画 and, once executed, its certificate (消去証明)."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    scope = models.CharField("範囲", max_length=20, choices=PurgeScope.choices)
    revenue_type = models.CharField("税目", max_length=20, choices=RevenueType.choices, blank=True)
    media = models.CharField("媒体名", max_length=200)
    method = models.CharField("消去の方法", max_length=500)
    planned_on = models.DateField("処理予定日")
    reason = models.CharField("理由", max_length=200)
    # item key → count when the plan was drafted (privacy.purge.ITEMS).
    planned_counts = models.JSONField("数量（計画時）", default=dict)
    status = models.CharField(
        "状態", max_length=10, choices=PurgeStatus.choices, default=PurgeStatus.DRAFT
    )
    drafted_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name="申請者"
    )
    drafted_at = models.DateTimeField("申請日時")
    approved_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="承認者",
    )  # fmt: skip
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)
    executed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="消去担当者",
    )  # fmt: skip
    # The command run without --user: which command, as which OS account.
    executed_by_system = models.CharField("消去担当者（コマンド）", max_length=100, blank=True)
    executed_at = models.DateTimeField("消去日時", null=True, blank=True)
    executed_counts = models.JSONField("数量（消去時）", default=dict, blank=True)
    # Salted digests of what was purged: hex salt, then sorted lists of hex digests, and the
    # lengths of the normalised values (verification slides windows of those lengths).
    salt = models.CharField("ソルト", max_length=64, blank=True, editable=False)
    number_digests = models.JSONField(default=list, blank=True, editable=False)
    name_digests = models.JSONField(default=list, blank=True, editable=False)
    name_lengths = models.JSONField(default=list, blank=True, editable=False)
    certificate_pdf = models.BinaryField("消去証明書（PDF）", blank=True, editable=False)
    certificate_sha256 = models.CharField("消去証明書の SHA-256", max_length=64, blank=True)

    class Meta:
        app_label = "privacy"
        verbose_name = "消去計画"
        verbose_name_plural = "消去計画"
        ordering = ["-drafted_at", "-pk"]
        default_permissions = ("view", "add")
        permissions = [
            ("approve_purgeplan", "消去計画を承認できる（自治体職員）"),
            ("execute_purgeplan", "承認済みの消去を実行・検証できる（受託者）"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(scope=PurgeScope.ALL, revenue_type="")
                    | (models.Q(scope=PurgeScope.REVENUE_TYPE) & ~models.Q(revenue_type=""))
                ),
                name="privacy_purge_scope_revenue_type",
            )
        ]

    def __str__(self) -> str:
        return f"消去計画 #{self.pk}（{self.get_status_display()}）"

    @property
    def scope_label(self) -> str:
        if self.scope == PurgeScope.REVENUE_TYPE:
            return f"{self.get_revenue_type_display()}（{self.get_scope_display()}）"
        return self.get_scope_display()

    @property
    def executed_by_name(self) -> str:
        if self.executed_by_id:
            user = self.executed_by
            return user.display_name or user.username
        return self.executed_by_system


class PurgeVerification(models.Model):
    """One search of the database and the files for what a plan purged.

    ``findings`` names places only (table, column and row id, or a file path) and whether a
    resident number or a name was found there — never the value.
    """

    plan = models.ForeignKey(
        PurgePlan, on_delete=models.PROTECT, related_name="verifications", verbose_name="消去計画"
    )
    at = models.DateTimeField("検証日時")
    by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="検証者",
    )  # fmt: skip
    by_system = models.CharField("検証者（コマンド）", max_length=100, blank=True)
    ok = models.BooleanField("残存なし")
    values_scanned = models.PositiveBigIntegerField("検索した値の数")
    files_scanned = models.PositiveIntegerField("検索したファイル数")
    findings = models.JSONField("検出", default=list, blank=True)
    # Same name in a remaining person's own name column: listed, not counted as left over.
    homonyms = models.JSONField("同姓同名（残っている別の人）", default=list, blank=True)

    class Meta:
        app_label = "privacy"
        verbose_name = "消去の検証"
        verbose_name_plural = "消去の検証"
        ordering = ["-at", "-pk"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.plan} 検証 {self.at:%Y-%m-%d %H:%M}"
