"""Choices of the reports (names from GLOSSARY.md)."""

from __future__ import annotations

from django.db import models


class ReportKind(models.TextChoices):
    DAILY = "daily", "日次報告書"
    NIGHT = "night", "夜間電話・訪問催告件数票"
    MONTHLY = "monthly", "月次報告書"
    ANNUAL = "annual", "年度報告書"


# The reports a supervisor writes remarks on and finalises (the others are figures only).
EDITABLE_KINDS = (ReportKind.DAILY, ReportKind.MONTHLY)


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "作成中"
    FINAL = "final", "確定"


class TargetChannel(models.TextChoices):
    CALL = "call", "電話催告（架電）"
    VISIT = "visit", "訪問催告"
