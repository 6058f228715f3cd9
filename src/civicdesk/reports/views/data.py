"""What a report page or file shows: the live figures, or, once a version is final, the figures
it was finalised with (Report.figures), never recomputed: later contacts on that day must not
change a report given to the municipality.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404

from civicdesk.core.models import Municipality
from civicdesk.reports.choices import ReportKind, ReportStatus
from civicdesk.reports.models import Report
from civicdesk.reports.selectors import reports as selectors
from civicdesk.reports.views.periods import Period


@dataclass
class Shown:
    data: dict
    # The version shown (None before the first save) and every version, newest first.
    version: Report | None = None
    versions: list[Report] = field(default_factory=list)

    @property
    def final(self) -> bool:
        return self.version is not None and self.version.status == ReportStatus.FINAL

    @property
    def latest(self) -> bool:
        return self.version is None or self.version == self.versions[0]


def municipality_for(user) -> Municipality:
    municipality = Municipality.objects.for_user(user)
    if municipality is None:
        raise Http404("自治体が登録されていません。")
    return municipality


def version_number(request) -> int | None:
    """?version=N, or None for the latest; anything else is a version that does not exist."""
    text = request.GET.get("version")
    if text is None:
        return None
    if not text.isdigit() or int(text) < 1:
        raise Http404("その版はありません。")
    return int(text)


def live(municipality: Municipality, period: Period) -> dict:
    # live=True: load() already read the versions and shows a final one's own figures.
    start = period.start
    if period.kind == ReportKind.DAILY:
        return selectors.daily_report(municipality, start, live=True)
    if period.kind == ReportKind.NIGHT:
        return selectors.night_report(municipality, start.year, start.month)
    if period.kind == ReportKind.MONTHLY:
        return selectors.monthly_report(municipality, start.year, start.month, live=True)
    return selectors.annual_report(municipality, start.year)


def load(municipality: Municipality, period: Period, number: int | None = None) -> Shown:
    if not period.editable:
        if number is not None:
            raise Http404("この報告書に版はありません。")
        return Shown(live(municipality, period))
    versions = selectors.versions(municipality, period.kind, period.start)
    version = versions[0] if versions and number is None else None
    if number is not None:
        version = next((one for one in versions if one.version == number), None)
        if version is None:
            raise Http404("その版はありません。")
    if version is not None and version.status == ReportStatus.FINAL:
        # Who the report is for is not part of the figures kept (services._figures).
        data = {**version.figures, "municipality": selectors.municipality_data(municipality)}
    else:
        data = live(municipality, period)
    data["report"] = state(version)
    return Shown(data, version, versions)


def state(version: Report | None) -> dict | None:
    """selectors.report_state's shape, for the version shown (not only the latest)."""
    return selectors.version_state(version)
