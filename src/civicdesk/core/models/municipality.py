from django.core.validators import RegexValidator
from django.db import models


class MunicipalityQuerySet(models.QuerySet):
    def default(self) -> "Municipality":
        """The municipality this installation serves when only one is configured."""
        return self.order_by("-is_default", "pk").first()

    def for_user(self, user) -> "Municipality | None":
        """The user's municipality, or the installation's default one."""
        if getattr(user, "municipality_id", None):
            return user.municipality
        return self.default()

    def id_for_user(self, user) -> int | None:
        if getattr(user, "municipality_id", None):
            return user.municipality_id
        default = self.default()
        return default.pk if default else None


class Municipality(models.Model):
    """The client (甲): a city or ward whose work the contractor runs."""

    code = models.CharField(
        "地方公共団体コード",
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^\d{6}$", "6 桁の数字で入力してください。")],
    )
    name = models.CharField("名称", max_length=50)
    # Printed on reminder letters and visit notices: where residents call back.
    contact_center_name = models.CharField(
        "納付案内センターの名称", max_length=100, blank=True, help_text="催告書などに印字します"
    )
    contact_center_phone = models.CharField(
        "納付案内センターの電話番号", max_length=20, blank=True, help_text="例: 03-1234-5678"
    )
    is_default = models.BooleanField(
        "既定の自治体", default=False, help_text="1 つの導入で 1 自治体を扱う場合に使う自治体"
    )

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        verbose_name = "自治体"
        verbose_name_plural = "自治体"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="core_one_default_municipality",
            )
        ]

    def __str__(self) -> str:
        return self.name
