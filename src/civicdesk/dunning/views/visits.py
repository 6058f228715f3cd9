"""Visit lists (訪問リスト): today's lists, making one, the tablet page, the A4 sheet, release.

Visitors see their own lists, supervisors every list of the municipality; any other role gets
403, and a list the user may not see answers 404 like a missing one. Every view of a list page
and every print of its sheet is logged with the fields shown.
"""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civicdesk.accounts.models import Role, User
from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.audit.shortcuts import log_view
from civicdesk.core.calendar import TOKYO
from civicdesk.core.http import require
from civicdesk.core.pdf import render_pdf
from civicdesk.dunning.forms.visits import CampaignChoiceForm, VisitListForm, area_value
from civicdesk.dunning.models import VisitList
from civicdesk.dunning.selectors import visits as selectors
from civicdesk.dunning.services import visits as services

SHEET_TEMPLATE = "dunning/visits/sheet_print.html"


view_required = require(
    selectors.may_view_visit_lists, message="訪問リストを閲覧する権限がありません。"
)


def _visible_list(request, pk: int) -> VisitList:
    return get_object_or_404(
        selectors.visible_lists(request.user).select_related("campaign", "visitor"), pk=pk
    )


@never_cache
@view_required
def visit_lists(request):
    user = request.user
    visitors = selectors.assignable_visitors(user) if user.role == Role.SUPERVISOR else []
    visitor_id = request.GET.get("visitor", "")
    chosen = int(visitor_id) if visitor_id.isdigit() else None
    context = {
        "lists": selectors.todays_lists(user, visitor_id=chosen),
        "today": timezone.localdate(timezone.now(), TOKYO),
        "visitors": visitors,
        "chosen_visitor": chosen,
        "may_make": selectors.may_make_visit_lists(user),
    }
    return render(request, "dunning/visits/lists.html", context)


@never_cache
@require(selectors.may_make_visit_lists, message="訪問リストを作成する権限がありません。")
def visit_list_new(request):
    user = request.user
    campaigns = selectors.visit_campaigns(user)
    choice = CampaignChoiceForm(request.GET or None, campaigns=campaigns)
    campaign = _chosen_campaign(request, campaigns, choice)
    if campaign is None:
        return render(request, "dunning/visits/new.html", {"choice": choice, "form": None})
    counts = selectors.area_counts(user, campaign)
    form = VisitListForm(
        request.POST or None,
        initial={"campaign": campaign.pk},
        campaigns=campaigns,
        visitors=selectors.assignable_visitors(user),
        area_choices=_area_choices(counts),
        choose_visitor=user.role == Role.SUPERVISOR,
    )
    if request.method == "POST" and form.is_valid():
        visit_list = _build(request, form, campaign)
        if visit_list is not None:
            messages.success(
                request, f"訪問リストを作成しました（{visit_list.stops.count()} 件）。"
            )
            return redirect("dunning:visit_list", pk=visit_list.pk)
    context = {"choice": choice, "form": form, "campaign": campaign, "towns": _towns(counts, form)}
    return render(request, "dunning/visits/new.html", context)


def _chosen_campaign(request, campaigns, choice):
    """The campaign of the POST (hidden field), of the GET step, or the only one there is."""
    by_pk = {c.pk: c for c in campaigns}
    value = request.POST.get("campaign") if request.method == "POST" else None
    if value is None and choice.is_valid():
        value = choice.cleaned_data["campaign"]
    if value is None and len(campaigns) == 1:
        return campaigns[0]
    try:
        return by_pk.get(int(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


def _area_choices(counts) -> list[tuple[str, str]]:
    choices = []
    for town, group in groupby(counts, lambda a: a.town):
        group = list(group)
        choices.append((area_value(town, None), f"{town or '（町名なし）'} 全域"))
        choices += [(area_value(a.town, a.chome), a.label) for a in group if a.chome is not None]
    return choices


def _towns(counts, form) -> list[dict]:
    """Checkboxes grouped by town for the template: the whole town, then each chome."""
    checked = set(form["areas"].value() or [])
    towns = []
    for town, group in groupby(counts, lambda a: a.town):
        group = list(group)
        whole = area_value(town, None)
        towns.append(
            {
                "label": town or "（町名なし）",
                "value": whole,
                "count": sum(a.count for a in group),
                "checked": whole in checked,
                "chome": [
                    {
                        "label": a.label,
                        "value": area_value(a.town, a.chome),
                        "count": a.count,
                        "checked": area_value(a.town, a.chome) in checked,
                    }
                    for a in group
                    if a.chome is not None
                ],
            }
        )
    return towns


def _build(request, form: VisitListForm, campaign):
    user = request.user
    visitor = user
    if form.choose_visitor:
        visitor = User.objects.filter(pk=form.cleaned_data["visitor"]).first()
    try:
        return services.build_visit_list(
            acting_user=user,
            campaign=campaign,
            visitor=visitor,
            areas=form.area_list(),
            size=form.cleaned_data["size"],
        )
    except PermissionDenied as error:
        form.add_error("visitor" if form.choose_visitor else None, str(error))
    except ValidationError as error:
        form.add_service_errors(error)
    return None


@never_cache
@view_required
def visit_list(request, pk: int):
    visit_list = _visible_list(request, pk)
    sheet = selectors.visit_sheet(visit_list, request.user)
    log_view(request, visit_list, sheet.fields_shown, reason=f"訪問リスト（{len(sheet.rows)}件）")
    context = {
        "visit_list": visit_list,
        "sheet": sheet,
        "may_release": any(row.held and not row.visited for row in sheet.rows),
    }
    return render(request, "dunning/visits/list.html", context)


@never_cache
@view_required
def visit_list_sheet(request, pk: int):
    """The A4 sheet as PDF; logged as a print with the fields it shows."""
    visit_list = _visible_list(request, pk)
    sheet = selectors.visit_sheet(visit_list, request.user)
    pdf = render_pdf(SHEET_TEMPLATE, {"visit_list": visit_list, "sheet": sheet})
    record_access(
        acting_user=request.user,
        action=AccessAction.PRINT,
        obj=visit_list,
        fields=sheet.fields_shown,
        reason=f"訪問リスト（A4）の印刷（{len(sheet.rows)}件）",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="visit-list-{visit_list.pk}.pdf"'
    return response


@require_POST
@view_required
def visit_list_release(request, pk: int):
    visit_list = _visible_list(request, pk)
    try:
        released = services.release_visit_list(acting_user=request.user, visit_list=visit_list)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, f"未訪問の {released} 件を戻しました。ほかの担当者が対応できます。")
    return redirect("dunning:visit_list", pk=visit_list.pk)
