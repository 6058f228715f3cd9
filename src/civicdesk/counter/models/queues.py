"""Queues, counters, numbered tickets and their events (seed 003 §6(15)⑩, 別表).

A ticket holds no personal data: a queue letter, a number and the day. Every change is a
``TicketEvent``; waiting and service times are computed from the events, never from the
ticket's current-state columns (which only make the next call one indexed query).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from civicdesk.counter.choices import CounterKind, DisplayKind, TicketEventKind, TicketStatus
from civicdesk.counter.models.base import AppendOnly


class Queue(models.Model):
    """A waiting line (e.g. A 証明書, B 住民異動): its letter, number range and wait target."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    code = models.CharField(
        "記号",
        max_length=2,
        validators=[RegexValidator(r"^[A-Z]{1,2}$", "記号は英大文字1〜2文字にしてください。")],
        help_text="番号札の頭に付く英字（例: A）",
    )
    name = models.CharField("名称", max_length=40)
    number_from = models.PositiveIntegerField("番号（から）", default=1)
    number_to = models.PositiveIntegerField("番号（まで）", default=999)
    target_wait_minutes = models.PositiveSmallIntegerField(
        "目標待ち時間（分）", default=15, validators=[MinValueValidator(1)]
    )
    recall_limit = models.PositiveSmallIntegerField(
        "再呼出の上限",
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="この回数呼び出しても来られない番号札は「不在」になります。",
    )
    active = models.BooleanField("受付中", default=True)
    position = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "待ち行列"
        verbose_name_plural = "待ち行列"
        ordering = ["municipality", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"],
                name="counter_queue_unique_code",
                violation_error_message="この記号の待ち行列は登録済みです。",
            ),
            models.CheckConstraint(
                condition=models.Q(number_to__gt=models.F("number_from")),
                name="counter_queue_range",
                violation_error_message="番号（まで）は番号（から）より大きくしてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def label(self, number: int) -> str:
        """How a ticket of this queue is shown and called: 'A-012'."""
        width = len(str(self.number_to))
        return f"{self.code}-{number:0{width}d}"


class Counter(models.Model):
    """One window (1番窓口) or the cashier (会計), serving its queues in their order."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    code = models.CharField("番号", max_length=10)
    name = models.CharField("表示名", max_length=30, help_text="表示画面に出る名前（例: 3番窓口）")
    kind = models.CharField("種類", max_length=10, choices=CounterKind.choices, default="clerk")
    queues = models.ManyToManyField(
        Queue, through="CounterQueue", related_name="counters", verbose_name="担当する待ち行列"
    )
    active = models.BooleanField("使用中", default=True)

    class Meta:
        verbose_name = "窓口"
        verbose_name_plural = "窓口"
        ordering = ["municipality", "kind", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"],
                name="counter_counter_unique_code",
                violation_error_message="この番号の窓口は登録済みです。",
            )
        ]

    def __str__(self) -> str:
        return self.name


class CounterQueue(models.Model):
    """A queue a counter serves, and in which order it looks at its queues (1 first)."""

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, verbose_name="窓口")
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, verbose_name="待ち行列")
    position = models.PositiveSmallIntegerField("順位", default=1)

    class Meta:
        verbose_name = "窓口の担当行列"
        verbose_name_plural = "窓口の担当行列"
        ordering = ["counter", "position"]
        constraints = [
            models.UniqueConstraint(fields=["counter", "queue"], name="counter_counterqueue_unique")
        ]

    def __str__(self) -> str:
        return f"{self.counter} {self.position}. {self.queue}"


class TicketSequence(models.Model):
    """The last number issued per queue and Tokyo day. Incremented with one
    INSERT … ON CONFLICT DO UPDATE … RETURNING, so concurrent issuers get distinct numbers
    with no gaps (as core.ratelimit counts)."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["queue", "day"], name="counter_sequence_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.queue} {self.day} {self.last_number}"


class Ticket(models.Model):
    """A numbered ticket (番号札). No personal data: the queue, the day and the number."""

    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="tickets")
    day = models.DateField("日付")
    number = models.PositiveIntegerField("番号")
    issued_at = models.DateTimeField("発券日時")
    procedure = models.ForeignKey(
        "counter.Procedure",
        on_delete=models.PROTECT,
        related_name="tickets",
        null=True,
        blank=True,
        verbose_name="手続",
    )
    # Current state, kept for the next call and the displays; figures come from the events.
    waiting_in = models.ForeignKey(
        Queue,
        on_delete=models.PROTECT,
        related_name="waiting_tickets",
        verbose_name="待っている行列",
        help_text="発券した行列、転送されたときは転送先",
    )
    status = models.CharField(
        "状態", max_length=10, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    counter = models.ForeignKey(
        Counter,
        on_delete=models.PROTECT,
        related_name="tickets",
        null=True,
        blank=True,
        verbose_name="窓口",
    )
    calls = models.PositiveSmallIntegerField("呼出回数", default=0)
    changed_at = models.DateTimeField("最終変更")
    # The reception form's key: a resent issue returns the ticket it made the first time.
    client_key = models.UUIDField("送信キー", null=True, blank=True, unique=True)

    class Meta:
        verbose_name = "番号札"
        verbose_name_plural = "番号札"
        ordering = ["day", "queue", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "day", "number"], name="counter_ticket_unique_number"
            )
        ]
        indexes = [
            models.Index(
                fields=["waiting_in", "status", "day", "issued_at"], name="counter_ticket_next"
            ),
            models.Index(fields=["day", "status"], name="counter_ticket_day"),
        ]
        permissions = [("call_ticket", "番号札を呼び出す")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.queue.label(self.number)


class TicketEvent(AppendOnly):
    """One change of one ticket, never edited: who, at which counter, when."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("種類", max_length=20, choices=TicketEventKind.choices)
    at = models.DateTimeField("日時")
    counter = models.ForeignKey(
        Counter, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    queue = models.ForeignKey(
        Queue,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="転送先の待ち行列",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    note = models.CharField("理由", max_length=200, blank=True)

    class Meta:
        verbose_name = "番号札の記録"
        verbose_name_plural = "番号札の記録"
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["ticket", "at"], name="counter_event_ticket"),
            models.Index(fields=["at"], name="counter_event_at"),
        ]


class DisplayDevice(models.Model):
    """A waiting-room or cashier screen. It opens its public page with a device key; only the
    key's SHA-256 is kept."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    name = models.CharField("名称", max_length=40)
    kind = models.CharField("種類", max_length=20, choices=DisplayKind.choices)
    key_hash = models.CharField("キーのハッシュ", max_length=64, unique=True, editable=False)
    active = models.BooleanField("使用中", default=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    class Meta:
        verbose_name = "表示端末"
        verbose_name_plural = "表示端末"
        ordering = ["municipality", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"

    def clean(self) -> None:
        if not self.key_hash:
            raise ValidationError(
                "表示端末はコマンドか画面から登録してください（キーを発行します）。"
            )
