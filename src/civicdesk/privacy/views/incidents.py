"""Incident pages (事故記録: list, new, detail, edit, report, close, report PDF).

The center's supervisors and municipal staff record and report incidents; staff close them;
inspectors read. The pages hold counts and descriptions, no resident's data.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicdesk.privacy.forms.incidents import CloseForm, IncidentForm
from civicdesk.privacy.models import IncidentStatus
from civicdesk.privacy.selectors import incidents as incident_selectors
from civicdesk.privacy.services import incidents


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
            incident = incidents.record_incident(acting_user=request.user, **form.cleaned_data)
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
        incident = incidents.report_incident(acting_user=request.user, incident=incident)
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
    pdf = incidents.print_report(acting_user=request.user, incident=incident)
    return _pdf(pdf, incidents.file_name(incident))


# --- The semi-annual report ---------------------------------------------------------------------
