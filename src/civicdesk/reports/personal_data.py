"""What the reports hold: finalised reports are anonymous aggregates and stay; a report still
being written (作成中) may quote a case in its remarks and goes with a whole purge. Declared for
oversight (privacy.personal_data)."""

from __future__ import annotations

from civicdesk.privacy.personal_data import Item, PersonalData, Selection, Targets
from civicdesk.reports.choices import ReportStatus
from civicdesk.reports.models import Report


def select(selection: Selection) -> Targets:
    if not selection.everything:
        return {"draft_reports": Report.objects.none()}
    return {
        "draft_reports": Report.objects.filter(
            municipality=selection.municipality, status=ReportStatus.DRAFT
        )
    }


PERSONAL_DATA = PersonalData(
    app_label="reports",
    items=(Item("draft_reports", "未確定の業務報告書"),),
    select=select,
)
