"""The counter set-up kept as data: queues, counters, the procedure catalogue and the dated
fee schedule. Staff edit the catalogue and the fees (seed 003 §7(2): the municipality decides);
``set_up_counters`` lays down the demo's set-up (counter.catalogue) where none exists."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.counter import catalogue
from civicdesk.counter.models import Counter, CounterQueue, DayClose, Fee, Procedure, Queue

PROCEDURE_FIELDS = (
    "name",
    "category",
    "section",
    "queue",
    "checklist",
    "requester_kinds",
    "data_items",
    "requires_review",
    "uses_tamper_proof_paper",
    "has_fee",
    "active",
    "position",
)


def save_procedure(*, acting_user, procedure: Procedure, **values) -> Procedure:
    """Change a procedure of the catalogue (its checks, requesters, recorded items, review)."""
    unknown = set(values) - set(PROCEDURE_FIELDS)
    if unknown:
        raise ValueError(f"unknown procedure fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = Procedure.objects.select_for_update().get(pk=procedure.pk)
        changed = [name for name, value in values.items() if getattr(locked, name) != value]
        for name, value in values.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked.save()
        if changed:
            record_access(
                acting_user=acting_user, action=AccessAction.CHANGE, obj=locked, fields=changed
            )
    return locked


def add_fee(
    *,
    acting_user,
    procedure: Procedure,
    valid_from: dt.date,
    unit_fee: int,
    exempt_requester_kinds: list[str],
    basis: str = "",
) -> Fee:
    """A new row of the fee schedule from ``valid_from``. A day already closed (日計・精算) keeps
    the fees it took: a new fee cannot start on or before it."""
    last_closed = (
        DayClose.objects.filter(municipality_id=procedure.municipality_id)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )
    if last_closed is not None and valid_from <= last_closed:
        raise ValidationError(
            {
                "valid_from": f"{last_closed:%Y年%m月%d日}まで精算済みです。"
                "適用開始日はそれより後の日にしてください。"
            }
        )
    with transaction.atomic():
        fee = Fee(
            procedure=procedure,
            valid_from=valid_from,
            unit_fee=unit_fee,
            exempt_requester_kinds=list(exempt_requester_kinds),
            basis=basis,
        )
        fee.full_clean()
        fee.save()
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=fee,
            fields=["valid_from", "unit_fee", "exempt_requester_kinds", "basis"],
        )
    return fee


def set_up_counters(*, acting_user, municipality) -> dict[str, int]:
    """The demo's queues, counters, procedures and fees (counter.catalogue), each made only where
    it does not exist (edited rows are kept). Returns how many of each were made."""
    made = {"queues": 0, "counters": 0, "procedures": 0, "fees": 0}
    with transaction.atomic():
        queues = {}
        for position, spec in enumerate(catalogue.QUEUES):
            queues[spec.code], created = Queue.objects.get_or_create(
                municipality=municipality,
                code=spec.code,
                defaults={
                    "name": spec.name,
                    "target_wait_minutes": spec.target_wait_minutes,
                    "position": position,
                },
            )
            made["queues"] += created
        for spec in catalogue.COUNTERS:
            counter, created = Counter.objects.get_or_create(
                municipality=municipality,
                code=spec.code,
                defaults={"name": spec.name, "kind": spec.kind},
            )
            made["counters"] += created
            if created:
                for position, code in enumerate(spec.queues, start=1):
                    CounterQueue.objects.create(
                        counter=counter, queue=queues[code], position=position
                    )
        for position, spec in enumerate(catalogue.PROCEDURES):
            made["procedures"] += _procedure(municipality, queues, spec, position, made)
        if any(made.values()):
            record_access(
                acting_user=acting_user,
                action=AccessAction.CREATE,
                obj=municipality,
                fields=[name for name, count in made.items() if count],
                reason="窓口の初期設定（待ち行列・窓口・手続・手数料）",
            )
    return made


def _procedure(municipality, queues, spec, position, made) -> bool:
    procedure, created = Procedure.objects.get_or_create(
        municipality=municipality,
        code=spec.code,
        defaults={
            "name": spec.name,
            "category": spec.category,
            "section": spec.section,
            "queue": queues[spec.queue],
            "checklist": list(spec.checklist),
            "requester_kinds": list(spec.requester_kinds),
            "data_items": list(spec.data_items),
            "requires_review": spec.requires_review,
            "uses_tamper_proof_paper": spec.uses_tamper_proof_paper,
            "has_fee": spec.fee is not None,
            "position": position,
        },
    )
    if created:
        procedure.full_clean()
    if created and spec.fee is not None:
        Fee.objects.create(
            procedure=procedure,
            valid_from=dt.date(2000, 4, 1),
            unit_fee=spec.fee.unit_fee,
            exempt_requester_kinds=list(spec.fee.exempt),
            basis=spec.fee.basis,
        )
        made["fees"] += 1
    return created
