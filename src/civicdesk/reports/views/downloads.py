"""A report as a file: Excel, PDF, CSV (reports.renderers) or JSON (the same data as
``civicdesk report --format json``). The file holds what the page shows: a finalised version's
figures as they were finalised (?version=N for an earlier one).

Every file that leaves is an export (DESIGN rule 7): logged with the report's version when it
has one; a daily report names the hot-voice notes, which may hold what people said.
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.reports import renderers
from civicdesk.reports.choices import ReportKind
from civicdesk.reports.views.data import load, municipality_for, version_number
from civicdesk.reports.views.pages import view_required
from civicdesk.reports.views.periods import Period, parse

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    # The CSV is CP932 (renderers.csv): Excel on a municipal PC opens it as it is.
    "csv": "text/csv; charset=Shift_JIS",
    "json": "application/json",
}
EXPORT_REASON = "業務報告書の出力"


@never_cache
@require_GET
@view_required
def download(request, kind: str, period: str, fmt: str):
    period = parse(kind, period)
    municipality = municipality_for(request.user)
    shown = load(municipality, period, version_number(request))
    content = _render(shown.data, fmt, municipality.name)
    record_access(
        acting_user=request.user,
        action=AccessAction.EXPORT,
        obj=shown.version,
        fields=["hot_voice"] if kind == ReportKind.DAILY else [],
        reason=EXPORT_REASON,
    )
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, file_name(period, fmt))
    return response


def _render(data: dict, fmt: str, municipality_name: str) -> bytes:
    if fmt == "json":
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()
    return renderers.render(data, fmt, municipality_name=municipality_name)


def file_name(period: Period, fmt: str) -> str:
    """月次報告書_2025-05.xlsx: the kind in Japanese and the period as in the URL."""
    return f"{period.file_title}_{period.text}.{fmt}"
