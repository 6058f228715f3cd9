"""The report pages: the index (choose a report), 日次・夜間・月次・年度, and the supervisor's
actions on the daily and monthly reports: save the remarks (所感, and for a month the
proposals), finalise (確定: the figures are kept as they are), correct (a new version).

Supervisors, staff and inspectors read; only supervisors write (the services check again).
A daily report quotes hot-voice lines (what people said), so opening one that has any is logged.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from civicdesk.audit.shortcuts import log_view
from civicdesk.core.http import require
from civicdesk.core.japanese import fiscal_year_of
from civicdesk.reports.choices import ReportKind
from civicdesk.reports.forms.reports import CorrectionForm, OpenReportForm, RemarksForm
from civicdesk.reports.selectors import reports as selectors
from civicdesk.reports.services import reports as services
from civicdesk.reports.views import display
from civicdesk.reports.views.data import Shown, load, municipality_for, version_number
from civicdesk.reports.views.periods import Period, default, parse, today

INDEX_YEARS = 6  # this fiscal year and the five before: what a contract's reports span
ACCESS_FIELDS = ["hot_voice"]


view_required = require(
    selectors.may_view_reports, message="業務報告書を閲覧する権限がありません。"
)
edit_required = require(
    selectors.may_edit_reports, message="業務報告書を編集する権限がありません。"
)


def page_url(period: Period) -> str:
    return reverse(f"reports:{period.kind}", args=[period.text])


# --- The index -----------------------------------------------------------------------------------


@never_cache
@require_GET
@view_required
def index(request):
    now = today()
    years = [default(ReportKind.ANNUAL, now).start.year - back for back in range(INDEX_YEARS)]
    forms = {}
    for kind in ReportKind.values:
        initial = {"kind": kind, **_initial(default(kind, now))}
        forms[kind] = OpenReportForm(initial=initial, fiscal_years=years, auto_id=f"{kind}_%s")
    chosen = request.GET.get("kind")
    if chosen in forms:
        form = OpenReportForm(request.GET, fiscal_years=years, auto_id=f"{chosen}_%s")
        if form.is_valid():
            return redirect(page_url(parse(chosen, form.period_text())))
        forms[chosen] = form
    cards = [(ReportKind(kind), forms[kind]) for kind in ReportKind.values]
    owed = selectors.awaiting_finalisation(municipality_for(request.user), now)
    for row in owed:
        row["url"] = page_url(Period(row["kind"], row["period"]))
    context = {
        "cards": cards,
        "targets_year": years[0],
        "error_form": forms.get(chosen),
        "awaiting": owed,
        "awaiting_days": selectors.AWAITING_DAYS,
    }
    return render(request, "reports/index.html", context)


def _initial(period: Period) -> dict:
    if period.kind == ReportKind.DAILY:
        return {"date": period.start}
    if period.kind == ReportKind.ANNUAL:
        return {"year": period.start.year}
    return {"month": period.text}


# --- The four reports ----------------------------------------------------------------------------


@never_cache
@require_GET
@view_required
def daily(request, period: str):
    return _editable_page(request, parse(ReportKind.DAILY, period))


@never_cache
@require_GET
@view_required
def monthly(request, period: str):
    return _editable_page(request, parse(ReportKind.MONTHLY, period))


@never_cache
@require_GET
@view_required
def night(request, period: str):
    period = parse(ReportKind.NIGHT, period)
    shown = load(municipality_for(request.user), period, version_number(request))
    context = {**_common(request, period, shown), "night": display.night_table(shown.data)}
    return render(request, "reports/night.html", context)


@never_cache
@require_GET
@view_required
def annual(request, period: str):
    period = parse(ReportKind.ANNUAL, period)
    shown = load(municipality_for(request.user), period, version_number(request))
    data = shown.data
    context = {
        **_common(request, period, shown),
        "figures": display.figure_table(data),
        "months": display.month_table(data),
        "chart": display.monthly_chart(data),
        "targets": display.target_table(data["targets"]),
    }
    return render(request, "reports/annual.html", context)


def _common(request, period: Period, shown: Shown) -> dict:
    version = shown.version.version if shown.version and not shown.latest else None
    downloads = [
        (fmt.upper() if fmt != "xlsx" else "Excel", _download_url(period, fmt, version))
        for fmt in ("xlsx", "pdf", "csv", "json")
    ]
    return {
        "period": period,
        "title": ReportKind(period.kind).label,
        "data": shown.data,
        "previous_url": page_url(period.shifted(-1)),
        "next_url": page_url(period.shifted(1)),
        "downloads": downloads,
        "fiscal_year": fiscal_year_of(period.start),
        "may_edit_targets": request.user.has_perm("reports.change_target"),
    }


def _download_url(period: Period, fmt: str, version: int | None) -> str:
    url = reverse("reports:download", args=[period.kind, period.text, fmt])
    return f"{url}?version={version}" if version else url


def _editable_page(request, period: Period, *, error_form=None, remarks_form=None,
                   correction_form=None):  # fmt: skip
    """The daily or monthly report with its versions and, for supervisors, the forms."""
    municipality = municipality_for(request.user)
    number = None if error_form is not None else version_number(request)
    shown = load(municipality, period, number)
    if period.kind == ReportKind.DAILY and shown.data.get("hot_voice"):
        _log_hot_voice(request, shown)
    context = {
        **_common(request, period, shown),
        **_kind_context(period, shown.data),
        **_version_context(request, period, shown, remarks_form, correction_form),
        "error_form": error_form,
    }
    return render(request, f"reports/{period.kind}.html", context)


def _kind_context(period: Period, data: dict) -> dict:
    context = {
        "figures": display.figure_table(data),
        "outcomes": display.outcome_rows(data["total"]),
        "hand_overs": display.hand_over_rows(data["total"]),
    }
    if period.kind == ReportKind.MONTHLY:
        context |= {
            "chart": display.daily_chart(data),
            "comparison": display.comparison_rows(data),
            "targets": display.target_table(data["targets"]),
        }
    return context


def _version_context(request, period: Period, shown: Shown, remarks_form, correction_form):
    may_edit = selectors.may_edit_reports(request.user) and shown.latest
    version = shown.version
    if may_edit and not shown.final and remarks_form is None:
        initial = {"remarks": version.remarks, "proposals": version.proposals} if version else {}
        remarks_form = RemarksForm(initial=initial, kind=period.kind)
    return {
        "shown": shown,
        "version": version,
        "versions": [(one, _version_url(period, one.version)) for one in shown.versions],
        "remarks_form": remarks_form if may_edit and not shown.final else None,
        "correction_form": (correction_form or CorrectionForm())
        if may_edit and shown.final
        else None,
    }


def _version_url(period: Period, number: int) -> str:
    return f"{page_url(period)}?version={number}"


def _log_hot_voice(request, shown: Shown) -> None:
    # The lines carry no name or number, but what a resident said is still theirs.
    log_view(request, shown.version, ACCESS_FIELDS, reason="日次報告書の閲覧（ホットボイス）")


# --- The supervisor's actions --------------------------------------------------------------------


@require_POST
@edit_required
def save(request, kind: str, period: str):
    period = parse(kind, period)
    form = RemarksForm(request.POST, kind=kind)
    if form.is_valid():
        try:
            _save_remarks(request, period, form)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "所感を保存しました。")
            return redirect(page_url(period))
    return _editable_page(request, period, error_form=form, remarks_form=form)


@require_POST
@edit_required
def finalise(request, kind: str, period: str):
    """確定: the remarks as typed are saved first, so what was on the screen is what is kept."""
    period = parse(kind, period)
    form = RemarksForm(request.POST, kind=kind)
    if form.is_valid():
        try:
            # One decision: if finalising fails, the remarks are not half-saved either.
            with transaction.atomic():
                if "remarks" in request.POST:
                    _save_remarks(request, period, form)
                report = services.finalise_report(
                    acting_user=request.user, kind=kind, period=period.start,
                )  # fmt: skip
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"第{report.version}版を確定しました。")
            return redirect(page_url(period))
    return _editable_page(request, period, error_form=form, remarks_form=form)


def _save_remarks(request, period: Period, form: RemarksForm) -> None:
    services.save_report_remarks(
        acting_user=request.user,
        kind=period.kind,
        period=period.start,
        remarks=form.cleaned_data["remarks"],
        proposals=form.cleaned_data.get("proposals", ""),
    )


@require_POST
@edit_required
def correct(request, kind: str, period: str):
    period = parse(kind, period)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            report = services.correct_report(
                acting_user=request.user, kind=kind, period=period.start,
                reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"第{report.version}版（訂正版）を作成しました。")
            return redirect(page_url(period))
    return _editable_page(request, period, error_form=form, correction_form=form)
