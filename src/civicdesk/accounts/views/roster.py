"""Pages of the staff roster (業務従事者名簿): the months, one month, its export. Thin: the
roster services decide; every page that shows the people's names writes an access-log entry.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civicdesk.accounts.forms.roster import RosterChangeForm, RosterCreateForm, RosterEntryForm
from civicdesk.accounts.selectors import roster as selectors
from civicdesk.accounts.services import roster as services
from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.calendar import add_months
from civicdesk.core.japanese import era_month

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied("業務従事者名簿を扱う権限がありません。")


def _roster(request, pk: int):
    _require(selectors.may_view_rosters(request.user))
    return get_object_or_404(selectors.rosters_for(request.user), pk=pk)


@never_cache
@require_http_methods(["GET"])
def rosters(request):
    _require(selectors.may_view_rosters(request.user))
    context = {
        "rosters": selectors.roster_list(request.user),
        "warnings": selectors.roster_warnings(request.user),
        "may_prepare": selectors.may_prepare_rosters(request.user),
    }
    return render(request, "accounts/roster/list.html", context)


def _month_choices(user) -> list[tuple[str, str]]:
    this_month = selectors.first_of_month(timezone.localdate())
    taken = set(selectors.rosters_for(user).values_list("month", flat=True))
    months = [add_months(this_month, n) for n in range(services.MONTHS_AHEAD + 1)]
    return [(m.isoformat(), era_month(m)) for m in months if m not in taken]


@never_cache
@require_http_methods(["GET", "POST"])
def roster_new(request):
    _require(selectors.may_prepare_rosters(request.user))
    choices = _month_choices(request.user)
    # Next month is the one usually prepared (due by the 20th of this month).
    upcoming = add_months(selectors.first_of_month(timezone.localdate()), 1)
    initial = {"month": upcoming.isoformat(), "copy_previous": True}
    form = RosterCreateForm(request.POST or None, months=choices, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            roster = services.create_roster(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "名簿を作成しました。従事者を確認して提出してください。")
            return redirect("accounts:roster", pk=roster.pk)
    return render(request, "accounts/roster/new.html", {"form": form})


@never_cache
@require_http_methods(["GET"])
def roster(request, pk: int):
    return _month_page(request, _roster(request, pk))


def _month_page(request, roster, *, entry_form=None, change_form=None, status=200):
    may_prepare = selectors.may_prepare_rosters(request.user)
    candidates = selectors.candidates_for(roster)
    record_access(
        acting_user=request.user,
        action=AccessAction.VIEW,
        obj=roster,
        fields=["entries", "changes"],
    )
    today = timezone.localdate()
    context = {
        "roster": roster,
        "month_label": era_month(roster.month),
        "entries": selectors.roster_entries(roster),
        "changes": selectors.roster_changes(roster),
        "members_today": (
            selectors.members_on(roster, today)
            if roster.is_submitted and roster.month == selectors.first_of_month(today)
            else None
        ),
        "overdue": not roster.is_submitted and bool(roster.due_date) and today > roster.due_date,
        "may_prepare": may_prepare,
        "may_export": selectors.may_export_rosters(request.user),
    }
    if may_prepare and not roster.is_submitted:
        context["entry_form"] = entry_form or RosterEntryForm(
            candidates=selectors.entry_candidates(roster)
        )
    if may_prepare and roster.is_submitted:
        context["change_form"] = change_form or RosterChangeForm(
            candidates=candidates, initial={"effective_from": max(today, roster.month)}
        )
    return render(request, "accounts/roster/month.html", context, status=status)


@require_POST
def roster_entry_add(request, pk: int):
    roster = _roster(request, pk)
    _require(selectors.may_prepare_rosters(request.user))
    form = RosterEntryForm(request.POST, candidates=selectors.entry_candidates(roster))
    if form.is_valid():
        try:
            services.add_roster_entry(acting_user=request.user, roster=roster, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "従事者を名簿に追加しました。")
            return redirect("accounts:roster", pk=roster.pk)
    return _month_page(request, roster, entry_form=form)


@require_POST
def roster_entry_remove(request, pk: int, entry_pk: int):
    roster = _roster(request, pk)
    _require(selectors.may_prepare_rosters(request.user))
    entry = get_object_or_404(roster.entries, pk=entry_pk)
    try:
        services.remove_roster_entry(acting_user=request.user, roster=roster, entry=entry)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "従事者を名簿から外しました。")
    return redirect("accounts:roster", pk=roster.pk)


@require_POST
def roster_submit(request, pk: int):
    roster = _roster(request, pk)
    _require(selectors.may_prepare_rosters(request.user))
    try:
        roster = services.submit_roster(acting_user=request.user, roster=roster)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        late = "（提出期限を過ぎています）" if roster.is_late else ""
        messages.success(request, f"名簿を提出しました{late}。")
    return redirect("accounts:roster", pk=roster.pk)


@require_POST
def roster_change_add(request, pk: int):
    roster = _roster(request, pk)
    _require(selectors.may_prepare_rosters(request.user))
    form = RosterChangeForm(request.POST, candidates=selectors.candidates_for(roster))
    if form.is_valid():
        try:
            services.record_roster_change(
                acting_user=request.user, roster=roster, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "臨時の変更を記録しました。自治体へ報告してください。")
            return redirect("accounts:roster", pk=roster.pk)
    return _month_page(request, roster, change_form=form)


@require_POST
def roster_changes_reported(request, pk: int):
    roster = _roster(request, pk)
    _require(selectors.may_prepare_rosters(request.user))
    try:
        count = services.mark_changes_reported(acting_user=request.user, roster=roster)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"臨時の変更 {count} 件を報告済みにしました。")
    return redirect("accounts:roster", pk=roster.pk)
