"""What receivables hold of people (accounts, installments, payments, the import files), declared
for oversight (privacy.personal_data).

It decides who a purge of one revenue type takes: the people who owe only that type go
entirely; the others keep their record (the center still works their other types) and lose the
accounts of that type.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from civicdesk.privacy.personal_data import Item, PersonalData, Selection, Targets
from civicdesk.receivables.models import Account, ImportRun, ImportStatus, Installment, Payment


def _accounts(selection: Selection):
    accounts = Account.objects.filter(municipality=selection.municipality)
    if selection.everything:
        return accounts
    return accounts.filter(revenue_type=selection.revenue_type)


def narrow(selection: Selection) -> None:
    if selection.everything:
        return
    of_type = _accounts(selection)
    others = Account.objects.filter(municipality=selection.municipality).exclude(
        revenue_type=selection.revenue_type
    )
    selection.people = selection.people.filter(pk__in=of_type.values("obligor_id")).exclude(
        pk__in=others.values("obligor_id")
    )


def _imports(selection: Selection):
    return ImportRun.objects.filter(municipality=selection.municipality)


def select(selection: Selection) -> Targets:
    accounts = _accounts(selection)
    imports = _imports(selection)
    return {
        "payments": Payment.objects.filter(installment__account__in=accounts),
        "installments": Installment.objects.filter(account__in=accounts),
        "accounts": accounts,
        # One revenue type keeps the import records (counts, hash) but loses their files.
        "import_runs": imports if selection.everything else imports.none(),
    }


def files(selection: Selection) -> list[Path]:
    uploads = _imports(selection).exclude(upload="").values_list("upload", flat=True)
    return [Path(settings.MEDIA_ROOT) / name for name in uploads]


def busy(municipality) -> str:
    running = (ImportStatus.PENDING, ImportStatus.RUNNING)
    if ImportRun.objects.filter(municipality=municipality, status__in=running).exists():
        return "取込みが待機中または実行中です。取込みが終わってから実行してください。"
    return ""


def before_delete(selection: Selection, targets: Targets):
    # One revenue type keeps its import records; their files and quoted errors go.
    if not selection.everything:
        _imports(selection).update(upload="", errors=[])
    return None


PERSONAL_DATA = PersonalData(
    app_label="receivables",
    items=(
        Item("accounts", "口座（整理番号）"),
        Item("installments", "期別（調定・納付状況）"),
        Item("payments", "納付"),
        Item("import_runs", "取込み記録"),
    ),
    narrow=narrow,
    select=select,
    files=files,
    file_label="取込みファイル",
    busy=busy,
    before_delete=before_delete,
)
