"""Home visits (訪問催告): a visitor's list for one day, and what each visit found.

A visit list leases its work items to the visitor until the end of the day (ADR 0008), so
no caller and no other visitor takes those people meanwhile; a visit result is a contact
with channel ``visit`` (services.visit_results.record_visit) plus a VisitRecord for what only a
visit has: the notices left, the evidence that nobody of that name lives there.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from civicdesk.dunning.choices import VisitResult

USER = settings.AUTH_USER_MODEL


class LeftNoticeTemplate(models.Model):
    """A document a visitor leaves in the mailbox (不在票・納付案内パンフレット等)."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    name = models.CharField("名称", max_length=50)
    description = models.CharField("説明", max_length=200, blank=True)
    active = models.BooleanField("使用中", default=True)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "差し置き文書"
        verbose_name_plural = "差し置き文書"
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="dunning_left_notice_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class VisitList(models.Model):
    """訪問リスト: the people one visitor visits on one day, in street order."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    campaign = models.ForeignKey(
        "dunning.Campaign",
        on_delete=models.PROTECT,
        related_name="visit_lists",
        verbose_name="訪問計画",
    )
    visitor = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="visit_lists", verbose_name="訪問員"
    )
    day = models.DateField("訪問日")
    # The area asked for when the list was made: [{"town": "東陽", "chome": 4}, …]; empty: any.
    areas = models.JSONField("地区", default=list, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name="作成者"
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)

    class Meta:
        verbose_name = "訪問リスト"
        verbose_name_plural = "訪問リスト"
        ordering = ["-day", "visitor", "pk"]
        indexes = [models.Index(fields=["visitor", "day"], name="dunning_visit_list_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.visitor}"


class VisitStop(models.Model):
    """One person on a visit list, at its place in the street order."""

    visit_list = models.ForeignKey(
        VisitList, on_delete=models.CASCADE, related_name="stops", verbose_name="訪問リスト"
    )
    work_item = models.ForeignKey(
        "dunning.WorkItem", on_delete=models.CASCADE, related_name="+", verbose_name="案件"
    )
    position = models.PositiveIntegerField("順番")
    # The visit's contact, once recorded (one per stop: a second visit is a new list).
    contact = models.OneToOneField(
        "dunning.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visit_stop",
        verbose_name="訪問結果",
    )

    class Meta:
        verbose_name = "訪問先"
        verbose_name_plural = "訪問先"
        ordering = ["visit_list", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit_list", "position"], name="dunning_visit_stop_position"
            ),
            models.UniqueConstraint(
                fields=["visit_list", "work_item"], name="dunning_visit_stop_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visit_list} {self.position}"


class VisitRecord(models.Model):
    """What a visit found beyond the contact itself: notices left, not-residing evidence.

    ``client_key`` is the tablet form's key (a UUID made when the form was drawn): a result
    sent twice, because the connection dropped after the server had saved it, is saved once.
    """

    contact = models.OneToOneField(
        "dunning.Contact",
        on_delete=models.CASCADE,
        related_name="visit_record",
        verbose_name="折衝記録",
    )
    result = models.CharField("訪問結果", max_length=20, choices=VisitResult.choices)
    left_notices = models.ManyToManyField(
        LeftNoticeTemplate, blank=True, related_name="+", verbose_name="差し置き文書"
    )
    # NotResidingEvidence values.
    evidence = models.JSONField("居住実態なしの状況", default=list, blank=True)
    management_company = models.CharField("管理会社の連絡先（メモ）", max_length=200, blank=True)
    client_key = models.UUIDField("送信キー", unique=True)
    visited_at = models.DateTimeField("訪問日時")
    received_at = models.DateTimeField("受信日時", auto_now_add=True)

    class Meta:
        verbose_name = "訪問結果"
        verbose_name_plural = "訪問結果"

    def __str__(self) -> str:
        return f"{self.visited_at:%Y-%m-%d %H:%M} {self.get_result_display()}"
