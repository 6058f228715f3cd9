"""The dunning center's downloads with personal data, plugged into the export requests
(privacy.export_requests): the 納付書再発行エクセル and a letter batch's PDF and list.
Registered from DunningConfig.ready."""

from __future__ import annotations

from civicdesk.dunning.selectors import handovers as handover_selectors
from civicdesk.dunning.selectors import letters as letter_selectors
from civicdesk.dunning.services import handovers, letter_prints
from civicdesk.privacy.services.export_register import ExportError
from civicdesk.privacy.services.export_requests import Exporter, ExportPlan, register_exporter

STAFF_REQUESTS = "dunning.staff_requests"
LETTER_PDF = "dunning.letter_pdf"
LETTER_LIST = "dunning.letter_list"


def _staff_requests(*, acting_user, params: dict) -> ExportPlan:
    return handovers.staff_requests_plan(
        acting_user=acting_user,
        kind=params.get("kind") or None,
        status=params.get("status") or None,
    )


def _letter_file(kind: str):
    def prepare(*, acting_user, params: dict) -> ExportPlan:
        batch = (
            letter_selectors.batches_for(acting_user).filter(pk=_int(params.get("batch"))).first()
        )
        if batch is None:
            raise ExportError("催告書が見つかりません。")
        return letter_prints.letter_file_plan(acting_user=acting_user, batch=batch, kind=kind)

    return prepare


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def register() -> None:
    register_exporter(
        Exporter(
            key=STAFF_REQUESTS,
            label="職員への依頼（納付書再発行エクセル）",
            prepare=_staff_requests,
            may_use=handover_selectors.may_export_staff_requests,
        )
    )
    register_exporter(
        Exporter(
            key=LETTER_PDF,
            label="催告書（PDF）",
            prepare=_letter_file("pdf"),
            may_use=letter_selectors.may_create_batches,
        )
    )
    register_exporter(
        Exporter(
            key=LETTER_LIST,
            label="催告書一覧（Excel）",
            prepare=_letter_file("list"),
            may_use=letter_selectors.may_create_batches,
        )
    )
