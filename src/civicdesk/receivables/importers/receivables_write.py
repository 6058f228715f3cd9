"""Receivables, second pass: write what the first pass checked, in chunks, in the caller's
transaction.

Order: households, obligors (and their provided phones), accounts, then the installments
streamed back from the spill file. Each chunk of a few thousand asks the database what
exists (skipped while a table holds nothing of the municipality), compares, and inserts or
updates only what differs, so a file imported twice counts everything as unchanged.
Problems only the database can reveal (a 整理番号 held by another person, payments on what
the file would delete) are added to the errors; the caller then rolls everything back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from civicdesk.core.choices import RevenueType
from civicdesk.core.japanese import fiscal_year_label, normalize_name
from civicdesk.privacy.field_policy import held_fields
from civicdesk.receivables.importers import bulk
from civicdesk.receivables.importers.errors import ErrorLog
from civicdesk.receivables.importers.receivables_check import (
    ABSENT,
    DROPPED,
    TYPE_BITS,
    ReceivablesFile,
    unpack_person,
)
from civicdesk.receivables.models import Account, Installment, Payment
from civicdesk.registry.addresses import parse_address
from civicdesk.registry.models import Household, Obligor, Phone, PhoneSource, PhoneStatus

OBLIGOR_COLUMNS = [
    "name",
    "name_key",
    "name_kana",
    "kana_key",
    "alias_name",
    "sex",
    "birth_date",
    "postal_code",
    "address",
    "town",
    "chome",
    "block",
    "address_extra",
    "household",
    "relationship",
]
_AT = {name: position for position, name in enumerate(OBLIGOR_COLUMNS)}
_OBLIGOR_DEFAULTS = ("", "", "", "", "", "", None, "", "", "", None, "", "", None, "")
ACCOUNT_COLUMNS = [
    "collection_kind",
    "insured_no",
    "account_transfer",
    "demand_notice_on",
    "reminder_on",
]
_ACCOUNT_DEFAULTS = ("", "", None, None, None)
INSTALLMENT_COLUMNS = ["due_date", "assessed", "paid", "late_charge", "last_paid_on"]


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


@dataclass
class _Context:
    data: ReceivablesFile
    municipality: object
    errors: ErrorLog
    now: object
    tally: Tally = field(default_factory=Tally)
    household_ids: dict[str, int] = field(default_factory=dict)
    obligor_ids: dict[str, int] = field(default_factory=dict)
    account_ids: list = field(default_factory=list)  # by account index
    new_accounts: set[int] = field(default_factory=set)  # indexes created by this import
    keys: _Keys = field(default_factory=lambda: _Keys())
    account_positions: list[int] = field(default_factory=list)  # file's account fields

    def __post_init__(self):
        self.account_positions = [ACCOUNT_COLUMNS.index(n) for n in self.data.account_fields]


def write_receivables(
    data: ReceivablesFile,
    *,
    municipality,
    full: bool,
    errors: ErrorLog,
    progress: Callable[[float], None] | None = None,
) -> Tally:
    context = _Context(data, municipality, errors, timezone.now())
    _write_households(context)
    _write_obligors(context)
    _write_accounts(context)
    _write_installments(context, progress)
    if full:
        _delete_absent_accounts(context)
    return context.tally


# --- households ---------------------------------------------------------------------------


def _write_households(context: _Context) -> None:
    data = context.data
    if "household_no" not in data.person_fields:
        return
    position = data.person_fields.index("household_no") + 1
    numbers = {unpack_person(stored)[position] for stored in data.persons.values()}
    numbers.discard(None)
    municipality = context.municipality.pk
    found = {}
    if bulk.has_rows(Household, municipality=municipality):
        found = bulk.ids_by_key(Household, "household_no", numbers, municipality=municipality)
    missing = sorted(numbers - set(found))
    bulk.insert(Household, ["municipality", "household_no"], [(municipality, n) for n in missing])
    found.update(bulk.ids_by_key(Household, "household_no", missing, municipality=municipality))
    context.household_ids = found


# --- obligors -----------------------------------------------------------------------------


def _allowed_by_types(person_fields: list[str]) -> Callable[[int], list[tuple[int, str]]]:
    """For a set of revenue types (bits): the person fields any of them may hold."""
    cache: dict[int, list[tuple[int, str]]] = {}

    def allowed(bits: int) -> list[tuple[int, str]]:
        if bits not in cache:
            held = frozenset().union(
                *(held_fields(code) for code, bit in TYPE_BITS.items() if bits & bit)
            )
            cache[bits] = [
                (position, name)
                for position, name in enumerate(person_fields, start=1)
                if name in held
            ]
        return cache[bits]

    return allowed


class _Keys:
    """normalize_name, remembered: many people share a surname, a given name or a reading."""

    def __init__(self):
        self.memo: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        key = self.memo.get(text)
        if key is None:
            if len(self.memo) > 100_000:
                self.memo.clear()
            key = self.memo[text] = normalize_name(text)
        return key


def _desired_obligor(base: tuple, record: list, spoken, household_ids, keys) -> tuple[list, object]:
    """The obligor's columns after this file, and its provided phones (None: not spoken of)."""
    values = list(base)
    phones = None
    for position, name in spoken:
        value = record[position]
        if name == "phone":
            phones = value or ()
        elif name == "name":
            values[0], values[1] = value, keys(value)
        elif name == "name_kana":
            values[2], values[3] = value or "", keys(value) if value else ""
        elif name == "address":
            town, chome, block = parse_address(value)
            values[8:12] = [value, town, chome, block]
        elif name == "birth_date":
            values[6] = value
        elif name == "household_no":
            values[13] = household_ids[value] if value else None
        else:
            values[_AT[name]] = value or ""
    return values, phones


def _write_obligors(context: _Context) -> None:
    data, tally = context.data, context.tally
    municipality = context.municipality.pk
    residents = list(data.persons)
    if not bulk.has_rows(Obligor, municipality=municipality):
        # Nothing to compare with: everyone is new, in one stream.
        _create_obligors(context, residents)
        return
    allowed = _allowed_by_types(data.person_fields)
    now_db = _db_datetime(context.now)
    columns = ["resident_no", "id", *OBLIGOR_COLUMNS]
    for chunk in bulk.chunks(residents, bulk.WRITE_CHUNK):
        existing = {
            row[0]: row[1:]
            for row in bulk.select(
                Obligor, columns, "resident_no", chunk, municipality=municipality
            )
        }
        updates, wanted_phones = [], {}
        for resident_no in chunk:
            found = existing.get(resident_no)
            if found is None:
                continue
            record = unpack_person(data.persons[resident_no])
            pk, base = found[0], found[1:]
            values, phones = _desired_obligor(
                base, record, allowed(record[0]), context.household_ids, context.keys
            )
            context.obligor_ids[resident_no] = pk
            if phones is not None:
                wanted_phones[pk] = phones
            if values != list(base):
                updates.append((*values, now_db, pk))
        bulk.update(Obligor, [*OBLIGOR_COLUMNS, "updated_at"], updates)
        updated = {row[-1] for row in updates} | _replace_phones(wanted_phones)
        tally.updated += len(updated)
        tally.unchanged += len(existing) - len(updated)
        _create_obligors(context, [r for r in chunk if r not in existing])


def _create_obligors(context: _Context, residents: list[str]) -> None:
    data = context.data
    allowed = _allowed_by_types(data.person_fields)
    municipality = context.municipality.pk
    now_db = _db_datetime(context.now)
    phones = []
    ids = bulk.reserve_ids(Obligor, len(residents))
    columns = ["id", "municipality", "resident_no", *OBLIGOR_COLUMNS, "created_at", "updated_at"]
    with bulk.Inserter(Obligor, columns) as inserter:
        for resident_no, pk in zip(residents, ids, strict=True):
            record = unpack_person(data.persons[resident_no])
            values, provided = _desired_obligor(
                _OBLIGOR_DEFAULTS, record, allowed(record[0]), context.household_ids, context.keys
            )
            inserter.add((pk, municipality, resident_no, *values, now_db, now_db))
            context.obligor_ids[resident_no] = pk
            phones.extend((pk, *phone) for phone in provided or ())
    _insert_phones(phones)
    context.tally.created += len(residents)


def _insert_phones(rows: list[tuple]) -> None:
    bulk.insert(
        Phone,
        ["obligor", "number", "display", "kind", "source", "status", "last_outcome"],
        [(*row, PhoneSource.PROVIDED.value, PhoneStatus.UNKNOWN.value, "") for row in rows],
    )


def _replace_phones(wanted: dict[int, tuple]) -> set[int]:
    """Existing obligors' provided phones as the file says; returns those that changed."""
    if not wanted:
        return set()
    have = defaultdict(dict)
    for pk, obligor_id, number, source in bulk.select(
        Phone, ["id", "obligor", "number", "source"], "obligor", list(wanted)
    ):
        have[obligor_id][number] = (pk, source)
    rows, stale, changed = [], [], set()
    for obligor_id, phones in wanted.items():
        numbers = {phone[0] for phone in phones}
        for phone in phones:
            if phone[0] not in have[obligor_id]:
                rows.append((obligor_id, *phone))
                changed.add(obligor_id)
        for number, (pk, source) in have[obligor_id].items():
            # Numbers the center collected stay; only the municipality's own are replaced.
            if source == PhoneSource.PROVIDED and number not in numbers:
                stale.append(pk)
                changed.add(obligor_id)
    _insert_phones(rows)
    for chunk in bulk.chunks(stale):
        Phone.objects.filter(pk__in=chunk).delete()
    return changed


# --- accounts -----------------------------------------------------------------------------


def _write_accounts(context: _Context) -> None:
    data, tally = context.data, context.tally
    context.account_ids = [None] * len(data.accounts)
    municipality = context.municipality.pk
    if not bulk.has_rows(Account, municipality=municipality):
        _create_accounts(context, list(data.accounts.values()))
        return
    by_type = defaultdict(list)
    for record in data.accounts.values():
        by_type[record.revenue_type].append(record)
    columns = ["case_no", "id", "obligor", *ACCOUNT_COLUMNS]
    for revenue_type, records in by_type.items():
        where = {"municipality": municipality, "revenue_type": revenue_type}
        for chunk in bulk.chunks(records, bulk.WRITE_CHUNK):
            existing = {
                row[0]: row[1:]
                for row in bulk.select(
                    Account, columns, "case_no", [r.case_no for r in chunk], **where
                )
            }
            updates = []
            for record in chunk:
                found = existing.get(record.case_no)
                if found is None:
                    continue
                pk, obligor_id, base = found[0], found[1], found[2:]
                context.account_ids[record.index] = pk
                values = _desired_account(context, base, record)
                if obligor_id != context.obligor_ids[record.resident_no]:
                    _report_other_owner(context, record, obligor_id)
                elif values != list(base):
                    updates.append((*values, pk))
                else:
                    tally.unchanged += 1
            bulk.update(Account, ACCOUNT_COLUMNS, updates)
            tally.updated += len(updates)
            _create_accounts(context, [r for r in chunk if r.case_no not in existing])


def _desired_account(context: _Context, base: tuple, record) -> list:
    values = list(base)
    for position, value in zip(context.account_positions, record.values, strict=True):
        if value is not DROPPED:
            values[position] = value if value is not None else _ACCOUNT_DEFAULTS[position]
    return values


def _create_accounts(context: _Context, records: list) -> None:
    municipality = context.municipality.pk
    ids = bulk.reserve_ids(Account, len(records))
    columns = ["id", "municipality", "revenue_type", "case_no", "obligor", *ACCOUNT_COLUMNS]
    with bulk.Inserter(Account, columns) as inserter:
        for record, pk in zip(records, ids, strict=True):
            values = _desired_account(context, _ACCOUNT_DEFAULTS, record)
            obligor_id = context.obligor_ids[record.resident_no]
            inserter.add(
                (pk, municipality, record.revenue_type, record.case_no, obligor_id, *values)
            )
            context.account_ids[record.index] = pk
            context.new_accounts.add(record.index)
    context.tally.created += len(records)


def _report_other_owner(context: _Context, record, obligor_id: int) -> None:
    owner = Obligor.objects.filter(pk=obligor_id).values_list("resident_no", flat=True).first()
    context.errors.add(
        record.first_line,
        context.data.table.names["resident_no"],
        f"整理番号 {record.case_no} は別の宛名番号（{owner}）の口座として登録済みです",
    )


# --- installments -------------------------------------------------------------------------


_INSTALLMENT_INSERT = ["account", "fiscal_year", "period", *INSTALLMENT_COLUMNS]


def _new_installment(account_id, year, period, due, assessed, paid, late, last_paid) -> tuple:
    late = None if late is ABSENT else late
    last_paid = None if last_paid is ABSENT else last_paid
    return (account_id, year, period, due, assessed, paid, late, last_paid)


def _write_installments(context: _Context, progress) -> None:
    data, tally = context.data, context.tally
    account_ids, new_accounts = context.account_ids, context.new_accounts
    if len(new_accounts) == len(account_ids):
        # Every account is new: nothing to compare, one stream. (No progress calls inside:
        # nothing else may use the connection during a COPY.)
        with bulk.Inserter(Installment, _INSTALLMENT_INSERT, plain=True) as inserter:
            for chunk in data.installments.chunks():
                for index, *rest in chunk:
                    inserter.add(_new_installment(account_ids[index], *rest))
        tally.created += inserter.count
        if progress is not None:
            progress(1.0)
        return
    loaded: set[int] = set()
    existing: dict[tuple, tuple] = {}  # (account id, year, period) → (pk, *columns)
    total = max(data.installments.count, 1)
    done = 0
    for chunk in data.installments.chunks():
        to_load = {
            account_ids[row[0]]
            for row in chunk
            if row[0] not in new_accounts and account_ids[row[0]] not in loaded
        }
        _load_installments(to_load, existing)
        loaded |= to_load
        new_rows, updates = [], []
        for index, year, period, due, assessed, paid, late, last_paid in chunk:
            account_id = account_ids[index]
            found = (
                existing.pop((account_id, year, period), None)
                if index not in new_accounts
                else None
            )
            if found is None:
                new_rows.append(
                    _new_installment(account_id, year, period, due, assessed, paid, late, last_paid)
                )
                continue
            values = [
                due,
                assessed,
                paid,
                found[4] if late is ABSENT else late,
                found[5] if last_paid is ABSENT else last_paid,
            ]
            if values != list(found[1:]):
                updates.append((*values, found[0]))
        bulk.insert(Installment, _INSTALLMENT_INSERT, new_rows)
        bulk.update(Installment, INSTALLMENT_COLUMNS, updates)
        tally.created += len(new_rows)
        tally.updated += len(updates)
        tally.unchanged += len(chunk) - len(new_rows) - len(updates)
        done += len(chunk)
        if progress is not None:
            progress(done / total)
    # What is left was not in the file: the file replaces each of its accounts' installments.
    _delete_absent_installments(context, existing)


def _load_installments(account_ids: set[int], into: dict) -> None:
    columns = ["account", "fiscal_year", "period", "id", *INSTALLMENT_COLUMNS]
    for row in bulk.select(Installment, columns, "account", sorted(account_ids)):
        into[row[0], row[1], row[2]] = row[3:]


def _delete_absent_installments(context: _Context, absent: dict) -> None:
    if not absent:
        return
    paid = _with_payments(Q(installment_id__in=[value[0] for value in absent.values()]))
    records = {
        context.account_ids[record.index]: record for record in context.data.accounts.values()
    }
    deletable = []
    for (account_id, year, period), value in absent.items():
        if value[0] in paid:
            record = records[account_id]
            context.errors.add(
                record.first_line,
                context.data.table.names["case_no"],
                f"整理番号 {record.case_no} の{fiscal_year_label(year)} 第{period}期は"
                "ファイルにありませんが、納付の記録があるため削除できません",
            )
        else:
            deletable.append(value[0])
    for chunk in bulk.chunks(deletable):
        Installment.objects.filter(pk__in=chunk).delete()
    context.tally.deleted += len(deletable)


def _with_payments(condition: Q) -> set[int]:
    return set(Payment.objects.filter(condition).values_list("installment_id", flat=True))


def _delete_absent_accounts(context: _Context) -> None:
    """--full: the file is the whole set for its revenue types; other accounts go."""
    data = context.data
    types = sorted(data.revenue_types)
    absent = [
        (pk, revenue_type, case_no)
        for pk, revenue_type, case_no in Account.objects.filter(
            municipality=context.municipality, revenue_type__in=types
        ).values_list("pk", "revenue_type", "case_no")
        if (revenue_type, case_no) not in data.accounts
    ]
    with_payments = set()
    for chunk in bulk.chunks([pk for pk, *_ in absent]):
        with_payments |= set(
            Payment.objects.filter(installment__account_id__in=chunk).values_list(
                "installment__account_id", flat=True
            )
        )
    labels = dict(RevenueType.choices)
    deletable = []
    for pk, revenue_type, case_no in absent:
        if pk in with_payments:
            context.errors.add(
                data.table.header_line or 1,
                data.table.names["case_no"],
                f"ファイルにない口座（{labels[revenue_type]} 整理番号 {case_no}）には納付の記録が"
                "あるため、--full で削除できません",
            )
        else:
            deletable.append(pk)
    for chunk in bulk.chunks(deletable):
        Installment.objects.filter(account_id__in=chunk).delete()
        Account.objects.filter(pk__in=chunk).delete()
    context.tally.deleted += len(deletable)


# --- values as stored ---------------------------------------------------------------------


def _db_datetime(value):
    return connection.ops.adapt_datetimefield_value(value)
