"""Purge plans (issue 8 §4): the list, a new plan, a plan with its counts and verifications,
approval by staff and the certificate. Execution and verification run from the command
(``civicdesk purge``): they take long and belong to the server's operator."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civicdesk.oversight.forms.purge import PurgePlanForm
from civicdesk.oversight.selectors import purge as purge_selectors
from civicdesk.oversight.services import purge
from civicdesk.oversight.services.certificate import certificate_file_name


def _require_viewer(user) -> None:
    if not purge_selectors.may_view_plans(user):
        raise PermissionDenied


def _plan(request, pk: int):
    _require_viewer(request.user)
    return get_object_or_404(purge_selectors.plans_for(request.user), pk=pk)


@never_cache
@require_http_methods(["GET"])
def purge_plans(request):
    _require_viewer(request.user)
    context = {
        "plans": purge_selectors.plans_for(request.user),
        "may_draft": purge.may_draft(request.user),
    }
    return render(request, "privacy/purge/plans.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def purge_plan_new(request):
    if not purge.may_draft(request.user):
        raise PermissionDenied
    form = PurgePlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = purge.plan_purge(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "消去計画を申請しました。自治体職員の承認を待っています。")
            return redirect("privacy:purge_plan", pk=plan.pk)
    return render(request, "privacy/purge/new.html", {"form": form})


@never_cache
@require_http_methods(["GET"])
def purge_plan(request, pk: int):
    plan = _plan(request, pk)
    context = {
        "plan": plan,
        "rows": purge.item_rows(plan),
        "verifications": purge_selectors.verifications_of(plan)[:20],
        "may_approve": plan.status == "draft" and purge.may_approve(request.user, plan),
        "refusal": purge.execution_refusal(plan),
    }
    return render(request, "privacy/purge/plan.html", context)


@require_POST
def purge_plan_approve(request, pk: int):
    plan = _plan(request, pk)
    try:
        purge.approve_purge_plan(acting_user=request.user, plan=plan)
    except purge.PurgeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "消去計画を承認しました。")
    return redirect("privacy:purge_plan", pk=plan.pk)


@never_cache
@require_http_methods(["GET"])
def purge_certificate(request, pk: int):
    plan = _plan(request, pk)
    try:
        pdf = purge.certificate_download(acting_user=request.user, plan=plan)
    except purge.PurgeError:
        raise Http404("消去証明書はまだありません。") from None
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate_file_name(plan)}"'
    return response
