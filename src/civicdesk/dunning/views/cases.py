"""The operator's case screen (案件画面): GET shows the person, POST records the result.

Outside the user's scope and missing answer the same 404. Every GET is logged with the fields
shown. ``?inbound=<InboundCall pk>`` (from the 受電 page) records the contact as an inbound
call; a case opened from 「次の案件」 records an outbound call on the held work item.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from civicdesk.accounts.models import Role
from civicdesk.audit.shortcuts import log_view
from civicdesk.core.http import refuse_unless, require
from civicdesk.dunning.choices import ContactChannel
from civicdesk.dunning.forms.contacts import PARTY_KEYS, ContactResultForm
from civicdesk.dunning.models import InboundCall
from civicdesk.dunning.selectors.cases import case_view
from civicdesk.dunning.services.contacts import record_contact
from civicdesk.dunning.services.queue import claim_next_item
from civicdesk.privacy.field_policy import purpose_for
from civicdesk.receivables.selectors.obligors import obligors_for
from civicdesk.registry.selectors import may_view_obligors

VIEW_PERMISSION = "dunning.view_contact"
RECORD_PERMISSION = "dunning.add_contact"


@never_cache
@require(may_view_obligors, VIEW_PERMISSION, message="案件を閲覧する権限がありません。")
def case(request, pk: int):
    user = request.user
    if request.method == "POST":
        refuse_unless(user, RECORD_PERMISSION, message="折衝記録を登録する権限がありません。")
    # 404, not 403, outside the user's scope: the answer must not tell that the person exists.
    obligor = get_object_or_404(
        obligors_for(user).select_related("household", "municipality"), pk=pk
    )
    view = case_view(user, obligor)
    inbound = _inbound_call(request, obligor)
    form = ContactResultForm(request.POST or None, case=view)
    if request.method == "POST" and form.is_valid():
        contact = _record(request, form, view, inbound)
        if contact is not None:
            return _after_save(request, view, contact)
    # Also when a POST comes back with errors: the page shows the person again.
    reason = "案件画面" + ("（受電）" if inbound else "")
    log_view(request, obligor, view.fields_shown, reason=reason)
    context = {
        "case": view,
        "form": form,
        "inbound": inbound,
        "party_keys": {str(value): key for value, key in PARTY_KEYS.items()},
        "may_record": user.has_perm(RECORD_PERMISSION),
        "action": request.get_full_path(),
        "promise_max_days": settings.DUNNING_PROMISE_MAX_DAYS,
    }
    return render(request, "dunning/cases/case.html", context)


def _inbound_call(request, obligor) -> InboundCall | None:
    value = request.GET.get("inbound", "")
    if not value.isdigit():
        return None
    return InboundCall.objects.filter(
        pk=int(value), municipality_id=obligor.municipality_id
    ).first()


def _channel(user, inbound) -> str:
    if inbound is not None:
        return ContactChannel.INBOUND_CALL
    # Who works under the field policy's visits purpose records visits (one decision, in
    # privacy.field_policy.purpose_for).
    if purpose_for(user) == "visits":
        return ContactChannel.VISIT
    return ContactChannel.OUTBOUND_CALL


def _record(request, form: ContactResultForm, view, inbound):
    data = form.cleaned_data
    try:
        return record_contact(
            acting_user=request.user,
            obligor=view.obligor,
            channel=_channel(request.user, inbound),
            party=data["party"],
            outcome=data["outcome"],
            accounts=form.account_ids(),
            note=data["note"],
            hot_voice=data["hot_voice"],
            phone=data["phone"],
            new_phone=data["new_phone"],
            # An inbound call is its own contact even while a queue item is held.
            work_item=view.lease if inbound is None else None,
            inbound_call=inbound,
            promises=form.promise_rows(),
            callback_at=data["callback_at"],
            hand_over=form.hand_over(),
        )
    except ValidationError as error:
        form.add_service_errors(error)
        return None


def _after_save(request, view, contact):
    messages.success(
        request,
        f"折衝記録を登録しました（{contact.get_party_display()}・{contact.get_outcome_display()}）。",
    )
    if contact.work_item_id is None:
        return redirect("dunning:case", pk=view.obligor.pk)
    if request.user.role == Role.VISITOR:
        # Visitors work from their visit lists, not from 「次の案件」 (which answers them 403).
        return redirect("dunning:visit_lists")
    if request.POST.get("next") == "1":
        following = _claim_next(request.user)
        if following is not None:
            return redirect("dunning:case", pk=following.obligor_id)
        messages.info(request, "次の案件はありません。")
    return redirect("dunning:work")


def _claim_next(user):
    return claim_next_item(acting_user=user)
