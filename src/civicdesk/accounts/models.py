import datetime

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from civicdesk.core.choices import RevenueType


class Role(models.TextChoices):
    OPERATOR = "operator", "オペレータ"
    VISITOR = "visitor", "訪問員"
    RECEPTION = "reception", "窓口受付"
    COUNTER_CLERK = "counter_clerk", "窓口担当"
    CASHIER = "cashier", "会計担当"
    CARD_OPERATOR = "card_operator", "カードコールセンター"
    VENUE_CLERK = "venue_clerk", "交付会場担当"
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


# --- 業務従事者名簿 (seed 000 §14(3)): who may work this month ---------------------------------


# The contractor's people: only they are roster members and need a roster to sign in. The
# municipality's staff and inspectors are not the contractor's; the administrator is the
# break-glass account that must still sign in when no roster is in force.
ROSTER_ROLES = frozenset({Role.OPERATOR, Role.VISITOR, Role.SUPERVISOR})
# seed 000 §14(3): 業務従事職員名簿は前月20日までに提出
ROSTER_DUE_DAY = 20


def roster_due_date(month):
    """When the roster of ``month`` (its 1st) is due: the 20th of the month before; None for
    April (submitted as soon as the contract is signed)."""
    if month.month == 4:
        return None
    return (month - datetime.timedelta(days=1)).replace(day=ROSTER_DUE_DAY)


class RosterStatus(models.TextChoices):
    DRAFT = "draft", "作成中"
    SUBMITTED = "submitted", "提出済み"


class Roster(models.Model):
    """One month's staff roster of a municipality's center, due by the 20th of the month before.

    Only a submitted roster admits its members to sign in; changes after submission are
    RosterChange rows (臨時の変更), reported to the municipality.
    """

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="rosters", verbose_name="自治体"
    )
    month = models.DateField("対象月", help_text="その月の1日")
    status = models.CharField(
        "状態", max_length=10, choices=RosterStatus.choices, default=RosterStatus.DRAFT
    )
    submitted_at = models.DateTimeField("提出日時", null=True, blank=True)
    submitted_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="提出者",
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)

    class Meta:
        verbose_name = "業務従事者名簿"
        verbose_name_plural = "業務従事者名簿"
        ordering = ["municipality", "-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "month"], name="accounts_roster_once_per_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.municipality}"

    @property
    def due_date(self):
        """The 20th of the month before; April's has none (seed 000 §14(3): 「4月については、
        委託契約締結後速やかに提出」: the contract year starts in April)."""
        return roster_due_date(self.month)

    @property
    def is_submitted(self) -> bool:
        return self.status == RosterStatus.SUBMITTED

    @property
    def is_late(self) -> bool:
        """Submitted after its due date (期限超過); still valid, but the municipality sees it."""
        due = self.due_date
        if self.submitted_at is None or due is None:
            return False
        return timezone.localdate(self.submitted_at) > due


class RosterEntry(models.Model):
    """One person on a month's roster and the work they do."""

    roster = models.ForeignKey(
        Roster, on_delete=models.CASCADE, related_name="entries", verbose_name="名簿"
    )
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="roster_entries", verbose_name="従事者"
    )
    duty = models.CharField("従事する業務", max_length=100, blank=True)

    class Meta:
        verbose_name = "名簿の従事者"
        verbose_name_plural = "名簿の従事者"
        ordering = ["roster", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["roster", "user"], name="accounts_roster_entry_once")
        ]

    def __str__(self) -> str:
        return f"{self.roster} {self.user}"


class RosterChangeKind(models.TextChoices):
    ADDED = "added", "追加"
    REMOVED = "removed", "削除"


class RosterChange(models.Model):
    """A temporary change to a submitted roster (臨時の変更), effective from a day."""

    roster = models.ForeignKey(
        Roster, on_delete=models.CASCADE, related_name="changes", verbose_name="名簿"
    )
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name="従事者"
    )
    kind = models.CharField("変更", max_length=10, choices=RosterChangeKind.choices)
    effective_from = models.DateField("適用日")
    duty = models.CharField("従事する業務", max_length=100, blank=True)
    reason = models.CharField("理由", max_length=500)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name="記録者"
    )
    recorded_at = models.DateTimeField("記録日時")
    reported_at = models.DateTimeField("自治体への報告日時", null=True, blank=True)

    class Meta:
        verbose_name = "名簿の臨時変更"
        verbose_name_plural = "名簿の臨時変更"
        ordering = ["roster", "effective_from", "pk"]

    def __str__(self) -> str:
        return f"{self.effective_from:%Y-%m-%d} {self.get_kind_display()} {self.user}"
