"""What is owed: accounts per revenue type, their installments, payments, and import runs."""

from django.conf import settings
from django.db import models

from civicdesk.core.choices import RevenueType


class CollectionKind(models.TextChoices):
    ORDINARY = "ordinary", "普通徴収"
    SPECIAL = "special", "特別徴収"


class Account(models.Model):
    """One case (整理番号) of one revenue type, owed by one obligor."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    revenue_type = models.CharField("税目", max_length=20, choices=RevenueType.choices)
    case_no = models.CharField("整理番号", max_length=30)
    obligor = models.ForeignKey(
        "registry.Obligor",
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name="納付義務者",
    )
    collection_kind = models.CharField(
        "徴収区分", max_length=10, choices=CollectionKind.choices, blank=True
    )
    insured_no = models.CharField("被保険者番号", max_length=20, blank=True)
    account_transfer = models.BooleanField("口座振替", null=True, blank=True)
    demand_notice_on = models.DateField("督促状発送日", null=True, blank=True)
    reminder_on = models.DateField("催告書発送日", null=True, blank=True)

    class Meta:
        verbose_name = "口座（整理番号）"
        verbose_name_plural = "口座（整理番号）"
        ordering = ["revenue_type", "case_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "revenue_type", "case_no"],
                name="receivables_account_unique_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_revenue_type_display()} {self.case_no}"


class Installment(models.Model):
    """One fiscal year and period (年度・期別) of an account. 未納額 is computed, not stored."""

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="installments", verbose_name="口座"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度")
    period = models.CharField("期別", max_length=4, help_text="1〜14 または 随時")
    due_date = models.DateField("納期限")
    assessed = models.BigIntegerField("調定額")
    paid = models.BigIntegerField("納付額", default=0)
    unpaid = models.GeneratedField(
        verbose_name="未納額",
        expression=models.F("assessed") - models.F("paid"),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )
    late_charge = models.BigIntegerField("延滞金", null=True, blank=True)
    last_paid_on = models.DateField("最終納付日", null=True, blank=True)

    class Meta:
        verbose_name = "期別"
        verbose_name_plural = "期別"
        ordering = ["account", "fiscal_year", "due_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "fiscal_year", "period"], name="receivables_installment_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(assessed__gte=0, paid__gte=0),
                name="receivables_installment_amounts_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["due_date"])]

    def __str__(self) -> str:
        return f"{self.fiscal_year}年度 第{self.period}期"


class Payment(models.Model):
    """A payment received for one installment (from a payments import)."""

    installment = models.ForeignKey(
        Installment, on_delete=models.CASCADE, related_name="payments", verbose_name="期別"
    )
    amount = models.BigIntegerField("納付額")
    paid_on = models.DateField("収納日")
    received_on = models.DateField("領収日", null=True, blank=True)
    import_run = models.ForeignKey(
        "receivables.ImportRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name="取込み",
    )

    class Meta:
        verbose_name = "納付"
        verbose_name_plural = "納付"
        ordering = ["installment", "paid_on"]
        constraints = [
            # The same payment in a re-imported file is recognised, not counted twice.
            models.UniqueConstraint(
                fields=["installment", "paid_on", "amount"], name="receivables_payment_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="receivables_payment_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.paid_on} {self.amount}円"


class ImportKind(models.TextChoices):
    RECEIVABLES = "receivables", "滞納データ（期別）"
    HOUSEHOLD = "household", "世帯員"
    PAYMENTS = "payments", "納付"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "待機中"
    RUNNING = "running", "取込み中"
    DONE = "done", "完了"
    FAILED = "failed", "エラー（取込みなし）"


class ImportRun(models.Model):
    """One import of one file: who, when, what file (hash), counts and how long it took."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    kind = models.CharField("種類", max_length=20, choices=ImportKind.choices)
    file_name = models.CharField("ファイル名", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    encoding = models.CharField("文字コード", max_length=10, blank=True)
    full = models.BooleanField("全件（ファイルにない口座を削除）", default=False)
    dry_run = models.BooleanField("検証のみ", default=False)
    status = models.CharField(
        "状態", max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    counts = models.JSONField("件数", default=dict, blank=True)
    errors = models.JSONField("エラー（先頭 1,000 件）", default=list, blank=True)
    error_count = models.PositiveIntegerField("エラー件数", default=0)
    progress = models.PositiveSmallIntegerField("進捗（%）", default=0)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="取込み者",
    )
    upload = models.FileField("アップロードファイル", upload_to="imports/", blank=True)
    created_at = models.DateTimeField("受付日時", auto_now_add=True)
    started_at = models.DateTimeField("開始日時", null=True, blank=True)
    finished_at = models.DateTimeField("終了日時", null=True, blank=True)
    duration_seconds = models.FloatField("所要時間（秒）", null=True, blank=True)

    class Meta:
        verbose_name = "取込み"
        verbose_name_plural = "取込み"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"
