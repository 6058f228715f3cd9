from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from civicdesk.core.choices import RevenueType


class Role(models.TextChoices):
    OPERATOR = "operator", "オペレータ"
    VISITOR = "visitor", "訪問員"
    SUPERVISOR = "supervisor", "業務責任者"
    STAFF = "staff", "自治体職員"
    INSPECTOR = "inspector", "監督員"
    ADMIN = "admin", "システム管理者"


class Team(models.Model):
    """A working group; its revenue types bound what its members may see (field policies)."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="teams", verbose_name="自治体"
    )
    name = models.CharField("チーム名", max_length=50)
    revenue_types = models.JSONField(
        "担当する税目・保険料",
        default=list,
        blank=True,
        help_text="resident_tax, light_vehicle_tax, nhi, late_elderly, ltc のいずれか",
    )

    class Meta:
        verbose_name = "チーム"
        verbose_name_plural = "チーム"
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="accounts_team_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def revenue_type_labels(self) -> list[str]:
        labels = dict(RevenueType.choices)
        return [labels.get(code, code) for code in self.revenue_types]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        unknown = [code for code in self.revenue_types if code not in RevenueType.values]
        if unknown:
            raise ValidationError(
                {"revenue_types": f"不明な税目・保険料です: {', '.join(map(str, unknown))}"}
            )


class User(AbstractUser):
    """A person who signs in. Never deleted (the access log refers to it): deactivate instead."""

    role = models.CharField("役割", max_length=20, choices=Role.choices)
    municipality = models.ForeignKey(
        "core.Municipality",
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name="自治体",
        null=True,
        blank=True,
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name="チーム",
        null=True,
        blank=True,
    )
    display_name = models.CharField("表示名", max_length=50, blank=True)

    objects = UserManager()

    # createsuperuser asks for the role too, so the first administrator sees the admin menu.
    REQUIRED_FIELDS = ["role"]

    class Meta:
        verbose_name = "ユーザー"
        verbose_name_plural = "ユーザー"
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def revenue_types(self) -> list[str]:
        """The revenue types this user's team works on (empty without a team)."""
        return list(self.team.revenue_types) if self.team_id else []
