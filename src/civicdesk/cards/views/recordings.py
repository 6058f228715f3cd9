"""The call-recording and disclosure pages (別紙④): the list of recordings with their dates, a
recording's page with the player (no download, no copy: the sound is streamed inline to those
who may play it, every request logged), retention, holds and erasure; the erasure
certificate; the disclosure register with its overdue reports, registration, and the
decide / hand-over / report steps."""

from __future__ import annotations

import re
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicdesk.audit.shortcuts import log_view
from civicdesk.cards.forms import recordings as forms
from civicdesk.cards.models import Disclosure
from civicdesk.cards.selectors import recordings as selectors
from civicdesk.cards.services import disclosures as disclosure_services
from civicdesk.cards.services import recordings as services
from civicdesk.core.http import require
from civicdesk.core.models import Municipality

VIEW = "通話録音を閲覧する権限がありません。"
PAGE_SIZE = 100
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_CHUNK = 64 * 1024


def _may_view_erasure(user) -> bool:
    return selectors.may_view_erasures(user) or selectors.may_view_recordings(user)


# --- Recordings -----------------------------------------------------------------------------------


@never_cache
@require_GET
@require(selectors.may_view_recordings, message=VIEW)
def recording_list(request):
    user = request.user
    filter_form = forms.RecordingFilterForm(request.GET or None)
    chosen = filter_form.chosen()
    rows = selectors.recordings_for(user).order_by("-recorded_at", "-pk")
    state = chosen["state"]
    if state == "kept":
        rows = rows.filter(erased_at__isnull=True)
    elif state == "held":
        rows = rows.filter(erased_at__isnull=True, legal_hold=True)
    elif state == "erased":
        rows = rows.filter(erased_at__isnull=False)
    if chosen["call_type"]:
        rows = rows.filter(call_type=chosen["call_type"])
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    municipality = Municipality.objects.for_user(user)
    today = timezone.localdate()
    context = {
        "filter_form": filter_form,
        "page": page,
        "rows": [(r, selectors.erase_by_for(r.keep_until)) for r in page.object_list],
        "due_count": selectors.due_for_erasure(municipality, today).count(),
        "held_count": selectors.held_past_retention(municipality, today).count(),
        "erasures": selectors.erasures_for(user)[:20],
        "may_erase": selectors.may_erase(user),
        "query": _query_without_page(request),
    }
    return render(request, "cards/recordings/list.html", context)


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _recording_page(request, recording, status=200, **bound):
    user = request.user
    may_change = selectors.may_change_retention(user) and recording.erased_at is None
    context = {
        "recording": recording,
        "erase_by": selectors.erase_by_for(recording.keep_until),
        "may_play": selectors.may_play(user) and recording.erased_at is None,
        "may_change": may_change,
        "may_erase": selectors.may_erase(user) and recording.erased_at is None,
        "may_request": selectors.may_request_disclosure(user) and recording.erased_at is None,
        "extend_form": bound.get("extend_form") or (forms.ExtendForm() if may_change else None),
        "hold_form": bound.get("hold_form") or (forms.HoldForm() if may_change else None),
        "disclosures": selectors.disclosures_for(user).filter(recordings=recording),
    }
    return render(request, "cards/recordings/detail.html", context, status=status)


@never_cache
@require_GET
@require(selectors.may_view_recordings, message=VIEW)
def recording_detail(request, pk: int):
    recording = get_object_or_404(selectors.recordings_for(request.user), pk=pk)
    return _recording_page(request, recording)


@never_cache
@require_GET
@require(selectors.may_play, message="通話録音を再生する権限がありません。")
def recording_audio(request, pk: int):
    """The sound, inline, never cached, one access-log entry per request (Range supported)."""
    recording = get_object_or_404(selectors.recordings_for(request.user), pk=pk)
    try:
        path = services.open_for_playback(acting_user=request.user, recording=recording)
    except ValidationError:
        return HttpResponse(status=404)
    return _ranged(request, path, recording.content_type)


def _ranged(request, path: Path, content_type: str):
    size = path.stat().st_size
    start, end, status = 0, size - 1, 200
    match = _RANGE.fullmatch(request.headers.get("Range", "").strip())
    if match and (match[1] or match[2]):
        if match[1]:
            start = int(match[1])
            end = min(int(match[2]), size - 1) if match[2] else size - 1
        else:
            start = max(size - int(match[2]), 0)
        if start > end or start >= size:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return _no_copy_headers(response)
        status = 206
    response = StreamingHttpResponse(
        _read(path, start, end), status=status, content_type=content_type
    )
    response["Content-Length"] = str(end - start + 1)
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return _no_copy_headers(response)


def _no_copy_headers(response):
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "no-store, private"
    return response


def _read(path: Path, start: int, end: int):
    with path.open("rb") as stream:
        stream.seek(start)
        left = end - start + 1
        while left > 0:
            chunk = stream.read(min(_CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


def _recording_action(request, pk, act, form_class, form_key, done):
    """POST of a recording's page: parse the form, call the service, back to the page."""
    recording = get_object_or_404(selectors.recordings_for(request.user), pk=pk)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        return _recording_page(request, recording, status=400, **{form_key: form})
    try:
        act(recording, form.cleaned_data if form else {})
    except ValidationError as error:
        if form is None:
            for message in error.messages:
                messages.error(request, message)
            return redirect("cards:recording", pk=pk)
        form.add_service_errors(error)
        return _recording_page(request, recording, status=400, **{form_key: form})
    messages.success(request, done)
    return redirect("cards:recording", pk=pk)


@require_POST
@require(selectors.may_change_retention, message="保管期間を延長する権限がありません。")
def recording_extend(request, pk: int):
    def act(recording, data):
        services.extend_retention(
            acting_user=request.user,
            recording=recording,
            keep_until=data["keep_until"],
            reason=data["reason"],
        )

    return _recording_action(
        request, pk, act, forms.ExtendForm, "extend_form", "保管期限を延長しました。"
    )


@require_POST
@require(selectors.may_change_retention, message="消去停止を設定する権限がありません。")
def recording_hold(request, pk: int):
    def act(recording, data):
        services.set_legal_hold(
            acting_user=request.user, recording=recording, reason=data["reason"]
        )

    return _recording_action(request, pk, act, forms.HoldForm, "hold_form", "消去停止にしました。")


@require_POST
@require(selectors.may_change_retention, message="消去停止を解除する権限がありません。")
def recording_release(request, pk: int):
    def act(recording, data):
        services.release_legal_hold(
            acting_user=request.user, recording=recording, reason=data["reason"]
        )

    return _recording_action(
        request, pk, act, forms.HoldForm, "hold_form", "消去停止を解除しました。"
    )


@require_POST
@require(selectors.may_erase, message="通話録音を消去する権限がありません。")
def recording_erase(request, pk: int):
    def act(recording, _data):
        services.erase_recording(acting_user=request.user, recording=recording)

    return _recording_action(request, pk, act, None, "", "通話録音を消去しました。")


@require_POST
@require(selectors.may_erase, message="通話録音を消去する権限がありません。")
def recordings_purge(request):
    """Erase everything due today (the same run as the monthly command)."""
    municipality = Municipality.objects.for_user(request.user)
    try:
        erasure = services.erase_due_recordings(
            acting_user=request.user, municipality=municipality, as_of=timezone.localdate()
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if erasure is None:
            messages.info(request, "保管期間を過ぎた通話録音はありません。")
        else:
            messages.success(
                request,
                f"通話録音 {erasure.erased_count} 件を消去しました"
                f"（消去証明書 第{erasure.pk}号）。",
            )
    return redirect("cards:recordings")


@never_cache
@require_GET
@require(_may_view_erasure, message="消去証明書を見る権限がありません。")
def erasure_certificate(request, pk: int):
    erasure = get_object_or_404(selectors.erasures_for(request.user), pk=pk)
    try:
        pdf = services.certificate_pdf(acting_user=request.user, erasure=erasure)
    except ValidationError:
        return HttpResponse(status=404)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="{selectors.certificate_file_name(erasure)}"'
    )
    return response


# --- Disclosures ----------------------------------------------------------------------------------


@never_cache
@require_GET
@require(selectors.may_view_disclosures, message="通話録音の提供を閲覧する権限がありません。")
def disclosure_list(request):
    user = request.user
    municipality = Municipality.objects.for_user(user)
    overdue = list(selectors.overdue_disclosures(municipality, timezone.localdate()))
    rows = selectors.disclosures_for(user).select_related("requested_by").order_by("-number")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "overdue": overdue,
        "overdue_ids": {d.pk for d in overdue},
        "may_request": selectors.may_request_disclosure(user),
    }
    return render(request, "cards/recordings/disclosures.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_request_disclosure, message="通話録音の提供を登録する権限がありません。")
def disclosure_new(request):
    user = request.user
    if request.method == "POST":
        form = forms.DisclosureForm(request.POST)
        if form.is_valid():
            wanted = form.recording_ids()
            chosen = list(selectors.recordings_for(user).filter(pk__in=wanted))
            unknown = sorted(set(wanted) - {r.pk for r in chosen})
            try:
                if unknown:
                    numbers = "、".join(str(n) for n in unknown)
                    raise ValidationError(
                        {"recordings": [f"対象の通話録音: 番号 {numbers} の録音はありません。"]}
                    )
                disclosure = disclosure_services.request_disclosure(
                    acting_user=user,
                    municipality=Municipality.objects.for_user(user),
                    ground=form.cleaned_data["ground"],
                    requesting_body=form.cleaned_data["requesting_body"],
                    document=form.cleaned_data["document"],
                    purpose=form.cleaned_data["purpose"],
                    scope=form.cleaned_data["scope"],
                    recordings=chosen,
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"提供 No.{disclosure.number} を登録しました。")
                return redirect("cards:disclosure", pk=disclosure.pk)
        status = 400
    else:
        initial = {"recordings": request.GET.get("recording", "")}
        form = forms.DisclosureForm(initial=initial)
        status = 200
    return render(request, "cards/recordings/disclosure_new.html", {"form": form}, status=status)


def _disclosure_page(request, disclosure: Disclosure, status=200, **bound):
    user = request.user
    log_view(
        request,
        obj=disclosure,
        fields=["requesting_body", "document", "purpose", "scope", "recordings"],
        reason=f"通話録音の提供 No.{disclosure.number} の閲覧",
    )
    state = disclosure.status
    may_decide = (
        selectors.may_decide_disclosure(user)
        and state == "requested"
        and disclosure.requested_by_id != user.pk
    )
    may_hand = selectors.may_hand_over_disclosure(user)
    context = {
        "disclosure": disclosure,
        "recordings": disclosure.recordings.order_by("recorded_at", "pk"),
        "overdue": state == "handed_over"
        and disclosure.report_due_on is not None
        and disclosure.report_due_on < timezone.localdate(),
        "decide_form": bound.get("decide_form") or (forms.DecideForm() if may_decide else None),
        "hand_over_form": bound.get("hand_over_form")
        or (forms.HandOverForm() if may_hand and state == "approved" else None),
        "report_days": disclosure_services.report_days(),
        "report_form": bound.get("report_form")
        or (forms.ReportForm() if may_hand and state == "handed_over" else None),
    }
    return render(request, "cards/recordings/disclosure_detail.html", context, status=status)


@never_cache
@require_GET
@require(selectors.may_view_disclosures, message="通話録音の提供を閲覧する権限がありません。")
def disclosure_detail(request, pk: int):
    disclosure = get_object_or_404(selectors.disclosures_for(request.user), pk=pk)
    return _disclosure_page(request, disclosure)


def _disclosure_action(request, pk, form_class, form_key, act, done):
    disclosure = get_object_or_404(selectors.disclosures_for(request.user), pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(disclosure, form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, done)
            return redirect(reverse("cards:disclosure", args=[pk]))
    return _disclosure_page(request, disclosure, status=400, **{form_key: form})


@require_POST
@require(
    selectors.may_decide_disclosure, message="通話録音の提供を承認・却下する権限がありません。"
)
def disclosure_decide(request, pk: int):
    def act(disclosure, data):
        disclosure_services.decide_disclosure(
            acting_user=request.user,
            disclosure=disclosure,
            approve=data["decision"] == "approve",
            note=data["note"],
        )

    return _disclosure_action(
        request, pk, forms.DecideForm, "decide_form", act, "判断を記録しました。"
    )


@require_POST
@require(selectors.may_hand_over_disclosure, message="通話録音を提供する権限がありません。")
def disclosure_hand_over(request, pk: int):
    def act(disclosure, data):
        disclosure_services.hand_over_disclosure(
            acting_user=request.user, disclosure=disclosure, receiver=data["receiver"]
        )

    return _disclosure_action(
        request, pk, forms.HandOverForm, "hand_over_form", act, "提供を記録しました。"
    )


@require_POST
@require(selectors.may_hand_over_disclosure, message="通話録音の提供を報告する権限がありません。")
def disclosure_report(request, pk: int):
    def act(disclosure, data):
        disclosure_services.report_disclosure(
            acting_user=request.user, disclosure=disclosure, report=data["report"]
        )

    return _disclosure_action(
        request, pk, forms.ReportForm, "report_form", act, "報告を記録しました。"
    )
