"""Choices shared by several apps (names from GLOSSARY.md)."""

from django.db import models


class RevenueType(models.TextChoices):
    RESIDENT_TAX = "resident_tax", "特別区民税・都民税・森林環境税"
    LIGHT_VEHICLE_TAX = "light_vehicle_tax", "軽自動車税（種別割）"
    NHI = "nhi", "国民健康保険料"
    LATE_ELDERLY = "late_elderly", "後期高齢者医療保険料"
    LTC = "ltc", "介護保険料"


# The short names core systems write in their files (import layout 1 reads them, layout 4
# writes them).
REVENUE_TYPE_FILE_LABELS = {
    RevenueType.RESIDENT_TAX: "住民税",
    RevenueType.LIGHT_VEHICLE_TAX: "軽自動車税",
    RevenueType.NHI: "国保",
    RevenueType.LATE_ELDERLY: "後期高齢",
    RevenueType.LTC: "介護",
}


class ContactChannel(models.TextChoices):
    """How a contact (折衝記録) happened; layout 4 writes these labels."""

    OUTBOUND_CALL = "outbound_call", "架電"
    INBOUND_CALL = "inbound_call", "受電"
    VISIT = "visit", "訪問"
    SMS = "sms", "SMS"
    LETTER = "letter", "文書"


class ContactParty(models.TextChoices):
    """Who answered: reached (接触) is anyone but NONE."""

    SELF = "self", "本人"
    FAMILY = "family", "家族"
    OTHER = "other", "その他"
    NONE = "none", "不通"


REACHED_PARTIES = frozenset({ContactParty.SELF, ContactParty.FAMILY, ContactParty.OTHER})
