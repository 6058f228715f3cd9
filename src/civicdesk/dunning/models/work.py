"""The dunning center: campaigns and their work items, contacts, promises, hand-overs to staff,
requests for staff, and inbound calls.

A work item is one obligor in one campaign, whatever the number of their accounts: pacing,
callbacks and attempt limits are per person (DESIGN rule 5, seed 000 §8(1)⑧).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from civicdesk.core.choices import RevenueType
from civicdesk.core.functions import TokyoDate
from civicdesk.dunning.choices import (
    CampaignChannel,
    CampaignKind,
    CampaignStatus,
    ContactChannel,
    ContactOutcome,
    ContactParty,
    HandOverReason,
    HandOverStatus,
    NoEffectReason,
    PriorityRule,
    PromiseStatus,
    StaffRequestKind,
    StaffRequestStatus,
    WorkItemStatus,
)

USER = settings.AUTH_USER_MODEL


class Campaign(models.Model):
    """架電計画・訪問計画: saved conditions, a channel, a period, a priority rule, who works it."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    name = models.CharField("計画名", max_length=100)
    kind = models.CharField(
        "種類", max_length=10, choices=CampaignKind.choices, default=CampaignKind.PLANNED
    )
    channel = models.CharField("手段", max_length=10, choices=CampaignChannel.choices)
    status = models.CharField(
        "状態", max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.ACTIVE
    )
    starts_on = models.DateField("開始日")
    ends_on = models.DateField("終了日")
    priority_rule = models.CharField(
        "優先順位",
        max_length=20,
        choices=PriorityRule.choices,
        default=PriorityRule.NEWEST_ARREARS,
    )
    # dunning.conditions.Conditions as JSON (revenue types, fiscal years, amounts, …).
    conditions = models.JSONField("抽出条件", default=dict, blank=True)
    max_attempts = models.PositiveSmallIntegerField("最大架電回数", default=5)
    min_days_between_contacts = models.PositiveSmallIntegerField(
        "同一人への催告間隔（日）", default=3
    )
    # outcome → {"minutes": N, "other_time_of_day": bool}; empty: the defaults
    # (dunning.choices.DEFAULT_RETRY_RULES).
    retry_rules = models.JSONField("再架電ルール", default=dict, blank=True)
    script = models.TextField("トークスクリプト", blank=True)
    teams = models.ManyToManyField(
        "accounts.Team", blank=True, related_name="campaigns", verbose_name="担当チーム"
    )
    operators = models.ManyToManyField(
        USER, blank=True, related_name="campaigns", verbose_name="担当オペレータ"
    )
    created_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="作成者",
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    built_at = models.DateTimeField("対象抽出日時", null=True, blank=True)

    class Meta:
        verbose_name = "催告計画"
        verbose_name_plural = "催告計画"
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="dunning_campaign_period_ordered",
            ),
            models.UniqueConstraint(
                fields=["municipality"],
                condition=Q(kind=CampaignKind.FOLLOW_UP),
                name="dunning_campaign_one_follow_up",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WorkItem(models.Model):
    """One obligor in one campaign: leased to one operator at a time.

    Held means ``lease_expires_at`` is in the future; an expired lease is free again without
    any clean-up job. ``priority`` is the campaign's rule turned into one number (higher first).
    """

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="items", verbose_name="催告計画"
    )
    obligor = models.ForeignKey(
        "registry.Obligor", on_delete=models.CASCADE, related_name="+", verbose_name="納付義務者"
    )
    accounts = models.ManyToManyField(
        "receivables.Account", related_name="+", verbose_name="対象の口座"
    )
    revenue_types = models.JSONField("税目・保険料", default=list)
    unpaid_total = models.BigIntegerField("未納額（抽出時）", default=0)
    oldest_due_date = models.DateField("最も古い納期限", null=True, blank=True)
    newest_due_date = models.DateField("最も新しい納期限", null=True, blank=True)
    overdue_periods = models.PositiveIntegerField("未納期数", default=0)
    priority = models.BigIntegerField("優先度", default=0)
    status = models.CharField(
        "状態", max_length=10, choices=WorkItemStatus.choices, default=WorkItemStatus.OPEN
    )
    no_effect_reason = models.CharField(
        "効果なしの理由", max_length=20, choices=NoEffectReason.choices, blank=True
    )
    attempts = models.PositiveSmallIntegerField("架電回数", default=0)
    next_attempt_at = models.DateTimeField("次回架電可能日時", null=True, blank=True)
    last_outcome = models.CharField(
        "最終結果", max_length=30, choices=ContactOutcome.choices, blank=True
    )
    last_contact_at = models.DateTimeField("最終対応日時", null=True, blank=True)
    lease_owner = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="担当中",
    )
    lease_expires_at = models.DateTimeField("担当期限", null=True, blank=True)
    callback_at = models.DateTimeField("折返し予定日時", null=True, blank=True)
    callback_owner = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="折返し担当",
    )
    follow_up_of = models.ForeignKey(
        "dunning.Promise",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="不履行の約束",
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "案件"
        verbose_name_plural = "案件"
        ordering = ["campaign", "-priority", "pk"]
        permissions = [("work_item", "案件を処理できる（次の案件・結果入力）")]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "obligor"], name="dunning_workitem_unique_obligor"
            )
        ]
        indexes = [
            models.Index(
                fields=["campaign", "status", "-priority", "id"], name="dunning_item_queue"
            ),
            models.Index(fields=["status", "callback_at"], name="dunning_item_callback"),
            # The claim's first tier (callbacks, follow-ups): a few rows among thousands.
            models.Index(
                fields=["campaign", "status"],
                condition=Q(callback_at__isnull=False) | Q(follow_up_of__isnull=False),
                name="dunning_item_first_tier",
            ),
            models.Index(fields=["obligor", "lease_expires_at"], name="dunning_item_lease"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} #{self.pk}"


class Contact(models.Model):
    """折衝記録: one attempt or conversation in any channel, with the accounts it covered."""

    obligor = models.ForeignKey(
        "registry.Obligor",
        on_delete=models.CASCADE,
        related_name="contacts",
        verbose_name="納付義務者",
    )
    work_item = models.ForeignKey(
        WorkItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name="案件",
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name="催告計画",
    )
    channel = models.CharField("区分", max_length=15, choices=ContactChannel.choices)
    party = models.CharField("相手", max_length=10, choices=ContactParty.choices)
    outcome = models.CharField("結果", max_length=30, choices=ContactOutcome.choices)
    at = models.DateTimeField("日時", db_index=True)
    user = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="担当者",
    )
    phone = models.ForeignKey(
        "registry.Phone",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name="電話番号",
    )
    accounts = models.ManyToManyField(
        "receivables.Account",
        through="ContactAccount",
        related_name="contacts",
        verbose_name="対象の口座",
    )
    note = models.TextField("内容", blank=True)
    hot_voice = models.BooleanField("ホットボイス", default=False)
    # Counts towards min_days_between_contacts: someone was reached, or a letter / SMS went out.
    paces = models.BooleanField("催告間隔の対象", default=False)
    # At or after the end of regular hours of the channel's calendar (夜間, seed 000 §8(3)).
    night = models.BooleanField("夜間", default=False)
    # What the reports count a contact by, kept on the row so that a month is one index scan
    # (ADR 0011): the Tokyo day of `at`, the revenue types covered (dunning.coverage) and
    # whether it made a promise. The services that write ContactAccount and Promise set them.
    day = models.GeneratedField(
        expression=TokyoDate("at"), output_field=models.DateField(), db_persist=True
    )
    coverage = models.PositiveIntegerField("対象の税目（ビット）", default=0, editable=False)
    promised = models.BooleanField("納付約束あり", default=False, editable=False)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    class Meta:
        verbose_name = "折衝記録"
        verbose_name_plural = "折衝記録"
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["obligor", "-at"], name="dunning_contact_history"),
            models.Index(fields=["obligor", "paces", "at"], name="dunning_contact_pacing"),
            # Covering, in GROUP BY order: the reports read a period from the index alone.
            models.Index(
                fields=["day", "channel", "party", "outcome", "night", "promised", "coverage"],
                name="dunning_contact_report",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_channel_display()} {self.get_outcome_display()}"

    @property
    def reached(self) -> bool:
        return self.party != ContactParty.NONE


class ContactAccount(models.Model):
    """Which account (and so which revenue type) a contact covered: one row per account."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="covered")
    account = models.ForeignKey("receivables.Account", on_delete=models.CASCADE, related_name="+")
    revenue_type = models.CharField("税目", max_length=20, choices=RevenueType.choices)
    # The Tokyo day of the contact when it reached someone (else empty): "paid after contact"
    # finds a payment's reached contacts on its account in one index probe (ADR 0011).
    reached_on = models.DateField("対話日", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "折衝記録の対象口座"
        verbose_name_plural = "折衝記録の対象口座"
        constraints = [
            models.UniqueConstraint(fields=["contact", "account"], name="dunning_contact_account")
        ]
        indexes = [
            models.Index(fields=["account", "contact"], name="dunning_covered_account"),
            models.Index(
                fields=["account", "reached_on"],
                condition=Q(reached_on__isnull=False),
                name="dunning_covered_reached",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.get_revenue_type_display()}"


class Promise(models.Model):
    """納付約束: an amount by a date, over the accounts of the contact that made it."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="promises", verbose_name="折衝記録"
    )
    obligor = models.ForeignKey(
        "registry.Obligor", on_delete=models.CASCADE, related_name="+", verbose_name="納付義務者"
    )
    accounts = models.ManyToManyField(
        "receivables.Account", related_name="+", verbose_name="対象の口座"
    )
    amount = models.BigIntegerField("約束額")
    promised_on = models.DateField("約束日")
    status = models.CharField(
        "履行状況", max_length=15, choices=PromiseStatus.choices, default=PromiseStatus.PENDING
    )
    paid_amount = models.BigIntegerField("納付額（判定時）", default=0)
    decided_at = models.DateTimeField("判定日時", null=True, blank=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    class Meta:
        verbose_name = "納付約束"
        verbose_name_plural = "納付約束"
        ordering = ["promised_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="dunning_promise_amount")
        ]
        indexes = [models.Index(fields=["status", "promised_on"], name="dunning_promise_due")]

    def __str__(self) -> str:
        return f"{self.promised_on} {self.amount}円（{self.get_status_display()}）"


class HandOver(models.Model):
    """引継ぎ（催告業務引き継ぎ・連絡票）: a case the contractor passes to staff, who decide."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    obligor = models.ForeignKey(
        "registry.Obligor",
        on_delete=models.CASCADE,
        related_name="hand_overs",
        verbose_name="納付義務者",
    )
    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hand_overs",
        verbose_name="折衝記録",
    )
    revenue_types = models.JSONField("税目・保険料", default=list)
    reason = models.CharField("理由", max_length=30, choices=HandOverReason.choices)
    note = models.TextField("連絡事項")
    status = models.CharField(
        "状態", max_length=10, choices=HandOverStatus.choices, default=HandOverStatus.OPEN
    )
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name="起票者"
    )
    created_at = models.DateTimeField("起票日時", auto_now_add=True)
    handled_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="対応職員",
    )
    handled_at = models.DateTimeField("対応日時", null=True, blank=True)
    staff_note = models.TextField("職員メモ・差戻し理由", blank=True)

    class Meta:
        verbose_name = "引継ぎ"
        verbose_name_plural = "引継ぎ"
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="dunning_handover_inbox")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}（{self.get_status_display()}）"


class StaffRequest(models.Model):
    """納付書再発行・口座振替依頼書の送付依頼: collected for staff, exported to Excel."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    kind = models.CharField("種類", max_length=30, choices=StaffRequestKind.choices)
    obligor = models.ForeignKey(
        "registry.Obligor",
        on_delete=models.CASCADE,
        related_name="staff_requests",
        verbose_name="納付義務者",
    )
    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff_requests",
        verbose_name="折衝記録",
    )
    accounts = models.ManyToManyField(
        "receivables.Account", related_name="+", verbose_name="対象の口座"
    )
    note = models.TextField("備考", blank=True)
    status = models.CharField(
        "状態",
        max_length=10,
        choices=StaffRequestStatus.choices,
        default=StaffRequestStatus.OPEN,
    )
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name="依頼者"
    )
    created_at = models.DateTimeField("依頼日時", auto_now_add=True)
    done_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="処理者",
    )
    done_at = models.DateTimeField("処理日時", null=True, blank=True)

    class Meta:
        verbose_name = "職員への依頼"
        verbose_name_plural = "職員への依頼"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.get_status_display()}）"


class InboundCall(models.Model):
    """A call the PBX/CTI announced (受電): the caller's number and who it may be."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    caller = models.CharField("発信者番号（E.164）", max_length=20, blank=True)
    caller_display = models.CharField("発信者番号", max_length=30, blank=True)
    received_at = models.DateTimeField("着信日時")
    # The operator the PBX put the call through to; empty: shown to every operator on duty.
    operator = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="応答者",
    )
    matches = models.ManyToManyField(
        "registry.Obligor", related_name="+", blank=True, verbose_name="該当候補"
    )
    taken_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="対応者",
    )
    taken_at = models.DateTimeField("対応開始日時", null=True, blank=True)

    class Meta:
        verbose_name = "受電"
        verbose_name_plural = "受電"
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M} {self.caller_display}"
