"""What every page shares: who may open it (core.http.require), a service's errors on the form
(core.forms.add_service_errors) and the VIEW entry of a page with personal data
(audit.shortcuts.log_view)."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.test import RequestFactory

from civicdesk.audit.context import serving_client
from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.audit.shortcuts import log_view
from civicdesk.core.forms import ServiceFormMixin, add_service_errors
from civicdesk.core.http import allowed, require
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

PLAN_CAMPAIGNS = "dunning.add_campaign"  # supervisors only (accounts.roles)


def page(request):
    return HttpResponse("ok")


def call(view, user, method="get"):
    request = getattr(RequestFactory(), method)("/")
    request.user = user
    return view(request)


# --- require ---------------------------------------------------------------------------------


def test_a_user_with_the_permission_gets_the_page(supervisor):
    assert call(require(PLAN_CAMPAIGNS)(page), supervisor).status_code == 200


def test_a_user_without_the_permission_is_refused_with_permission_denied(operator):
    with pytest.raises(PermissionDenied, match="催告計画"):
        call(require(PLAN_CAMPAIGNS, message="催告計画を表示できません。")(page), operator)


def test_an_inactive_user_is_refused_whatever_the_permissions(supervisor):
    supervisor.is_active = False
    with pytest.raises(PermissionDenied):
        call(require(lambda user: True)(page), supervisor)


def test_an_anonymous_user_is_refused():
    with pytest.raises(PermissionDenied):
        call(require(lambda user: True)(page), AnonymousUser())


def test_every_check_must_pass_permissions_and_predicates_alike(supervisor):
    assert call(require(PLAN_CAMPAIGNS, lambda user: True)(page), supervisor).status_code == 200
    with pytest.raises(PermissionDenied):
        call(require(PLAN_CAMPAIGNS, lambda user: False)(page), supervisor)


def test_require_without_a_check_is_a_programming_error():
    with pytest.raises(TypeError):
        require()


def test_allowed_answers_the_same_question_without_raising(supervisor, operator):
    assert allowed(supervisor, PLAN_CAMPAIGNS) and not allowed(operator, PLAN_CAMPAIGNS)


def test_the_page_refusal_renders_the_403_page(client, operator):
    sign_in(client, operator)
    response = client.get("/dunning/campaigns/new/")
    assert response.status_code == 403
    assert "このページを表示する権限がありません" in response.content.decode()


# --- add_service_errors ----------------------------------------------------------------------


class NoteForm(forms.Form):
    note = forms.CharField()
    token = forms.CharField(widget=forms.HiddenInput)


def bound(form_class=NoteForm):
    form = form_class({"note": "x", "token": "t"})
    assert form.is_valid()
    return form


def test_field_errors_go_beside_their_fields_and_the_rest_to_the_top():
    form = bound()
    add_service_errors(
        form,
        ValidationError(
            {"note": "メモが長すぎます。", "token": "期限切れです。", "other": "別の問題"}
        ),
    )
    assert form.errors["note"] == ["メモが長すぎます。"]
    # A hidden field and a key the form lacks cannot show an error beside them.
    assert form.non_field_errors() == ["期限切れです。", "別の問題"]


def test_an_error_without_fields_goes_to_the_top():
    form = bound()
    add_service_errors(form, ValidationError("同時に変更されました。"))
    assert form.non_field_errors() == ["同時に変更されました。"] and "note" not in form.errors


def test_a_key_can_be_mapped_to_the_forms_field():
    form = bound()
    add_service_errors(form, ValidationError({"number": "番号が違います。"}), {"number": "note"})
    assert form.errors["note"] == ["番号が違います。"]


def test_the_form_mixin_uses_the_same_rule_with_its_own_mapping():
    class MappedForm(ServiceFormMixin, NoteForm):
        service_error_fields = {"number": "note", "detail": None}

    form = bound(MappedForm)
    form.add_service_errors(ValidationError({"number": "番号が違います。", "detail": "詳細"}))
    assert form.errors["note"] == ["番号が違います。"]
    assert form.non_field_errors() == ["詳細"]


# --- log_view --------------------------------------------------------------------------------


def test_log_view_writes_one_view_entry_for_the_requests_user(supervisor, operator):
    request = RequestFactory().get("/")
    request.user = supervisor
    with serving_client("192.0.2.80"):
        entry = log_view(request, operator, ["name", "address"], reason="確認")
    assert (entry.action, entry.actor, entry.object_id) == (
        AccessAction.VIEW, supervisor, str(operator.pk),
    )  # fmt: skip
    assert (entry.fields, entry.reason, entry.ip_address) == (
        ["address", "name"],
        "確認",
        "192.0.2.80",
    )


def test_log_view_takes_a_user_and_a_list_without_object(supervisor):
    entry = log_view(supervisor, fields=["phone"], reason="一覧（3件）")
    assert (entry.actor, entry.object_type, entry.object_id) == (supervisor, "", "")
    assert AccessLogEntry.objects.filter(action=AccessAction.VIEW).count() == 1
