"""Paper and cards on the move (別紙③, 別紙⑥ 2(1)②③): print runs and mailings, cards
received from the ward, transfers to the venues with their ledgers, the venue day, and the
center's daily reconciliation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from civicdesk.cards.choices import MailingKind


def _user(label: str, *, null: bool = False) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=null,
        blank=null,
        related_name="+",
        verbose_name=label,
    )


class Mailing(models.Model):
    """One print run (印刷回) of the letters or reissue postcards: the print file made for the
    print contractor, then the day the envelopes went to the post."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    kind = models.CharField("種類", max_length=20, choices=MailingKind.choices)
    run_no = models.PositiveSmallIntegerField("印刷回")
    row_count = models.PositiveIntegerField("件数")
    file_name = models.CharField("ファイル名", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    created_at = models.DateTimeField("作成日時", default=timezone.now)
    created_by = _user("作成者", null=True)
    mailed_on = models.DateField("発送日", null=True, blank=True)
    mailed_by = _user("発送記録者", null=True)
    export_record = models.ForeignKey(
        "privacy.ExportRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="持出し記録",
    )

    class Meta:
        verbose_name = "印刷・発送"
        verbose_name_plural = "印刷・発送"
        ordering = ["municipality", "kind", "run_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "kind", "run_no"],
                name="cards_mailing_run_unique",
                violation_error_message="この印刷回は作成済みです。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} 第{self.run_no}回"


class CardReceipt(models.Model):
    """Cards received from the ward: the count on the ward's slip and the cards recorded."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    received_on = models.DateField("受領日")
    declared_count = models.PositiveIntegerField("送付書の枚数")
    recorded_at = models.DateTimeField("記録日時", default=timezone.now)
    recorded_by = _user("記録者")
    note = models.CharField("備考", max_length=300, blank=True)

    class Meta:
        verbose_name = "カード受領"
        verbose_name_plural = "カード受領"
        ordering = ["-received_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.received_on} {self.declared_count}枚"


class VenueTransfer(models.Model):
    """Cards sent from the center to a venue with their delivery ledger (各会場送付台帳)."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    venue = models.ForeignKey(
        "cards.Venue", on_delete=models.PROTECT, related_name="transfers", verbose_name="送付先"
    )
    number = models.PositiveIntegerField("送付番号")
    card_count = models.PositiveIntegerField("枚数")
    ledger_order = models.CharField("台帳の並び", max_length=20)
    sent_at = models.DateTimeField("送付日時", default=timezone.now)
    sent_by = _user("送付者")
    hand_over = models.OneToOneField(
        "privacy.HandOverRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="受渡記録",
    )
    received_at = models.DateTimeField("会場の受領日時", null=True, blank=True)
    received_by = _user("会場の受領者", null=True)
    received_count = models.PositiveIntegerField("会場で数えた枚数", null=True, blank=True)

    class Meta:
        verbose_name = "会場への送付"
        verbose_name_plural = "会場への送付"
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "number"],
                name="cards_transfer_number_unique",
                violation_error_message="この送付番号は使用済みです。",
            )
        ]

    def __str__(self) -> str:
        return f"送付 No.{self.number} {self.venue.short_name} {self.card_count}枚"


class VenueTransferItem(models.Model):
    transfer = models.ForeignKey(
        VenueTransfer, on_delete=models.CASCADE, related_name="items", verbose_name="送付"
    )
    target = models.ForeignKey(
        "cards.CardTarget",
        on_delete=models.CASCADE,
        related_name="transfer_items",
        verbose_name="交付対象者",
    )
    position = models.PositiveIntegerField("台帳の行")

    class Meta:
        verbose_name = "送付したカード"
        verbose_name_plural = "送付したカード"
        ordering = ["transfer", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["transfer", "target"], name="cards_transfer_item_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.transfer} {self.position}"


class VenueDay(models.Model):
    """A venue's day in cards: opening + received − issued − returned − failed = counted,
    or a written explanation of the difference."""

    venue = models.ForeignKey(
        "cards.Venue", on_delete=models.PROTECT, related_name="days", verbose_name="交付会場"
    )
    date = models.DateField("日付")
    opening = models.PositiveIntegerField("前日残")
    received = models.PositiveIntegerField("受領")
    issued = models.PositiveIntegerField("交付")
    returned = models.PositiveIntegerField("区へ返却")
    failed = models.PositiveIntegerField("交付不可")
    counted = models.PositiveIntegerField("実数（数えた枚数）")
    explanation = models.TextField("差異の説明", blank=True)
    closed_at = models.DateTimeField("締め日時", default=timezone.now)
    closed_by = _user("締め担当者")

    class Meta:
        verbose_name = "会場の日締め"
        verbose_name_plural = "会場の日締め"
        ordering = ["venue", "-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["venue", "date"],
                name="cards_venue_day_unique",
                violation_error_message="この会場のこの日は締め済みです。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.venue.short_name} {self.date}"

    @property
    def expected(self) -> int:
        return self.opening + self.received - self.issued - self.returned - self.failed

    @property
    def difference(self) -> int:
        return self.counted - self.expected


class ReconciliationClose(models.Model):
    """The center's daily reconciliation (別紙⑥ 2(1)②③): notices received = notices mailed,
    cards received = cards sent to the venues (+ those still in the center's stock)."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    date = models.DateField("日付")
    notices_received = models.PositiveIntegerField("交付通知書の受領数")
    notices_mailed = models.PositiveIntegerField("交付通知書の発送数")
    notices_pending = models.PositiveIntegerField("発送前の交付通知書")
    cards_received = models.PositiveIntegerField("カードの受領数")
    cards_transferred = models.PositiveIntegerField("会場への送付数")
    cards_in_stock = models.PositiveIntegerField("事務センター保管数")
    explanation = models.TextField("差異の説明", blank=True)
    closed_at = models.DateTimeField("締め日時", default=timezone.now)
    closed_by = _user("締め担当者")

    class Meta:
        verbose_name = "突合の日締め"
        verbose_name_plural = "突合の日締め"
        ordering = ["municipality", "-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "date"],
                name="cards_reconciliation_day_unique",
                violation_error_message="この日の突合は締め済みです。",
            )
        ]

    def __str__(self) -> str:
        return f"突合 {self.date}"
