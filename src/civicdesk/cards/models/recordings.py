"""Call recordings of the card call center and their disclosures (別紙④).

A recording is kept until the end of the month after the call (第6条1), or a longer period
agreed with the 区民課長 (第6条2), and erased by the end of the month after that (第6条6).
The file is never edited, copied or downloaded (第6条3, 4): it is played in the browser and
every playback is logged per person. A legal hold stops erasure.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from civicdesk.cards.choices import CallType, DisclosureGround, DisclosureStatus


def _user(label: str, *, null: bool = True) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=null,
        blank=null,
        related_name="+",
        verbose_name=label,
    )


class RecordingErasure(models.Model):
    """One erasure run and its certificate (消去証明): what, how many, when, by whom."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    as_of = models.DateField("基準日")
    erased_count = models.PositiveIntegerField("消去件数")
    erased_bytes = models.PositiveBigIntegerField("消去したデータ量（バイト）", default=0)
    method = models.CharField("消去方法", max_length=200)
    digest = models.CharField(
        "消去した録音のSHA-256一覧のハッシュ", max_length=64, help_text="証明書の内容の検証用"
    )
    executed_at = models.DateTimeField("実行日時", default=timezone.now)
    executed_by = _user("実行者")
    executed_by_system = models.CharField("実行者（コマンド）", max_length=100, blank=True)

    class Meta:
        verbose_name = "通話録音の消去"
        verbose_name_plural = "通話録音の消去"
        ordering = ["-executed_at"]

    def __str__(self) -> str:
        return f"{self.as_of} {self.erased_count}件"


class CallRecording(models.Model):
    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    call = models.OneToOneField(
        "cards.CardCall",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recording",
        verbose_name="受電記録",
    )
    call_type = models.CharField("通話の種別", max_length=2, choices=CallType.choices)
    recorded_at = models.DateTimeField("録音日時")
    file_name = models.CharField("ファイル", max_length=255, unique=True)
    sha256 = models.CharField("SHA-256", max_length=64)
    size_bytes = models.PositiveBigIntegerField("サイズ（バイト）")
    content_type = models.CharField("形式", max_length=50, default="audio/wav")
    duration_seconds = models.PositiveIntegerField("通話時間（秒）", default=0)
    keep_until = models.DateField("保管期限", help_text="録音した月の翌月末日（第6条1）")
    extended_reason = models.CharField(
        "保管期間の延長（区民課長との協議）", max_length=300, blank=True
    )
    extended_by = _user("延長の記録者")
    legal_hold = models.BooleanField("消去停止（法的保全）", default=False)
    hold_reason = models.CharField("消去停止の理由", max_length=300, blank=True)
    registered_at = models.DateTimeField("登録日時", default=timezone.now)
    registered_by = _user("登録者")
    erased_at = models.DateTimeField("消去日時", null=True, blank=True)
    erasure = models.ForeignKey(
        RecordingErasure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recordings",
        verbose_name="消去",
    )

    class Meta:
        verbose_name = "通話録音"
        verbose_name_plural = "通話録音"
        ordering = ["-recorded_at"]
        permissions = [
            ("play_callrecording", "通話録音を再生できる（録音機器管理者・取扱責任者）"),
            ("erase_callrecording", "保管期間を過ぎた通話録音を消去できる"),
        ]
        indexes = [
            models.Index(fields=["municipality", "keep_until"], name="cards_recording_keep"),
            models.Index(fields=["municipality", "recorded_at"], name="cards_recording_at"),
        ]

    def __str__(self) -> str:
        return f"{self.recorded_at:%Y-%m-%d %H:%M} {self.get_call_type_display()}"


class Disclosure(models.Model):
    """A request to hand recording information to someone else (第7条): its ground, the body
    asking, the minimum disclosed, staff approval before anything leaves, the hand-over through
    the export register, and the report to the 区民課長 afterwards (第7条3)."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    number = models.PositiveIntegerField("番号")
    ground = models.CharField("提供の根拠", max_length=20, choices=DisclosureGround.choices)
    requesting_body = models.CharField("提供先（請求した機関・者）", max_length=200)
    document = models.CharField(
        "請求の文書（文書番号・日付）",
        max_length=200,
        blank=True,
        help_text="(2) 刑事訴訟法第197条第2項の照会では必須",
    )
    purpose = models.CharField("提供の目的", max_length=300)
    scope = models.CharField("提供する範囲（必要最小限）", max_length=300)
    recordings = models.ManyToManyField(
        CallRecording, related_name="disclosures", verbose_name="対象の通話録音"
    )
    status = models.CharField(
        "状況",
        max_length=20,
        choices=DisclosureStatus.choices,
        default=DisclosureStatus.REQUESTED,
    )
    requested_at = models.DateTimeField("受付日時", default=timezone.now)
    requested_by = _user("受付者", null=False)
    decided_at = models.DateTimeField("承認・却下日時", null=True, blank=True)
    decided_by = _user("承認・却下した職員")
    decision_note = models.CharField("承認・却下の所見", max_length=300, blank=True)
    export_record = models.OneToOneField(
        "privacy.ExportRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="持出し記録",
    )
    handed_over_at = models.DateTimeField("提供日時", null=True, blank=True)
    handed_over_by = _user("提供者")
    report_due_on = models.DateField("報告期限", null=True, blank=True)
    reported_at = models.DateTimeField("報告日時", null=True, blank=True)
    reported_by = _user("報告者")
    report = models.TextField("報告の内容", blank=True)

    class Meta:
        verbose_name = "通話録音の提供"
        verbose_name_plural = "通話録音の提供"
        ordering = ["-requested_at"]
        permissions = [("approve_disclosure", "通話録音の提供を承認・却下できる（区職員）")]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "number"],
                name="cards_disclosure_number_unique",
                violation_error_message="この番号は使用済みです。",
            )
        ]

    def __str__(self) -> str:
        return f"提供 No.{self.number} {self.requesting_body}"
