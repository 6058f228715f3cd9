"""SMS batches (送信, issue 6 §3): the list with the 「新しい送信」 form (「件数を確認」 plans,
「送信を開始」 makes the batch and queues the worker), a batch's page with its messages, the
progress fragment htmx polls while the batch is not over, and pause / resume / cancel.

Supervisors send and control; staff and inspectors read (no form, no buttons, 403 on POST).
The page never sends: ``create_sms_batch`` and ``resume_sms_batch`` queue ``send_sms_batch``.
"""

from __future__ import annotations

import math

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from civicdesk.audit.shortcuts import log_view
from civicdesk.core.http import require
from civicdesk.registry.models import Obligor
from civicdesk.sms import rendering
from civicdesk.sms.choices import (
    RUNNABLE_BATCH_STATUSES,
    SmsBatchStatus,
    SmsMessageStatus,
)
from civicdesk.sms.forms.batches import SEND, SmsBatchForm
from civicdesk.sms.segments import count_segments
from civicdesk.sms.selectors import batches as selectors
from civicdesk.sms.services import batches as services

MESSAGES_PER_PAGE = 100
# What the message list shows of each message: the access log names these fields.
MESSAGE_LIST_FIELDS = ["contacts", "phone"]


view_required = require(
    selectors.may_view_batches, message="SMS の送信を閲覧する権限がありません。"
)
control_required = require(
    selectors.may_control_batches, message="SMS の送信を操作する権限がありません。"
)


# --- The list and a new batch ----------------------------------------------------------------


@never_cache
@require_GET
@view_required
def batches(request):
    form = SmsBatchForm(user=request.user) if selectors.may_create_batches(request.user) else None
    return _list_page(request, form)


@never_cache
@require_POST
@require(selectors.may_create_batches, message="SMS を送信する権限がありません。")
def batch_new(request):
    form = SmsBatchForm(request.POST, user=request.user)
    if not form.is_valid():
        return _list_page(request, form)
    if request.POST.get("action") == SEND:
        return _send(request, form)
    return _plan(request, form)


def _send(request, form):
    try:
        batch = services.create_sms_batch(**form.service_arguments(), acting_user=request.user)
    except ValidationError as error:
        form.add_service_errors(error)
        return _list_page(request, form)
    messages.success(request, f"SMS の送信を受け付けました（{batch.total:,}通）。")
    return redirect("sms:batch", pk=batch.pk)


def _plan(request, form):
    now = timezone.now()
    try:
        plan = services.plan_sms_batch(
            **form.service_arguments(), acting_user=request.user, now=now
        )
    except ValidationError as error:
        form.add_service_errors(error)
        return _list_page(request, form)
    _log_sample(request, plan)
    return _list_page(request, form, checked=_plan_context(plan, now))


def _list_page(request, form, checked=None):
    rows = selectors.recent_batches(request.user)
    progress = selectors.progress_for(rows)
    context = {
        "rows": [(batch, progress[batch.pk]) for batch in rows],
        "form": form,
        "checked": checked,
    }
    return render(request, "sms/batches/list.html", context)


def _plan_context(plan: services.BatchPlan, now) -> dict:
    count = len(plan.messages)
    return {
        "plan": plan,
        "count": count,
        "skipped": services.skipped_text(plan.skipped),
        "sample_count": count_segments(plan.sample.text),
        # Sending at the batch's rate, within the sms hours.
        "minutes": max(1, math.ceil(count / plan.rate_per_second / 60)),
        "opens_at": plan.next_opening if plan.next_opening and plan.next_opening > now else None,
        "personal": bool(rendering.personal_variables_in(plan.template.body)),
    }


def _log_sample(request, plan: services.BatchPlan) -> None:
    """The sample is the first person's text: personal data when the template has {氏名} etc."""
    personal = rendering.personal_variables_in(plan.template.body)
    if not personal:
        return
    log_view(
        request,
        # Only the key is logged: a bare instance spares a query for the person's row.
        Obligor(pk=plan.sample.obligor_id),
        [rendering.PERSONAL_FIELDS[name] for name in personal],
        reason=f"SMS 送信の件数確認（本文の見本・{plan.template.name}）",
    )


# --- A batch ---------------------------------------------------------------------------------


def _batch_or_404(request, pk: int):
    return get_object_or_404(
        selectors.batches_for(request.user).select_related("status_changed_by"), pk=pk
    )


@never_cache
@require_GET
@view_required
def batch(request, pk: int):
    batch = _batch_or_404(request, pk)
    page = Paginator(selectors.batch_messages(batch), MESSAGES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [(message, masked_number(message.number)) for message in page]
    if rows:
        log_view(
            request,
            batch,
            MESSAGE_LIST_FIELDS,
            reason=f"SMS 送信 #{batch.pk} の送信先一覧（{page.number}ページ・{len(rows)}件）",
        )
    context = {
        **_progress_context(request, batch),
        "page": page,
        "rows": rows,
        "skipped": services.skipped_text(batch.skipped),
    }
    return render(request, "sms/batches/detail.html", context)


@never_cache
@require_GET
@view_required
def batch_progress(request, pk: int):
    """The fragment htmx replaces every 2 s: state, counts, buttons; no personal data."""
    batch = _batch_or_404(request, pk)
    return render(request, "sms/batches/_progress.html", _progress_context(request, batch))


def _progress_context(request, batch) -> dict:
    progress = selectors.progress(batch)
    may_control = selectors.may_control_batches(request.user)
    status = batch.status
    now = timezone.now()
    worker_gone = batch.runner_until is None or batch.runner_until < now
    return {
        "batch": batch,
        "progress": progress,
        "counts": [
            (value, label, progress.by_status.get(value, 0))
            for value, label in SmsMessageStatus.choices
        ],
        "over": selectors.is_over(batch),
        "unsent": progress.total - progress.done,
        "may_pause": may_control and status in RUNNABLE_BATCH_STATUSES,
        # A batch a live worker is sending is left to it (services.batches.resume_sms_batch);
        # one whose worker died (its lease ran out) may be resumed.
        "may_resume": may_control
        and (
            status in (SmsBatchStatus.PAUSED, SmsBatchStatus.WAITING)
            or (status == SmsBatchStatus.SENDING and worker_gone)
        ),
        "may_cancel": may_control and not selectors.is_over(batch),
        "worker_gone": status == SmsBatchStatus.SENDING and worker_gone,
    }


def masked_number(number: str) -> str:
    """「***-****-5678」: only the last 4 digits of the number are shown."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return f"***-****-{digits[-4:]}" if len(digits) >= 4 else "****"


# --- Pause, resume, cancel -------------------------------------------------------------------


@require_POST
@control_required
def batch_pause(request, pk: int):
    return _control(
        request, pk, services.pause_sms_batch,
        "送信を一時停止しました（送信中の1通のあとで止まります）。",
    )  # fmt: skip


@require_POST
@control_required
def batch_resume(request, pk: int):
    return _control(request, pk, services.resume_sms_batch, "送信を再開しました。")


@require_POST
@control_required
def batch_cancel(request, pk: int):
    return _control(
        request, pk, services.cancel_sms_batch,
        "送信を中止しました。未送信の SMS は取消にしました（送信済みの SMS はそのままです）。",
    )  # fmt: skip


def _control(request, pk: int, service, done: str):
    batch = _batch_or_404(request, pk)
    try:
        service(acting_user=request.user, batch=batch)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("sms:batch", pk=batch.pk)
