"""Venues (交付会場), the 町丁目 → venue table (別紙①) and the bookable slots.

A venue keeps its own opening calendar: a core ``BusinessCalendar`` of the ``cards`` service
with the venue's code as its site. A slot's seats are split by pool (WEB, call center and FAX,
ward staff); a booking takes a seat with one conditional UPDATE, and the check constraints
below make an overbooked slot impossible even for code that forgets.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from civicdesk.cards.choices import SeatPool


class Venue(models.Model):
    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    code = models.CharField(
        "記号",
        max_length=30,
        validators=[RegexValidator(r"^[a-z][a-z0-9-]*$", "記号は英小文字・数字・ハイフンです。")],
    )
    name = models.CharField("会場名", max_length=80, help_text="例: 江東区役所２階")
    short_name = models.CharField("略称", max_length=30, help_text="別紙①の表記（例: 本庁舎）")
    address = models.CharField("所在地", max_length=120, blank=True)
    directions = models.CharField("行き方", max_length=300, blank=True)
    calendar = models.OneToOneField(
        "core.BusinessCalendar",
        on_delete=models.PROTECT,
        related_name="card_venue",
        verbose_name="開場カレンダー",
    )
    slot_minutes = models.PositiveSmallIntegerField(
        "予約枠の長さ（分）", default=30, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    seats_web = models.PositiveSmallIntegerField("1枠の席数（WEB）", default=6)
    seats_phone = models.PositiveSmallIntegerField("1枠の席数（コールセンター・FAX）", default=3)
    seats_internal = models.PositiveSmallIntegerField("1枠の席数（区職員）", default=1)
    sort_order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "交付会場"
        verbose_name_plural = "交付会場"
        ordering = ["municipality", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"],
                name="cards_venue_code_unique",
                violation_error_message="この記号の会場は登録済みです。",
            ),
            models.UniqueConstraint(
                fields=["municipality", "short_name"],
                name="cards_venue_short_name_unique",
                violation_error_message="この略称の会場は登録済みです。",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """One 町丁目 and its venue. The key is town + 丁目 (東砂 is split between two venues);
    ``chome`` 0 is a town without 丁目 (e.g. 海辺)."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    town = models.CharField("町名", max_length=30)
    chome = models.PositiveSmallIntegerField("丁目", default=0, help_text="丁目のない町は 0")
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, related_name="areas", verbose_name="交付会場"
    )
    sort_order = models.PositiveIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "町丁目"
        verbose_name_plural = "町丁目"
        ordering = ["municipality", "sort_order", "town", "chome"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "town", "chome"],
                name="cards_area_town_chome_unique",
                violation_error_message="この町丁目は登録済みです。",
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.town}{self.chome}丁目" if self.chome else self.town


def _not_over(pool: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"booked_{pool}__lte": F(f"capacity_{pool}")}),
        name=f"cards_slot_{pool}_not_overbooked",
        violation_error_message="この枠は満席です。",
    )


class Slot(models.Model):
    """A bookable time at a venue with its seats per pool and the seats taken."""

    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, related_name="slots", verbose_name="交付会場"
    )
    starts_at = models.DateTimeField("開始")
    ends_at = models.DateTimeField("終了")
    capacity_web = models.PositiveSmallIntegerField("席数（WEB）", default=0)
    capacity_phone = models.PositiveSmallIntegerField("席数（コールセンター・FAX）", default=0)
    capacity_internal = models.PositiveSmallIntegerField("席数（区職員）", default=0)
    booked_web = models.PositiveSmallIntegerField("予約数（WEB）", default=0)
    booked_phone = models.PositiveSmallIntegerField("予約数（コールセンター・FAX）", default=0)
    booked_internal = models.PositiveSmallIntegerField("予約数（区職員）", default=0)

    class Meta:
        verbose_name = "予約枠"
        verbose_name_plural = "予約枠"
        ordering = ["venue", "starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["venue", "starts_at"],
                name="cards_slot_one_per_start",
                violation_error_message="この会場のこの時刻の枠は登録済みです。",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="cards_slot_ends_after_start",
                violation_error_message="終了は開始より後にしてください。",
            ),
            *(_not_over(pool) for pool in SeatPool.values),
        ]

    def __str__(self) -> str:
        return f"{self.venue.short_name} {self.starts_at:%Y-%m-%d %H:%M}"

    def capacity(self, pool: str) -> int:
        return getattr(self, f"capacity_{pool}")

    def booked(self, pool: str) -> int:
        return getattr(self, f"booked_{pool}")

    def free(self, pool: str) -> int:
        return max(self.capacity(pool) - self.booked(pool), 0)
