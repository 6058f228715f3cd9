"""Receivables, first pass: read and check every row, keeping only compact state.

What is kept: one merged record per person (宛名番号) and per account (税目 + 整理番号), one
bit per installment in its account's record (duplicates), and the installments themselves in
a spill file on disk. Cells that repeat from row to row (the person's and the account's) are
parsed once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from marshal import dumps, loads
from operator import itemgetter

from civicdesk.core.choices import RevenueType
from civicdesk.core.japanese import fiscal_year_label
from civicdesk.privacy.field_policy import held_fields
from civicdesk.receivables.importers.bulk import Spill
from civicdesk.receivables.importers.errors import ErrorLog
from civicdesk.receivables.importers.layouts import RECEIVABLES
from civicdesk.receivables.importers.mapping import Mapping
from civicdesk.receivables.importers.reader import Source
from civicdesk.receivables.importers.validate import CellGroup, Table, open_table
from civicdesk.receivables.importers.values import AS_NEEDED

KEY_FIELDS = ["revenue_type", "resident_no", "case_no"]
PERSON_FIELDS = [
    "name",
    "name_kana",
    "alias_name",
    "sex",
    "birth_date",
    "postal_code",
    "address",
    "address_extra",
    "phone",
    "household_no",
    "relationship",
]
ACCOUNT_FIELDS = [
    "insured_no",
    "collection_kind",
    "account_transfer",
    "demand_notice_on",
    "reminder_on",
]
INSTALLMENT_FIELDS = [
    "fiscal_year",
    "period",
    "due_date",
    "assessed",
    "paid",
    "unpaid",
    "late_charge",
    "last_paid_on",
]
# One bit per revenue type: a person's record remembers which types they appear under.
TYPE_BITS = {code: 1 << number for number, code in enumerate(RevenueType.values)}
# An account field the revenue type may not hold: the stored value is left as it is.
DROPPED = object()
# Installment cells the file does not give (no column, or not held): marshal-able marker.
ABSENT = ...


class AccountRecord:
    """One account of the file. Slots: a file can hold hundreds of thousands of them."""

    __slots__ = ("case_no", "first_line", "index", "periods", "resident_no", "revenue_type")
    __slots__ += ("values", "year_base")

    def __init__(self, index, revenue_type, case_no, resident_no, first_line, width):
        self.index = index
        self.revenue_type = revenue_type
        self.case_no = case_no
        self.resident_no = resident_no
        self.first_line = first_line
        self.values = [None] * width  # ACCOUNT_FIELDS present in the file, DROPPED if not held
        # The installments seen, one bit per (fiscal year, period) counted from year_base:
        # exact duplicate detection for a few bytes per account.
        self.periods = 0
        self.year_base = 0

    def add_period(self, fiscal_year: int, period: str) -> bool:
        """Note an installment; False if the file already had it."""
        if not self.periods:
            self.year_base = fiscal_year
        elif fiscal_year < self.year_base:
            self.periods <<= _PERIOD_BITS * (self.year_base - fiscal_year)
            self.year_base = fiscal_year
        bit = 1 << ((fiscal_year - self.year_base) * _PERIOD_BITS + _PERIOD_NUMBER[period])
        if self.periods & bit:
            return False
        self.periods |= bit
        return True


_PERIOD_NUMBER = {str(number): number for number in range(1, 15)} | {AS_NEEDED: 15}
_PERIOD_BITS = 16


@dataclass
class ReceivablesFile:
    table: Table
    person_fields: list[str]
    account_fields: list[str]
    # resident_no → a byte of type bits, 8 bytes standing for the raw cells last merged, and
    # the person_fields values (None: empty in every row), marshalled: a few hundred bytes a
    # person instead of a kilobyte of Python objects.
    persons: dict[str, bytes] = field(default_factory=dict)
    accounts: dict[tuple[str, str], AccountRecord] = field(default_factory=dict)
    # (account index, fiscal year, period, due date, assessed, paid, late charge, last paid)
    installments: Spill = field(default_factory=Spill)
    rows: int = 0
    revenue_types: set[str] = field(default_factory=set)

    def held(self) -> frozenset[str]:
        return frozenset().union(*(held_fields(code) for code in self.revenue_types))


def check_receivables(source: Source, mapping: Mapping | None, errors: ErrorLog) -> ReceivablesFile:
    table, rows = open_table(source, RECEIVABLES, mapping, errors)
    keys = CellGroup(table, KEY_FIELDS)
    person = CellGroup(table, PERSON_FIELDS)
    account = CellGroup(table, ACCOUNT_FIELDS)
    installment = CellGroup(table, INSTALLMENT_FIELDS)
    result = ReceivablesFile(table, person.fields, account.fields)
    persons, accounts = result.persons, result.accounts
    report = _Reporter(table, errors)
    # Which account cells each revenue type may hold (e.g. 被保険者番号 only 後期高齢・介護).
    account_held = {
        code: [name in held_fields(code) for name in account.fields] for code in TYPE_BITS
    }
    late_at = _position(installment.fields, "late_charge")
    last_paid_at = _position(installment.fields, "last_paid_on")
    late_held = {
        code: late_at is not None and "late_charge" in held_fields(code) for code in TYPE_BITS
    }
    account_width = len(account.fields)
    pending: list[tuple] = []
    spill = result.installments
    # A person's cells repeat on each of their rows: compare them raw, parse what changed.
    same_person_of = itemgetter(*[table.index[f] for f in KEY_FIELDS + person.fields])
    last_same = last_keys = last_account = None
    key_values = person_values = account_values = None
    merged_person = merged_account = None
    digest = b""
    count = 0
    # The loop is written out (no helper calls on the common path): it runs once per row.
    for line, row in rows:
        count += 1
        same = same_person_of(row)
        if same != last_same or key_values is None or person_values is None:
            raw = keys.raw(row)
            if raw != last_keys or key_values is None:
                key_values, last_keys = keys.parse(row, line, errors, raw), raw
            raw = person.raw(row)
            merged_person = None
            digest = _digest(raw)
            stored = persons.get(key_values[1]) if key_values else None
            if stored is not None and stored[1:9] == digest:
                # The cells this person's rows last had (often in another revenue type's
                # part of the file): nothing new to check or merge.
                person_values, merged_person = _REUSED, key_values[1]
            else:
                person_values = person.parse(row, line, errors, raw)
            last_same = same
        raw = account.raw(row)
        if raw != last_account or account_values is None:
            account_values, last_account = account.parse(row, line, errors, raw), raw
            merged_account = None
        values = installment.parse(row, line, errors)
        if values is None or not key_values or person_values is None or account_values is None:
            continue

        revenue_type, resident_no, case_no = key_values
        fiscal_year, period, due_date, assessed, paid, unpaid = values[:6]
        if assessed - paid != unpaid:
            report.unpaid(line, assessed, paid, unpaid)
            continue
        record = accounts.get((revenue_type, case_no))
        if record is None:
            record = AccountRecord(
                len(accounts), revenue_type, case_no, resident_no, line, account_width
            )
            accounts[revenue_type, case_no] = record
            result.revenue_types.add(revenue_type)
        elif record.resident_no != resident_no:
            report.other_resident(line, record)
            continue
        if not record.add_period(fiscal_year, period):
            report.duplicate(line, case_no, fiscal_year, period)
            continue

        bit = TYPE_BITS[revenue_type]
        stored = persons.get(resident_no)
        if stored is None:
            persons[resident_no] = bytes((bit,)) + digest + dumps(tuple(person_values))
        elif merged_person != resident_no:
            # Across rows, the last non-empty value wins; an empty cell erases nothing.
            merged = [
                old if new is None else new
                for new, old in zip(person_values, loads(memoryview(stored)[9:]), strict=True)
            ]
            persons[resident_no] = bytes((stored[0] | bit,)) + digest + dumps(tuple(merged))
        elif not stored[0] & bit:
            persons[resident_no] = bytes((stored[0] | bit,)) + stored[1:]
        merged_person = resident_no
        if merged_account is not record:
            record.values = [
                (old if new is None else new) if held else DROPPED
                for new, old, held in zip(
                    account_values, record.values, account_held[revenue_type], strict=True
                )
            ]
            merged_account = record
        pending.append(
            (
                record.index,
                fiscal_year,
                period,
                due_date,
                assessed,
                paid,
                values[late_at] if late_held[revenue_type] else ABSENT,
                values[last_paid_at] if last_paid_at is not None else ABSENT,
            )
        )
        if len(pending) >= Spill.CHUNK:
            spill.extend(pending)
            pending = []
    spill.extend(pending)
    result.rows = count
    return result


class _Reporter:
    """The row errors only this pass can find, worded once."""

    def __init__(self, table: Table, errors: ErrorLog):
        self.errors = errors
        self.resident_column = table.names["resident_no"]
        self.unpaid_column = table.names["unpaid"]
        self.period_column = table.names["period"]

    def unpaid(self, line: int, assessed: int, paid: int, unpaid: int) -> None:
        self.errors.add(
            line,
            self.unpaid_column,
            "未納額が調定額−納付額と合いません"
            f"（{assessed:,} − {paid:,} = {assessed - paid:,}、未納額は {unpaid:,}）",
        )

    def other_resident(self, line: int, record: AccountRecord) -> None:
        self.errors.add(
            line,
            self.resident_column,
            f"整理番号 {record.case_no} は {record.first_line} 行目で"
            f"別の宛名番号（{record.resident_no}）になっています",
        )

    def duplicate(self, line: int, case_no: str, fiscal_year: int, period: str) -> None:
        self.errors.add(
            line,
            self.period_column,
            f"同じ期別（整理番号 {case_no} の{fiscal_year_label(fiscal_year)} 第{period}期）が"
            "ファイル内で重複しています",
        )


def unpack_person(stored: bytes) -> list:
    """[type bits, *values in person_fields order] of a ``ReceivablesFile.persons`` entry."""
    return [stored[0], *loads(memoryview(stored)[9:])]


_REUSED = ()  # person_values when the stored record already holds them


def _digest(raw: tuple) -> bytes:
    """8 bytes standing for a person's raw cells (equal cells, equal digest)."""
    return (hash(raw) & 0xFFFF_FFFF_FFFF_FFFF).to_bytes(8, "little")


def _position(fields: list[str], name: str) -> int | None:
    return fields.index(name) if name in fields else None
