"""The receivables part of ``civicdesk demo``: the synthetic residents in arrears
(receivables.demo_data) written to var/demo/ and loaded with the real importer as the demo
user ``staff``, so the demo goes through the same validation, field policy, access log and
registers as a municipality's files.

Loaded once: when the municipality has obligors the part says so and keeps them; ``--rebuild``
removes them first (``remove``: obligors, accounts, installments, payments, phones and
households, in SQL, after the parts above have removed what refers to them).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.demo_parts import DemoContext, DemoError, DemoPart, Skipped
from civicdesk.core.models import Municipality
from civicdesk.receivables import demo_data
from civicdesk.receivables.models import Account, Installment, Payment
from civicdesk.receivables.services import import_file
from civicdesk.registry.models import Household, HouseholdMember, Obligor, Phone

# The demo user who loads the files: importing data is municipal staff work (DESIGN.md).
DEMO_IMPORTER = "staff"
PROGRESS_LABELS = {"receivables": "滞納データ（期別）", "household": "世帯員"}


class DemoDataError(DemoError):
    """The generated files did not import; the message lists the first errors (Japanese)."""


@dataclass
class DemoDataLoad:
    paths: dict[str, Path]
    counts: dict[str, dict] = field(default_factory=dict)  # import kind → ImportResult.counts
    generate_seconds: float = 0.0
    import_seconds: float = 0.0


def demo_data_dir() -> Path:
    return settings.VAR_DIR / "demo"


def demo_obligor_count(municipality: Municipality) -> int:
    return Obligor.objects.filter(municipality=municipality).count()


def load_demo_data(
    *,
    acting_user,
    municipality: Municipality,
    obligors: int,
    seed: int,
    as_of: date | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> DemoDataLoad:
    """Generate the demo files into var/demo/ and load them with the real importer, both
    imports in one transaction. ``progress(kind, percent)`` follows each import."""
    started = time.perf_counter()
    paths = demo_data.generate(demo_data_dir(), obligors, seed, as_of=as_of)
    load = DemoDataLoad(paths=paths, generate_seconds=time.perf_counter() - started)
    started = time.perf_counter()
    with transaction.atomic():
        # Receivables first: they create the obligors and households the members join.
        for kind in ("receivables", "household"):
            result = import_file(
                acting_user=acting_user,
                municipality=municipality,
                kind=kind,
                path=paths[kind],
                encoding="cp932",
                display_name=paths[kind].name,
                progress=(lambda percent, kind=kind: progress(kind, percent)) if progress else None,
            )
            if result.error_count:
                shown = "\n".join(str(error) for error in result.errors[:10])
                raise DemoDataError(
                    "デモデータの取込みに失敗しました"
                    f"（エラー {result.error_count:,} 件）:\n{shown}"
                )
            load.counts[kind] = dict(result.counts)
    load.import_seconds = time.perf_counter() - started
    return load


def remove_demo_data(*, acting_user, municipality: Municipality) -> int:
    """Delete the municipality's obligors with their accounts, installments, payments, phones
    and households (``--rebuild``). Returns the number of obligors removed."""
    account, installment = Account._meta.db_table, Installment._meta.db_table
    obligor, household = Obligor._meta.db_table, Household._meta.db_table
    of_municipality = "municipality_id = %s"
    # One statement per table, children first: Django's cascade would load the 400,000
    # installments into memory first (20 s instead of 2). Nothing is deleted behind anyone's
    # back: the database's own foreign keys refuse it if a later app refers to these rows.
    deletions = (
        (
            Payment,
            f"installment_id IN (SELECT i.id FROM {installment} i "
            f"JOIN {account} a ON a.id = i.account_id WHERE a.{of_municipality})",
        ),
        (Installment, f"account_id IN (SELECT id FROM {account} WHERE {of_municipality})"),
        (Account, of_municipality),
        (Phone, f"obligor_id IN (SELECT id FROM {obligor} WHERE {of_municipality})"),
        (HouseholdMember, f"household_id IN (SELECT id FROM {household} WHERE {of_municipality})"),
        (Obligor, of_municipality),
        (Household, of_municipality),
    )
    with transaction.atomic():
        count = demo_obligor_count(municipality)
        with connection.cursor() as cursor:
            for model, condition in deletions:
                cursor.execute(
                    f"DELETE FROM {model._meta.db_table} WHERE {condition}", [municipality.pk]
                )
        record_access(
            acting_user=acting_user,
            action=AccessAction.DELETE,
            obj=municipality,
            reason=f"デモデータの作り直し（納付義務者 {count:,} 人を削除）",
        )
    return count


# --- the part --------------------------------------------------------------------------------


def check(context: DemoContext) -> None:
    if not 0 <= context.obligors <= demo_data.MAX_OBLIGORS:
        raise DemoError(
            f"--obligors には 0 以上 {demo_data.MAX_OBLIGORS:,} 以下の整数を指定してください:"
            f" {context.obligors}"
        )


def build(context: DemoContext) -> DemoDataLoad | Skipped:
    municipality = context.municipality
    loaded = demo_obligor_count(municipality)
    if loaded:
        return Skipped(
            f"デモデータは読み込み済みです（納付義務者 {loaded:,} 人）。"
            "作り直すには --rebuild を指定してください。"
        )
    if not context.obligors:
        return Skipped("滞納データ: 納付義務者 0 人のため作成しません。")
    context.say(
        f"デモデータを作成しています（納付義務者 {context.obligors:,} 人、"
        f"乱数の種 {context.seed}）…"
    )
    load = load_demo_data(
        acting_user=context.person(DEMO_IMPORTER),
        municipality=municipality,
        obligors=context.obligors,
        seed=context.seed,
        as_of=context.as_of or demo_data.default_as_of(context.today),
        progress=_progress(context.say),
    )
    receivables, household = load.counts["receivables"], load.counts["household"]
    context.say(
        f"デモデータを読み込みました: 納付義務者 {receivables.get('obligors', 0):,} 人、"
        f"口座 {receivables.get('accounts', 0):,} 件、"
        f"期別 {receivables.get('installments', 0):,} 件、世帯員 {household.get('rows', 0):,} 人"
        f"（作成 {load.generate_seconds:.1f} 秒、取込み {load.import_seconds:.1f} 秒）。"
        f" ファイル: {load.paths['receivables'].parent}"
    )
    return load


def _progress(say: Callable[[str], None]) -> Callable[[str, int], None]:
    shown: dict[str, int] = {}

    def report(kind: str, percent: int) -> None:
        step = percent // 25 * 25  # a line every quarter: enough to see it is moving
        if shown.get(kind, -1) < step:
            shown[kind] = step
            say(f"  取込み中: {PROGRESS_LABELS[kind]} {step}%")

    return report


def remove(context: DemoContext) -> None:
    removed = remove_demo_data(
        acting_user=context.person(DEMO_IMPORTER), municipality=context.municipality
    )
    context.say(f"以前のデモデータ（納付義務者 {removed:,} 人）を削除しました。")


DEMO_PART = DemoPart(name="receivables", order=50, build=build, remove=remove, check=check)
