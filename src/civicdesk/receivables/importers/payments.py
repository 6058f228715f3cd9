"""Payments (§3): one Payment per row, added to the installment it names.

A payment already recorded (same installment, 収納日 and amount) is recognised and counted
as unchanged, so a file imported twice adds nothing the second time. A payment larger than
what is unpaid is recorded as it is: overpayments happen, and the refund is staff's work.
After writing, ``hooks.payments_imported`` tells the dunning app which installments were paid.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from civicdesk.core.japanese import fiscal_year_label
from civicdesk.receivables import hooks
from civicdesk.receivables.importers import bulk
from civicdesk.receivables.importers.errors import ErrorLog
from civicdesk.receivables.importers.layouts import PAYMENTS
from civicdesk.receivables.importers.mapping import Mapping
from civicdesk.receivables.importers.reader import Source
from civicdesk.receivables.importers.validate import CellGroup, open_table
from civicdesk.receivables.models import Account, Installment, Payment

FIELDS = ["revenue_type", "case_no", "fiscal_year", "period", "amount", "paid_on", "received_on"]


class CheckedPayments:
    def __init__(self, table):
        self.table = table
        # (line, revenue type, case no, year, period, amount, paid on, received on)
        self.payments = bulk.Spill()
        self.rows = 0

    def counts(self) -> dict:
        return {"rows": self.rows, "payments": self.payments.count}

    def columns(self) -> tuple[list[str], list[str]]:
        return self.table.kept_and_dropped(frozenset())

    def write(self, *, run, acting_user, full, errors: ErrorLog, progress) -> dict:
        names = self.table.names
        accounts = Account.objects.filter(municipality=run.municipality)
        created = unchanged = 0
        paid_installments: set[int] = set()
        named_installments: set[int] = set()
        done = 0
        for chunk in self.payments.chunks():
            account_ids = _account_ids(accounts, {(row[1], row[2]) for row in chunk})
            installments = _installments(
                {
                    (account_ids[row[1], row[2]], row[3], row[4])
                    for row in chunk
                    if (row[1], row[2]) in account_ids
                }
            )
            recorded = _recorded({value[0] for value in installments.values()})
            new_rows = []
            added = defaultdict(lambda: [0, None])  # installment → [amount, latest paid_on]
            for line, revenue_type, case_no, year, period, amount, paid_on, received_on in chunk:
                account_id = account_ids.get((revenue_type, case_no))
                if account_id is None:
                    errors.add(
                        line, names["case_no"], f"整理番号 {case_no} の口座が登録されていません"
                    )
                    continue
                found = installments.get((account_id, year, period))
                if found is None:
                    errors.add(
                        line,
                        names["period"],
                        f"整理番号 {case_no} に{fiscal_year_label(year)} 第{period}期の"
                        "期別がありません",
                    )
                    continue
                installment_id = found[0]
                named_installments.add(installment_id)
                if (installment_id, paid_on, amount) in recorded:
                    unchanged += 1
                    continue
                new_rows.append((installment_id, amount, paid_on, received_on, run.pk))
                total = added[installment_id]
                total[0] += amount
                total[1] = max(total[1] or paid_on, paid_on)
            bulk.insert(
                Payment, ["installment", "amount", "paid_on", "received_on", "import_run"], new_rows
            )
            stored = {pk: (paid, last_paid_on) for pk, paid, last_paid_on in installments.values()}
            updates = []
            for installment_id, (amount, latest) in added.items():
                paid, last_paid_on = stored[installment_id]
                updates.append((paid + amount, max(last_paid_on or latest, latest), installment_id))
            bulk.update(Installment, ["paid", "last_paid_on"], updates)
            paid_installments.update(added)
            created += len(new_rows)
            done += len(chunk)
            progress(done / max(self.payments.count, 1))
        if not errors and not run.dry_run and paid_installments:
            hooks.payments_imported(
                acting_user=acting_user, installment_ids=sorted(paid_installments), import_run=run
            )
        return {
            "installments": len(named_installments),
            "created": created,
            "unchanged": unchanged,
        }

    def close(self) -> None:
        self.payments.close()


def _account_ids(accounts, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    by_type = defaultdict(list)
    for revenue_type, case_no in keys:
        by_type[revenue_type].append(case_no)
    found = {}
    for revenue_type, case_nos in by_type.items():
        for chunk in bulk.chunks(case_nos):
            for case_no, pk in accounts.filter(
                revenue_type=revenue_type, case_no__in=chunk
            ).values_list("case_no", "pk"):
                found[revenue_type, case_no] = pk
    return found


def _installments(keys: set[tuple[int, int, str]]) -> dict[tuple[int, int, str], tuple]:
    """(account, year, period) → (pk, paid, last paid on as ISO text) for the named ones."""
    found = {}
    account_ids = sorted({key[0] for key in keys})
    for chunk in bulk.chunks(account_ids):
        for account_id, year, period, pk, paid, last_paid_on in Installment.objects.filter(
            account_id__in=chunk
        ).values_list("account_id", "fiscal_year", "period", "pk", "paid", "last_paid_on"):
            if (account_id, year, period) in keys:
                found[account_id, year, period] = (
                    pk,
                    paid,
                    last_paid_on.isoformat() if last_paid_on else None,
                )
    return found


def _recorded(installment_ids: set[int]) -> set[tuple[int, str, int]]:
    recorded = set()
    for chunk in bulk.chunks(sorted(installment_ids)):
        for installment_id, paid_on, amount in Payment.objects.filter(
            Q(installment_id__in=chunk)
        ).values_list("installment_id", "paid_on", "amount"):
            recorded.add((installment_id, paid_on.isoformat(), amount))
    return recorded


def check_payments(source: Source, mapping: Mapping | None, errors: ErrorLog) -> CheckedPayments:
    table, rows = open_table(source, PAYMENTS, mapping, errors)
    cells = CellGroup(table, FIELDS)
    checked = CheckedPayments(table)
    amount_column = table.names["amount"]
    period_column = table.names["period"]
    seen: dict[int, int] = {}
    pending = []
    for line, row in rows:
        checked.rows += 1
        values = cells.parse(row, line, errors)
        if values is None:
            continue
        revenue_type, case_no, year, period, amount, paid_on = values[:6]
        received_on = values[6] if len(values) > 6 else None
        if amount == 0:
            errors.add(line, amount_column, "納付額は1円以上です")
            continue
        digest = hash((revenue_type, case_no, year, period, paid_on, amount))
        if digest in seen:
            errors.add(
                line,
                period_column,
                f"同じ納付（同じ期別・収納日・納付額）が {seen[digest]} 行目にもあります",
            )
            continue
        seen[digest] = line
        pending.append((line, revenue_type, case_no, year, period, amount, paid_on, received_on))
        if len(pending) >= bulk.Spill.CHUNK:
            checked.payments.extend(pending)
            pending = []
    checked.payments.extend(pending)
    return checked
