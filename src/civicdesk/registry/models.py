"""People the center contacts: obligors, households and phone numbers (名寄せ by resident_no)."""

from django.db import models

from civicdesk.core.japanese import PhoneKind


class Sex(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class Household(models.Model):
    """A household (世帯) as the resident registry knows it."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    household_no = models.CharField("世帯番号", max_length=20)

    class Meta:
        verbose_name = "世帯"
        verbose_name_plural = "世帯"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "household_no"], name="registry_household_unique_no"
            )
        ]

    def __str__(self) -> str:
        return self.household_no


class HouseholdMember(models.Model):
    """A member of a household (世帯員), who may or may not owe anything themselves."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name="世帯"
    )
    resident_no = models.CharField("宛名番号", max_length=20)
    name = models.CharField("氏名", max_length=100)
    name_kana = models.CharField("氏名カナ", max_length=100, blank=True)
    sex = models.CharField("性別", max_length=6, choices=Sex.choices, blank=True)
    birth_date = models.DateField("生年月日", null=True, blank=True)
    relationship = models.CharField("続柄", max_length=20)

    class Meta:
        verbose_name = "世帯員"
        verbose_name_plural = "世帯員"
        ordering = ["household", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "resident_no"], name="registry_member_unique_resident"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.relationship}）"


class Obligor(models.Model):
    """A person who owes (納付義務者). One row per resident_no, whatever the revenue types."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    resident_no = models.CharField("宛名番号", max_length=20)
    name = models.CharField("氏名", max_length=100)
    name_kana = models.CharField("氏名カナ", max_length=100, blank=True)
    alias_name = models.CharField("通称名", max_length=100, blank=True)
    sex = models.CharField("性別", max_length=6, choices=Sex.choices, blank=True)
    birth_date = models.DateField("生年月日", null=True, blank=True)
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    address = models.CharField("住所", max_length=200)
    address_extra = models.CharField("方書", max_length=200, blank=True)
    # Parsed from the address for ordering visits and mapping venues (registry.addresses).
    town = models.CharField("町名", max_length=50, blank=True, db_index=True)
    chome = models.PositiveSmallIntegerField("丁目", null=True, blank=True)
    block = models.CharField("番地", max_length=30, blank=True)
    household = models.ForeignKey(
        Household,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="obligors",
        verbose_name="世帯",
    )
    relationship = models.CharField("続柄", max_length=20, blank=True)
    # Search keys (core.japanese.normalize_name), kept by the importer so that a name or
    # kana search is one indexed lookup, not a scan of 50,000 rows normalised in Python.
    name_key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    kana_key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "納付義務者"
        verbose_name_plural = "納付義務者"
        ordering = ["resident_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "resident_no"], name="registry_obligor_unique_resident"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.resident_no}）"


class PhoneSource(models.TextChoices):
    PROVIDED = "provided", "自治体提供"
    COLLECTED = "collected", "センター収集"


class PhoneStatus(models.TextChoices):
    UNKNOWN = "unknown", "未確認"
    VALID = "valid", "有効"
    INVALID = "invalid", "不通・無効"
    WRONG_PERSON = "wrong_person", "別人"


# A number worth dialling: not known to be dead or someone else's, and a kind a person answers.
UNUSABLE_PHONE_STATUSES = (PhoneStatus.INVALID, PhoneStatus.WRONG_PERSON)
CALLABLE_PHONE_KINDS = (PhoneKind.MOBILE, PhoneKind.LANDLINE, PhoneKind.IP)


class PhoneQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(kind__in=CALLABLE_PHONE_KINDS).exclude(
            status__in=UNUSABLE_PHONE_STATUSES
        )


class Phone(models.Model):
    obligor = models.ForeignKey(
        Obligor, on_delete=models.CASCADE, related_name="phones", verbose_name="納付義務者"
    )
    number = models.CharField("電話番号（E.164）", max_length=16)
    display = models.CharField("電話番号", max_length=20)
    kind = models.CharField("種別", max_length=10, choices=PhoneKind.choices)
    source = models.CharField(
        "入手元", max_length=10, choices=PhoneSource.choices, default=PhoneSource.PROVIDED
    )
    status = models.CharField(
        "状態", max_length=15, choices=PhoneStatus.choices, default=PhoneStatus.UNKNOWN
    )
    last_outcome = models.CharField("最終結果", max_length=30, blank=True)
    last_outcome_at = models.DateTimeField("最終結果日時", null=True, blank=True)

    objects = PhoneQuerySet.as_manager()

    class Meta:
        verbose_name = "電話番号"
        verbose_name_plural = "電話番号"
        ordering = ["obligor", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["obligor", "number"], name="registry_phone_unique")
        ]
        indexes = [models.Index(fields=["number"])]

    def __str__(self) -> str:
        return self.display
