"""The bereavement desk (おくやみコーナー, seed 003 §6(15)⑨): reservations, the short
questionnaire that decides which procedures apply, a checklist per case and the notices to the
sections concerned. The deceased's and the visitor's data are personal data: the minimum
(names, the date of death, a phone to call back), logged, purged with the case."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from civicdesk.counter.choices import BereavementStatus, BookingChannel


class BereavementDesk(models.Model):
    """How the desk books: slot length and how many visits one slot takes."""

    municipality = models.OneToOneField(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    slot_minutes = models.PositiveSmallIntegerField(
        "1枠の時間（分）", default=60, validators=[MinValueValidator(15), MaxValueValidator(240)]
    )
    capacity = models.PositiveSmallIntegerField(
        "1枠の受付数", default=2, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    first_slot = models.TimeField("最初の枠", default="09:00")
    last_slot = models.TimeField("最後の枠", default="15:00")
    queue = models.ForeignKey(
        "counter.Queue",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="待ち行列",
        help_text="来庁した予約者の番号札を発券する待ち行列（未設定なら手続「okuyami」の行列）",
    )
    retention_days = models.PositiveSmallIntegerField(
        "完了後の保存日数",
        default=90,
        help_text="完了・取消から何日後に故人と来庁者の情報を消去するか",
    )

    class Meta:
        verbose_name = "おくやみコーナーの設定"
        verbose_name_plural = "おくやみコーナーの設定"

    def __str__(self) -> str:
        return f"{self.municipality} おくやみコーナー"

    def clean(self) -> None:
        if self.first_slot and self.last_slot and self.last_slot < self.first_slot:
            raise ValidationError({"last_slot": "最後の枠は最初の枠より後にしてください。"})


class BereavementQuestion(models.Model):
    """One question of the short questionnaire (はい／いいえ)."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    code = models.CharField("コード", max_length=30)
    text = models.CharField("質問", max_length=200)
    position = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "おくやみ 聞き取り項目"
        verbose_name_plural = "おくやみ 聞き取り項目"
        ordering = ["municipality", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"], name="counter_question_unique_code"
            )
        ]

    def __str__(self) -> str:
        return self.text


class BereavementProcedure(models.Model):
    """A procedure after a death: the section that handles it, what to bring, where to go, and
    the answers that make it apply (every listed question answered はい; none = always)."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    name = models.CharField("手続", max_length=80)
    section = models.CharField("担当課", max_length=40)
    place = models.CharField("場所", max_length=60, blank=True)
    documents = models.TextField("持ち物", blank=True, help_text="1行に1つ")
    when = models.JSONField(
        "該当する条件",
        default=list,
        blank=True,
        help_text="「はい」のとき該当する聞き取り項目のコード（空なら全員）",
    )
    position = models.PositiveSmallIntegerField("表示順", default=0)
    active = models.BooleanField("使用中", default=True)

    class Meta:
        verbose_name = "おくやみ 手続"
        verbose_name_plural = "おくやみ 手続"
        ordering = ["municipality", "position", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.section}）"

    def applies(self, answers: dict[str, bool]) -> bool:
        return all(answers.get(code) is True for code in self.when)

    def document_lines(self) -> list[str]:
        return [line.strip() for line in self.documents.splitlines() if line.strip()]


class BereavementReservation(models.Model):
    """One bereavement-desk case: the reservation, the answers, the visit."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    reservation_no = models.CharField("予約番号", max_length=20)
    starts_at = models.DateTimeField("予約日時")
    channel = models.CharField("予約の受付", max_length=10, choices=BookingChannel.choices)
    status = models.CharField(
        "状態",
        max_length=12,
        choices=BereavementStatus.choices,
        default=BereavementStatus.RESERVED,
    )
    deceased_name = models.CharField("亡くなった方の氏名", max_length=60)
    deceased_on = models.DateField("亡くなった日", null=True, blank=True)
    visitor_name = models.CharField("来庁者の氏名", max_length=60)
    visitor_phone = models.CharField("来庁者の電話番号", max_length=20)
    visitor_relationship = models.CharField("亡くなった方との続柄", max_length=20, blank=True)
    answers = models.JSONField("聞き取りの回答", default=dict, blank=True)
    ticket = models.ForeignKey(
        "counter.Ticket",
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="番号札",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("受付日時")
    ended_at = models.DateTimeField("完了・取消日時", null=True, blank=True)
    erased_at = models.DateTimeField(
        "個人情報の消去日時",
        null=True,
        blank=True,
        help_text="保存期間が過ぎて故人と来庁者の情報を消去した日時（件数は残ります）",
    )
    client_key = models.UUIDField("送信キー", null=True, blank=True, unique=True)

    class Meta:
        verbose_name = "おくやみコーナーの予約"
        verbose_name_plural = "おくやみコーナーの予約"
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["municipality", "starts_at"], name="counter_bereave_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "reservation_no"], name="counter_bereave_unique_no"
            )
        ]

    def __str__(self) -> str:
        return f"おくやみ {self.reservation_no}"


class BereavementTask(models.Model):
    """One procedure on a case's checklist; ``notified_at`` when its section was told."""

    reservation = models.ForeignKey(
        BereavementReservation, on_delete=models.CASCADE, related_name="tasks"
    )
    procedure = models.ForeignKey(
        BereavementProcedure, on_delete=models.PROTECT, related_name="+", verbose_name="手続"
    )
    section = models.CharField("担当課", max_length=40)
    notified_at = models.DateTimeField("関係課への周知", null=True, blank=True)
    done_at = models.DateTimeField("完了日時", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = "おくやみ 手続の確認"
        verbose_name_plural = "おくやみ 手続の確認"
        ordering = ["reservation", "procedure__position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reservation", "procedure"], name="counter_task_unique_procedure"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reservation} {self.procedure}"
