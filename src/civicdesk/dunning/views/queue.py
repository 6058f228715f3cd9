"""The operator's work page (「次の案件」), giving a case back, and the 「効果なし」 list."""

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civicdesk.audit.shortcuts import log_view
from civicdesk.core.http import require
from civicdesk.dunning.models import WorkItem
from civicdesk.dunning.selectors import queue as selectors
from civicdesk.dunning.services import queue as services

# The queue's work, for the roles that have a channel to work it through.
work_required = require(
    "dunning.work_item",
    lambda user: user.role in selectors.ROLE_CHANNELS,
    message="案件を処理する権限がありません。",
)


@never_cache
@work_required
def work(request):
    return render(request, "dunning/queue/work.html", {"page": selectors.work_page(request.user)})


@never_cache
@work_required
def work_next(request):
    """POST only (a claim changes state); the permission answer comes first, as everywhere."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    item = services.claim_next_item(acting_user=request.user)
    if item is None:
        messages.info(request, "現在対応できる案件はありません。")
        return redirect("dunning:work")
    return redirect(reverse("dunning:case", args=[item.obligor_id]))


@require_POST
@work_required
def work_release(request, pk: int):
    # Only the holder may give an item back; anything else looks like a missing item.
    item = get_object_or_404(WorkItem, pk=pk, lease_owner_id=request.user.pk)
    services.release_item(acting_user=request.user, item=item)
    messages.success(request, "案件を戻しました。ほかの担当者が対応できます。")
    return redirect("dunning:work")


@never_cache
@require(
    selectors.may_view_no_effect,
    message="「効果なし」一覧は業務責任者と自治体職員のみ閲覧できます。",
)
def no_effect(request):
    listing = selectors.no_effect_items(request.user)
    if listing.rows:
        log_view(
            request,
            fields=listing.fields_shown,
            reason=f"効果なし一覧（{len(listing.rows)}件表示／全{listing.count}件）",
        )
    return render(request, "dunning/queue/no_effect.html", {"listing": listing})
