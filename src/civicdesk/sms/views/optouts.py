"""The opt-out page (受信拒否): the list with a search by number, the form to add a number, and
removing one. Supervisors and staff change the list; inspectors read it. The list shows phone
numbers: every view that shows any is logged.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civicdesk.audit.shortcuts import log_view
from civicdesk.core.http import refuse_unless, require
from civicdesk.sms.forms.optouts import OptOutForm, OptOutSearchForm
from civicdesk.sms.selectors import optouts as selectors
from civicdesk.sms.services import optouts as services


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_view_opt_outs, message="受信拒否を閲覧する権限がありません。")
def opt_outs(request):
    """GET: the list (``?q=`` searches); POST: add a number (supervisors and staff)."""
    user = request.user
    may_change = selectors.may_change_opt_outs(user)
    form = OptOutForm() if may_change else None
    if request.method == "POST":
        refuse_unless(
            user, selectors.may_change_opt_outs, message="受信拒否を登録する権限がありません。"
        )
        form = OptOutForm(request.POST)
        if form.is_valid():
            try:
                added = services.add_opt_out(
                    acting_user=user,
                    number=form.cleaned_data["number"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"{added.display} を受信拒否に登録しました。")
                return redirect("sms:optouts")
    search = OptOutSearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    listing = selectors.search_opt_outs(user, query)
    if listing.rows:
        log_view(request, fields=["phone"], reason=f"SMS 受信拒否一覧（{len(listing.rows)}件）")
    context = {"listing": listing, "form": form, "search": search, "may_change": may_change}
    return render(request, "sms/optouts/list.html", context)


@require_POST
@require(selectors.may_change_opt_outs, message="受信拒否を解除する権限がありません。")
def opt_out_delete(request, pk: int):
    opt_out = get_object_or_404(selectors.opt_outs_for(request.user), pk=pk)
    services.remove_opt_out(acting_user=request.user, opt_out=opt_out)
    messages.success(request, f"{opt_out.display} の受信拒否を解除しました。")
    return redirect("sms:optouts")
