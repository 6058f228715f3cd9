"""Template variables and how a message text is made from a template.

Variables are written {氏名} in the body. Three carry personal values and need the template's
``allows_personal_values`` and the field policy's field for the template's revenue type (calls
purpose: SMS is part of the phone work, seed 002); two are the center's own.

``WORST_CASE`` is the longest text each variable can become: a template is checked with these
values on save, so no message rendered from it can exceed CIVICDESK_SMS_MAX_CHARACTERS.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from civicdesk.core.japanese import era_date, yen

NAME = "氏名"
UNPAID = "未納額"
DUE_DATE = "納期限"
CONTACT = "問合せ先"
HOURS = "受付時間"

VARIABLES = {
    NAME: "宛名の氏名（例: 江東 花子）",
    UNPAID: "この税目・保険料の未納額の合計（例: 12,345円）",
    DUE_DATE: "未納のうち最も古い納期限（例: 令和7年5月31日）",
    CONTACT: "納付案内センターの名称と電話番号",
    HOURS: "電話の受付時間（業務カレンダーから）",
}
# Variable → the field-policy field it shows (None: not personal data).
PERSONAL_FIELDS = {NAME: "name", UNPAID: "unpaid", DUE_DATE: "due_date"}

# The longest value each personal variable is taken to have when a template is saved: names
# of 30 characters (a long foreign name in katakana; the registry allows 100, and a message
# that still comes out too long is not sent but recorded, services.batches), amounts up to
# 9,999,999,999円, dates like 令和10年12月31日. Center and hours are measured as they are.
WORST_CASE = {
    NAME: "国" * 30,
    UNPAID: yen(9_999_999_999),
    DUE_DATE: "令和10年12月31日",
}
SAMPLE = {
    NAME: "江東 花子",
    UNPAID: yen(12_345),
    DUE_DATE: era_date(dt.date(2025, 5, 31)),
}

_VARIABLE = re.compile(r"\{([^{}]*)\}")


class TemplateSyntaxProblem(ValueError):
    pass


@dataclass(frozen=True)
class Values:
    """The values of one message (personal ones empty when the template may not use them)."""

    name: str = ""
    unpaid: str = ""
    due_date: str = ""
    contact: str = ""
    hours: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            NAME: self.name,
            UNPAID: self.unpaid,
            DUE_DATE: self.due_date,
            CONTACT: self.contact,
            HOURS: self.hours,
        }


def variables_in(body: str) -> list[str]:
    """The variables a body uses, in order of first use; unknown ones raise with their names."""
    found = list(dict.fromkeys(_VARIABLE.findall(body)))
    unknown = [name for name in found if name not in VARIABLES]
    if unknown:
        names = "・".join("{" + name + "}" for name in unknown)
        known = "・".join("{" + name + "}" for name in VARIABLES)
        raise TemplateSyntaxProblem(f"使えない変数があります: {names}（使える変数: {known}）")
    return found


def personal_variables_in(body: str) -> list[str]:
    return [name for name in variables_in(body) if name in PERSONAL_FIELDS]


def render(body: str, values: dict[str, str]) -> str:
    """The body with every {変数} replaced (variables_in has checked the names)."""
    return _VARIABLE.sub(lambda match: values.get(match.group(1), match.group(0)), body)


def contact_text(municipality) -> str:
    """「江東区納付案内センター 03-1234-5678」 (the letters print the same two fields)."""
    name = (municipality.contact_center_name or "").strip()
    phone = (municipality.contact_center_phone or "").strip()
    return " ".join(part for part in (name, phone) if part)
