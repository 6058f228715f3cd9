"""The procedure catalogue, requests with their intake checks, staff review (seed 003 §6, §7),
and the temporary-plate ledger of 自動車臨時運行許可 (§6(9)).

What a request records is decided by its procedure's ``data_items`` within the counter data
sets of the field policy (privacy/field_policy.yaml ``counter:``): nothing else is kept.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from civicdesk.counter.choices import (
    ProcedureCategory,
    RequesterKind,
    RequestStatus,
    ReviewDecision,
)
from civicdesk.counter.models.base import AppendOnly
from civicdesk.privacy.field_policy import counter_items

# The personal items a request can hold; a procedure names those it needs (field policy
# ``counter`` data sets decide which a category may name at all).
REQUEST_DATA_ITEMS = {
    "requester_name": "請求者・届出者の氏名",
    "subject_name": "対象者の氏名",
    "mailing_address": "送付先住所",
    "vehicle_chassis_no": "車台番号",
}


class Procedure(models.Model):
    """One procedure of the catalogue (手続), kept as data and edited by staff."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    code = models.CharField("コード", max_length=30)
    name = models.CharField("手続名", max_length=60)
    category = models.CharField("分類", max_length=20, choices=ProcedureCategory.choices)
    section = models.CharField("担当課", max_length=40, default="市民課")
    queue = models.ForeignKey(
        "counter.Queue",
        on_delete=models.PROTECT,
        related_name="procedures",
        verbose_name="待ち行列",
        help_text="受付で番号札を発券する待ち行列",
    )
    checklist = models.JSONField(
        "受付時の確認事項",
        default=list,
        help_text="窓口担当者が確認して記録する項目（一関市仕様書 6(1)① ア〜エ、6(3)① ア〜ケ）",
    )
    requester_kinds = models.JSONField(
        "受け付ける請求者",
        default=list,
        help_text="self, agent, third_party, official, postal のいずれか",
    )
    data_items = models.JSONField(
        "記録する個人情報",
        default=list,
        blank=True,
        help_text=(
            "requester_name, subject_name, mailing_address, vehicle_chassis_no のうち必要なもの"
        ),
    )
    requires_review = models.BooleanField(
        "職員の審査が必要", default=True, help_text="一関市仕様書 7(2): 交付決定は委託者が行う"
    )
    uses_tamper_proof_paper = models.BooleanField("改ざん防止用紙を使う", default=False)
    has_fee = models.BooleanField("手数料がある", default=False)
    active = models.BooleanField("受付中", default=True)
    position = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "手続"
        verbose_name_plural = "手続"
        ordering = ["municipality", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"],
                name="counter_procedure_unique_code",
                violation_error_message="このコードの手続は登録済みです。",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors = {}
        if not isinstance(self.checklist, list) or not all(
            isinstance(item, str) and item.strip() for item in self.checklist
        ):
            errors["checklist"] = "確認事項は文字列のリストで指定してください。"
        unknown = [k for k in self.requester_kinds or [] if k not in RequesterKind.values]
        if not self.requester_kinds or unknown:
            errors["requester_kinds"] = (
                f"受け付ける請求者を {', '.join(RequesterKind.values)} から1つ以上指定してください"
                + (f"（不明: {', '.join(map(str, unknown))}）" if unknown else "")
                + "。"
            )
        allowed = counter_items(self.category) if self.category else frozenset()
        refused = [k for k in self.data_items or [] if k not in allowed]
        if refused:
            names = ", ".join(REQUEST_DATA_ITEMS.get(k, str(k)) for k in refused)
            errors["data_items"] = (
                f"この分類の手続では記録できない項目です（個人情報の取扱い: 必要最小限）: {names}"
            )
        if errors:
            raise ValidationError(errors)


class Request(models.Model):
    """One request, notification or application taken at a counter (交付請求・届出・申請)."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    ticket = models.ForeignKey(
        "counter.Ticket",
        on_delete=models.SET_NULL,
        related_name="requests",
        null=True,
        blank=True,
        verbose_name="番号札",
    )
    procedure = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, related_name="requests", verbose_name="手続"
    )
    day = models.DateField("受付日")
    requester_kind = models.CharField("請求者", max_length=20, choices=RequesterKind.choices)
    requesting_office = models.CharField(
        "請求機関", max_length=80, blank=True, help_text="公用請求のときの請求元（例: 〇〇税務署）"
    )
    authority_checked = models.BooleanField("代理権限・添付資料を確認した", default=False)
    identity_document = models.CharField("本人確認書類", max_length=40, blank=True)
    quantity = models.PositiveSmallIntegerField(
        "通数", default=1, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    checks = models.JSONField("確認済みの項目", default=list, blank=True)
    # Personal items: only those the procedure's data_items name are ever filled.
    requester_name = models.CharField("請求者・届出者の氏名", max_length=60, blank=True)
    subject_name = models.CharField("対象者の氏名", max_length=60, blank=True)
    mailing_address = models.CharField("送付先住所", max_length=200, blank=True)
    vehicle_chassis_no = models.CharField("車台番号", max_length=40, blank=True)
    status = models.CharField(
        "状態", max_length=10, choices=RequestStatus.choices, default=RequestStatus.INTAKE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="受付者"
    )
    created_at = models.DateTimeField("受付日時")
    review_requested_at = models.DateTimeField("審査依頼日時", null=True, blank=True)
    issued_at = models.DateTimeField("交付日時", null=True, blank=True)
    client_key = models.UUIDField("送信キー", null=True, blank=True, unique=True)

    class Meta:
        verbose_name = "窓口の請求・届出"
        verbose_name_plural = "窓口の請求・届出"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["municipality", "day"], name="counter_request_day"),
            models.Index(fields=["status"], name="counter_request_status"),
        ]
        permissions = [("review_request", "窓口の請求・届出を審査する（交付決定）")]

    def __str__(self) -> str:
        return f"{self.procedure} {self.day:%Y-%m-%d} #{self.pk}"


class Review(AppendOnly):
    """A staff member's decision on a prepared request (§7(2)): 承認 or 差戻し with a reason."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="reviews")
    decision = models.CharField("審査結果", max_length=10, choices=ReviewDecision.choices)
    reason = models.CharField("差戻しの理由", max_length=200, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="審査者"
    )
    requested_at = models.DateTimeField("審査依頼日時")
    at = models.DateTimeField("審査日時")

    class Meta:
        verbose_name = "審査"
        verbose_name_plural = "審査"
        ordering = ["at", "id"]


class TemporaryPlate(models.Model):
    """A temporary number plate (臨時運行許可番号標) the counter lends out."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    number = models.CharField("番号標", max_length=20)
    active = models.BooleanField("使用可", default=True)

    class Meta:
        verbose_name = "臨時運行許可番号標"
        verbose_name_plural = "臨時運行許可番号標"
        ordering = ["municipality", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "number"], name="counter_plate_unique_number"
            )
        ]

    def __str__(self) -> str:
        return self.number


class PlateLoan(models.Model):
    """One line of the issue ledger (発行管理簿): a permit, its plate, returned or not."""

    plate = models.ForeignKey(
        TemporaryPlate, on_delete=models.PROTECT, related_name="loans", verbose_name="番号標"
    )
    request = models.OneToOneField(
        Request, on_delete=models.CASCADE, related_name="plate_loan", verbose_name="申請"
    )
    permit_no = models.CharField("許可番号", max_length=20)
    issued_on = models.DateField("許可日")
    valid_until = models.DateField("有効期限")
    returned_on = models.DateField("返却日", null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    returned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = "臨時運行許可 発行管理簿"
        verbose_name_plural = "臨時運行許可 発行管理簿"
        ordering = ["-issued_on", "-id"]
        constraints = [
            # A plate is out with at most one permit at a time.
            models.UniqueConstraint(
                fields=["plate"],
                condition=models.Q(returned_on__isnull=True),
                name="counter_plate_one_open_loan",
                violation_error_message="この番号標は貸出中です。",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("issued_on")),
                name="counter_loan_valid_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.permit_no} {self.plate}"
