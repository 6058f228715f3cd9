"""The registers of personal data moving in and out: 受渡し (hand-overs) and 持出し (exports)."""

from django.conf import settings
from django.db import models


class HandOverDirection(models.TextChoices):
    RECEIVED = "received", "受領（自治体から）"
    DELIVERED = "delivered", "引渡し（自治体へ）"


class ReturnMethod(models.TextChoices):
    """How an exported file came back (seed 000 §18 持出・返却; seed 004 別紙⑦ 第12条)."""

    RETURNED = "returned", "返却"
    ERASED = "erased", "消去"


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
    # Outgoing files: the export they came from, who received them (the municipality's side).
    export_record = models.ForeignKey(
        "ExportRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hand_overs",
        verbose_name="持出記録",
    )
    receiver = models.CharField("受領者（所属・氏名）", max_length=100, blank=True)
    note = models.CharField("備考", max_length=500, blank=True)

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
    # The delivered file is a password-protected archive (sha256 and file_name are of it).
    encrypted = models.BooleanField("暗号化", default=False)
    # 返却確認 (seed 000 §18(3)③(さ)): the file came back or was erased, confirmed later.
    return_due_on = models.DateField("返却・消去の予定日", null=True, blank=True)
    returned_at = models.DateTimeField("返却確認日時", null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="返却確認者",
    )
    return_method = models.CharField(
        "返却・消去", max_length=10, choices=ReturnMethod.choices, blank=True
    )
    return_note = models.CharField("返却確認の備考", max_length=500, blank=True)

    class Meta:
        verbose_name = "持出記録"
        verbose_name_plural = "持出記録"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.content}（{self.count}件）"


class ExportRequestStatus(models.TextChoices):
    PENDING = "pending", "承認待ち"
    APPROVED = "approved", "承認済み"
    REJECTED = "rejected", "却下"
    EXPORTED = "exported", "出力済み"
    EXPIRED = "expired", "期限切れ"


class ExportRequest(models.Model):
    """持出し申請: one download of personal data, asked with a reason, approved by staff when
    the setting requires it, made once. The password of an encrypted file is never stored."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="申請者",
    )
    requested_at = models.DateTimeField("申請日時")
    exporter = models.CharField("出力の種類", max_length=50)
    params = models.JSONField("出力の条件", default=dict, blank=True)
    content = models.CharField("内容", max_length=200)
    reason = models.CharField("理由", max_length=500)
    encrypt = models.BooleanField("暗号化", default=False)
    return_due_on = models.DateField("返却・消去の予定日")
    status = models.CharField(
        "状態",
        max_length=10,
        choices=ExportRequestStatus.choices,
        default=ExportRequestStatus.PENDING,
    )
    # Null with an approved status: no approval was needed (setting off, or staff's own).
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="承認・却下者",
    )
    approved_at = models.DateTimeField("承認・却下日時", null=True, blank=True)
    note = models.CharField("承認・却下の所見", max_length=500, blank=True)
    record = models.OneToOneField(
        ExportRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="request",
        verbose_name="持出記録",
    )
    # The one-time link: only its hash is kept; the link itself is shown once.
    download_token_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    download_expires_at = models.DateTimeField("ダウンロード期限", null=True, blank=True)
    downloaded_at = models.DateTimeField("ダウンロード日時", null=True, blank=True)

    class Meta:
        verbose_name = "持出し申請"
        verbose_name_plural = "持出し申請"
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.requested_at:%Y-%m-%d %H:%M} {self.content}（{self.get_status_display()}）"
