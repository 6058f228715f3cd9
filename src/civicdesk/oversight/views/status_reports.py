"""The semi-annual privacy status report: pick a half-year, see its figures, make and print the PDF.

Supervisors make the half-year report (the contractor reports, 第11条); staff and inspectors read
and print it. The page holds counts, no resident's data.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from civicdesk.core.models import Municipality
from civicdesk.oversight.selectors import status_report as status_report_selectors
from civicdesk.oversight.services import status_report
from civicdesk.privacy.forms.incidents import HalfYearForm


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@never_cache
@require_GET
def status_reports(request):
    """The half-year's figures as they stand now, and the reports made of it."""
    _require(status_report_selectors.may_read(request.user))
    today = timezone.localdate()
    choices = status_report.choices(today)
    form = HalfYearForm(request.GET or None, choices=choices)
    default = status_report.last_ended(today)
    half_year = (
        status_report.HalfYear.parse(form.cleaned_data["period"]) if form.is_valid() else default
    )
    if not form.is_bound or not form.is_valid():
        form = HalfYearForm(initial={"period": half_year.text}, choices=choices)
    municipality = Municipality.objects.for_user(request.user)
    snapshot = status_report.figures(municipality, half_year)
    context = {
        "form": form,
        "half_year": half_year,
        "ended": status_report.has_ended(half_year, today),
        "may_make": status_report_selectors.may_make(request.user),
        "reports": status_report_selectors.reports_for(request.user).filter(
            period_start=half_year.start
        ),
        **status_report.print_context(snapshot, generated_at=None, generated_by="", version=None),
    }
    return render(request, "privacy/incidents/status_reports.html", context)


@require_POST
def status_report_make(request, period: str):
    _require(status_report_selectors.may_make(request.user))
    try:
        half_year = status_report.HalfYear.parse(period)
    except ValueError:
        raise Http404("半期の指定が正しくありません。") from None
    try:
        report = status_report.make_report(acting_user=request.user, half_year=half_year)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"{half_year.label}の報告（第{report.version}版）を作成しました。"
        )
    return redirect(f"{reverse('privacy:status_reports')}?period={half_year.text}")


@never_cache
@require_GET
def status_report_pdf(request, pk: int):
    _require(status_report_selectors.may_read(request.user))
    report = get_object_or_404(status_report_selectors.reports_for(request.user), pk=pk)
    pdf = status_report.print_report(acting_user=request.user, report=report)
    return _pdf(pdf, status_report.file_name(report))
