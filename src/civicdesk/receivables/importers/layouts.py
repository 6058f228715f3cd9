"""The three built-in layouts (docs/data-formats.md): headers, English aliases, parsers.

A header is recognised in either spelling, after NFKC and without spaces, so ``氏名ｶﾅ``,
``氏名 カナ`` and ``name_kana`` all mean 氏名カナ. ``policy`` names the field in the field
policy (privacy/field_policy.yaml); ``None`` means the column holds no personal data.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from civicdesk.receivables.importers import values
from civicdesk.receivables.models import ImportKind


@dataclass(frozen=True)
class Column:
    field: str  # the English alias, also the name used in code
    header: str  # the Japanese header
    required: bool
    parse: Callable[[str], object]
    # How many distinct spellings an import remembers the parsed value of (values repeat:
    # dates, fiscal years, and every cell of one person on each of their rows).
    memo_limit: int
    policy: str | None

    def names(self) -> tuple[str, str]:
        return self.header, self.field


@dataclass(frozen=True)
class Layout:
    kind: str
    columns: tuple[Column, ...]

    def column(self, field: str) -> Column:
        return next(column for column in self.columns if column.field == field)

    def find(self, header: str) -> Column | None:
        """The column a file header means (Japanese header or English alias), or None."""
        key = header_key(header)
        return next(
            (column for column in self.columns if key in map(header_key, column.names())),
            None,
        )


def header_key(header: str) -> str:
    return "".join(unicodedata.normalize("NFKC", header).split()).lower()


def _plain(parse: Callable, memo_limit: int = 50_000) -> tuple[Callable, int]:
    return parse, memo_limit


def _sized(parse: Callable, max_length: int, memo_limit: int) -> tuple[Callable, int]:
    return partial(parse, max_length=max_length), memo_limit


# Memo sizes: values shared by many rows (dates, amounts, names) are remembered generously;
# values of one person or account (宛名番号, 住所, 電話番号) repeat only on that person's rows,
# which are compared raw before any cell is parsed, so a short memory is enough.
_ONE_PERSON = 2_000
_REVENUE_TYPE = _plain(values.revenue_type, 1_000)
_FISCAL_YEAR = _plain(values.fiscal_year, 1_000)
_PERIOD = _plain(values.period, 1_000)
_DATE = _plain(values.date_iso)
_AMOUNT = _plain(values.amount)
_KEY = _sized(values.identifier, 20, _ONE_PERSON)
_CASE_NO = _sized(values.identifier, 30, _ONE_PERSON)
_NAME = _sized(values.text, 100, 20_000)
_KANA = _sized(values.kana, 100, 20_000)
_ADDRESS = _sized(values.text, 200, _ONE_PERSON)
_SEX = _plain(values.sex, 100)
_RELATIONSHIP = _sized(values.text, 20, 1_000)


def _column(field, header, required, parser, policy="same") -> Column:
    parse, memo_limit = parser
    return Column(field, header, required, parse, memo_limit, field if policy == "same" else policy)


RECEIVABLES = Layout(
    ImportKind.RECEIVABLES,
    (
        _column("revenue_type", "税目", True, _REVENUE_TYPE),
        _column("resident_no", "宛名番号", True, _KEY),
        _column("case_no", "整理番号", True, _CASE_NO),
        _column("name", "氏名", True, _NAME),
        _column("name_kana", "氏名カナ", False, _KANA),
        _column("alias_name", "通称名", False, _NAME),
        _column("sex", "性別", False, _SEX),
        _column("birth_date", "生年月日", False, _DATE),
        _column("postal_code", "郵便番号", False, _plain(values.postal_code, 20_000)),
        _column("address", "住所", True, _ADDRESS),
        _column("address_extra", "方書", False, _ADDRESS),
        _column("phone", "電話番号", False, _plain(values.phones, _ONE_PERSON)),
        _column("household_no", "世帯番号", False, _KEY),
        _column("relationship", "続柄", False, _RELATIONSHIP),
        _column("insured_no", "被保険者番号", False, _KEY),
        _column("collection_kind", "徴収区分", False, _plain(values.collection_kind, 100)),
        _column("fiscal_year", "年度", True, _FISCAL_YEAR),
        _column("period", "期別", True, _PERIOD),
        _column("due_date", "納期限", True, _DATE),
        _column("assessed", "調定額", True, _AMOUNT),
        _column("paid", "納付額", True, _AMOUNT),
        _column("unpaid", "未納額", True, _AMOUNT),
        _column("late_charge", "延滞金", False, _AMOUNT),
        _column("last_paid_on", "最終納付日", False, _DATE),
        _column("demand_notice_on", "督促状発送日", False, _DATE),
        _column("reminder_on", "催告書発送日", False, _DATE),
        _column("account_transfer", "口座振替", False, _plain(values.boolean, 100)),
    ),
)

HOUSEHOLD = Layout(
    ImportKind.HOUSEHOLD,
    (
        _column("household_no", "世帯番号", True, _KEY),
        _column("resident_no", "宛名番号", True, _KEY),
        _column("name", "氏名", True, _NAME, "household_member_name"),
        _column("name_kana", "氏名カナ", False, _KANA, "household_member_name"),
        _column("sex", "性別", False, _SEX, "household_member_sex"),
        _column("birth_date", "生年月日", False, _DATE, "household_member_birth_date"),
        _column("relationship", "続柄", True, _RELATIONSHIP, "household_member_relationship"),
    ),
)

PAYMENTS = Layout(
    ImportKind.PAYMENTS,
    (
        _column("revenue_type", "税目", True, _REVENUE_TYPE),
        _column("case_no", "整理番号", True, _CASE_NO),
        # A payment names an installment and an amount: nothing about the person.
        _column("fiscal_year", "年度", True, _FISCAL_YEAR, None),
        _column("period", "期別", True, _PERIOD, None),
        _column("amount", "納付額", True, _AMOUNT, None),
        _column("paid_on", "収納日", True, _DATE, None),
        _column("received_on", "領収日", False, _DATE, None),
    ),
)

LAYOUTS = {layout.kind: layout for layout in (RECEIVABLES, HOUSEHOLD, PAYMENTS)}
