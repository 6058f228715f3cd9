"""Campaign pages: the list, the new-campaign form with its count preview, the detail page
with rebuild and status buttons. Supervisors plan; staff and inspectors read; operators and
visitors see the list of their campaigns. The pages show settings and counts only.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civicdesk.core.http import require
from civicdesk.dunning.choices import CampaignStatus
from civicdesk.dunning.forms.campaigns import CampaignForm
from civicdesk.dunning.selectors import campaigns as selectors
from civicdesk.dunning.services import campaigns as services

STATUS_BUTTONS = {
    CampaignStatus.ACTIVE: [(CampaignStatus.PAUSED, "一時停止"), (CampaignStatus.CLOSED, "終了")],
    CampaignStatus.PAUSED: [(CampaignStatus.ACTIVE, "再開"), (CampaignStatus.CLOSED, "終了")],
    CampaignStatus.CLOSED: [],
}
DENIED = "催告計画を表示・変更する権限がありません。"


@never_cache
@require(selectors.may_list_campaigns, message=DENIED)
def campaign_list(request):
    context = {
        "campaigns": selectors.campaign_list(request.user),
        "may_manage": selectors.may_manage_campaigns(request.user),
        "may_read": selectors.may_read_campaigns(request.user),
    }
    return render(request, "dunning/campaigns/list.html", context)


@never_cache
@require(selectors.may_manage_campaigns, message=DENIED)
def campaign_new(request):
    """「件数を確認」 re-renders the form with the counts; 「保存して対象を抽出」 creates."""
    preview = None
    if request.method == "POST":
        form = CampaignForm(request.POST, user=request.user)
        if form.is_valid():
            values = form.campaign_values()
            try:
                if request.POST.get("action") == "save":
                    campaign = services.create_campaign(acting_user=request.user, **values)
                    messages.success(
                        request, f"催告計画を作成しました（{campaign.build_result.summary()}）。"
                    )
                    return redirect("dunning:campaign_detail", pk=campaign.pk)
                preview = services.preview_campaign(
                    acting_user=request.user,
                    conditions=values["conditions"],
                    channel=values["channel"],
                    starts_on=values["starts_on"],
                )
            except ValidationError as problem:
                form.add_service_errors(problem)
    else:
        form = CampaignForm(user=request.user)
    return render(request, "dunning/campaigns/new.html", {"form": form, "preview": preview})


@never_cache
@require(selectors.may_read_campaigns, message=DENIED)
def campaign_detail(request, pk: int):
    campaign = get_object_or_404(
        selectors.campaigns_for(request.user).select_related("created_by"), pk=pk
    )
    may_manage = selectors.may_manage_campaigns(request.user)
    context = {
        "campaign": campaign,
        "summary": selectors.campaign_summary(campaign),
        "conditions": selectors.conditions_text(campaign),
        "retry_rules": selectors.retry_rule_rows(campaign),
        "teams": list(campaign.teams.all()),
        "operators": list(campaign.operators.all()),
        "may_manage": may_manage,
        "status_buttons": STATUS_BUTTONS[campaign.status] if may_manage else [],
        "may_rebuild": may_manage
        and campaign.status != CampaignStatus.CLOSED
        and campaign.kind == "planned",
    }
    return render(request, "dunning/campaigns/detail.html", context)


@require_POST
@require(selectors.may_manage_campaigns, message=DENIED)
def campaign_rebuild(request, pk: int):
    campaign = get_object_or_404(selectors.campaigns_for(request.user), pk=pk)
    try:
        result = services.rebuild_campaign(acting_user=request.user, campaign=campaign)
    except ValidationError as problem:
        messages.error(request, " ".join(problem.messages))
    else:
        messages.success(request, f"対象を再抽出しました（{result.summary()}）。")
    return redirect("dunning:campaign_detail", pk=campaign.pk)


@require_POST
@require(selectors.may_manage_campaigns, message=DENIED)
def campaign_status(request, pk: int):
    campaign = get_object_or_404(selectors.campaigns_for(request.user), pk=pk)
    try:
        campaign = services.set_campaign_status(
            acting_user=request.user,
            campaign=campaign,
            status=request.POST.get("status", ""),
        )
    except ValidationError as problem:
        messages.error(request, " ".join(problem.messages))
    else:
        messages.success(request, f"計画の状態を「{campaign.get_status_display()}」にしました。")
    return redirect("dunning:campaign_detail", pk=campaign.pk)
