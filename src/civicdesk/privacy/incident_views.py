"""Incident pages (事故記録: list, new, detail, edit, report, close, report PDF) and the
semi-annual privacy status report (pick a half-year, see its figures, make and print the PDF).

The center's supervisors and municipal staff record and report incidents; staff close them;
inspectors read. Supervisors make the half-year report (the contractor reports, 第11条); staff
and inspectors read and print it. The pages hold counts and descriptions, no resident's data.
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
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicdesk.accounts.services import client_ip
from civicdesk.core.models import Municipality
from civicdesk.privacy import incident_selectors, incidents, status_report, status_report_selectors
from civicdesk.privacy.forms.incidents import CloseForm, HalfYearForm, IncidentForm
from civicdesk.privacy.models import IncidentStatus


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _incident(request, pk: int):
    return get_object_or_404(incident_selectors.incidents_for(request.user), pk=pk)


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


# --- Incidents ----------------------------------------------------------------------------------


@never_cache
@require_GET
def incident_list(request):
    _require(incident_selectors.may_read(request.user))
    status = request.GET.get("status", "")
    shown = incident_selectors.incidents_for(request.user)
    if status in IncidentStatus.values:
        shown = shown.filter(status=status)
    else:
        status = ""
    context = {
        "incidents": shown,
        "statuses": IncidentStatus.choices,
        "selected_status": status,
        "may_record": incident_selectors.may_record(request.user),
    }
    return render(request, "privacy/incidents/list.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def incident_new(request):
    _require(incident_selectors.may_record(request.user))
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = incidents.record_incident(
                acting_user=request.user, ip_address=client_ip(request), **form.cleaned_data
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "事故記録を登録しました。自治体へ速やかに報告してください。")
            return redirect("privacy:incident", pk=incident.pk)
    return render(request, "privacy/incidents/form.html", {"form": form, "incident": None})


@never_cache
@require_GET
def incident_detail(request, pk: int):
    _require(incident_selectors.may_read(request.user))
    return _detail(request, _incident(request, pk), CloseForm())


def _detail(request, incident, close_form):
    open_ = incident.status != IncidentStatus.CLOSED
    context = {
        "incident": incident,
        "may_change": open_ and incident_selectors.may_change(request.user),
        "may_close": incident.status == IncidentStatus.REPORTED
        and incident_selectors.may_close(request.user),
        "close_form": close_form,
    }
    return render(request, "privacy/incidents/detail.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def incident_edit(request, pk: int):
    _require(incident_selectors.may_change(request.user))
    incident = _incident(request, pk)
    if request.method == "GET":
        form = IncidentForm.for_incident(incident)
    else:
        form = IncidentForm(request.POST)
        if form.is_valid():
            try:
                incidents.update_incident(
                    acting_user=request.user,
                    incident=incident,
                    ip_address=client_ip(request),
                    **form.cleaned_data,
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, "事故記録を変更しました。")
                return redirect("privacy:incident", pk=incident.pk)
    return render(request, "privacy/incidents/form.html", {"form": form, "incident": incident})


@require_POST
def incident_report(request, pk: int):
    _require(incident_selectors.may_change(request.user))
    incident = _incident(request, pk)
    try:
        incident = incidents.report_incident(
            acting_user=request.user, incident=incident, ip_address=client_ip(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"第{incident.report_number}報として報告しました。報告書を印刷して提出してください。",
        )
    return redirect("privacy:incident", pk=incident.pk)


@require_POST
def incident_close(request, pk: int):
    _require(incident_selectors.may_close(request.user))
    incident = _incident(request, pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            incidents.close_incident(
                acting_user=request.user,
                incident=incident,
                note=form.cleaned_data["note"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "事故記録を完了にしました。")
            return redirect("privacy:incident", pk=incident.pk)
    return _detail(request, incident, form)


@never_cache
@require_GET
def incident_pdf(request, pk: int):
    _require(incident_selectors.may_read(request.user))
    incident = _incident(request, pk)
    if not incident.report_number:
        raise Http404("まだ報告していない事故です。")
    pdf = incidents.print_report(
        acting_user=request.user, incident=incident, ip_address=client_ip(request)
    )
    return _pdf(pdf, incidents.file_name(incident))


# --- The semi-annual report ---------------------------------------------------------------------


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
        report = status_report.make_report(
            acting_user=request.user, half_year=half_year, ip_address=client_ip(request)
        )
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
    pdf = status_report.print_report(
        acting_user=request.user, report=report, ip_address=client_ip(request)
    )
    return _pdf(pdf, status_report.file_name(report))
