"""The purge certificate (消去証明書, seed 004 別紙⑦ 第12条 5): date and time, handler, what was
removed and how many, the method and the approval, as an A4 PDF (WeasyPrint)."""

from __future__ import annotations

from django.utils import timezone

from civicdesk.core.calendar import TOKYO
from civicdesk.core.japanese import era_date
from civicdesk.core.pdf import render_pdf
from civicdesk.oversight.models import PurgePlan
from civicdesk.oversight.services.inventory import items

TEMPLATE = "print/purge_certificate.html"


def certificate_context(plan: PurgePlan) -> dict:
    executed_at = timezone.localtime(plan.executed_at, TOKYO)
    approved_at = timezone.localtime(plan.approved_at, TOKYO) if plan.approved_at else None
    return {
        "plan": plan,
        "executed_at": executed_at,
        "executed_on_era": era_date(executed_at.date()),
        "approved_at": approved_at,
        "handler": plan.executed_by_name,
        "approver": _name(plan.approved_by),
        "drafter": _name(plan.drafted_by),
        # Items that had nothing to remove are listed too: "0件" is part of the statement.
        "rows": [(label, plan.executed_counts.get(key, 0)) for key, label in items()],
    }


def render_certificate(plan: PurgePlan) -> bytes:
    return render_pdf(TEMPLATE, certificate_context(plan))


def certificate_file_name(plan: PurgePlan) -> str:
    return f"purge-certificate-{plan.pk}.pdf"


def _name(user) -> str:
    if user is None:
        return ""
    return user.display_name or user.username
