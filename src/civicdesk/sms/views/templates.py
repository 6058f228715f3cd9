"""SMS template pages: the list, a new template, a template's page, and the preview fragment
that page asks for with htmx while the user types.

Supervisors and staff write templates (only staff allow personal values: the service says so
on the checkbox); inspectors read the list and each template, without a form to send. There
is no delete: a template a batch used is kept (PROTECT), so it is deactivated instead.
Without JavaScript 「プレビュー」 re-renders the page with the preview and saves nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civicdesk.core.http import refuse_unless, require
from civicdesk.core.models import Municipality
from civicdesk.sms import rendering
from civicdesk.sms.forms.templates import SmsTemplateForm
from civicdesk.sms.selectors import templates as selectors
from civicdesk.sms.services import templates as services

MAY_NOT_VIEW = "SMS 本文テンプレートを閲覧する権限がありません。"
MAY_NOT_EDIT = "SMS 本文テンプレートを登録・変更する権限がありません。"


def _may_write(user) -> bool:
    return selectors.may_edit_templates(user) or selectors.may_add_templates(user)


@never_cache
@require_http_methods(["GET"])
@require(selectors.may_view_templates, message=MAY_NOT_VIEW)
def template_list(request):
    templates = list(selectors.templates_for(request.user))
    municipality = Municipality.objects.for_user(request.user)
    counts = (
        services.sample_counts(municipality=municipality, templates=templates)
        if municipality and templates
        else {}
    )
    context = {
        "rows": [(template, counts.get(template.pk)) for template in templates],
        "may_add": selectors.may_add_templates(request.user),
    }
    return render(request, "sms/templates/list.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_add_templates, message=MAY_NOT_EDIT)
def template_new(request):
    return _form_page(request, template=None)


@never_cache
@require_http_methods(["GET", "POST"])
@require(selectors.may_view_templates, message=MAY_NOT_VIEW)
def template_edit(request, pk: int):
    """Readers see the template; only editors may send the form."""
    template = get_object_or_404(selectors.templates_for(request.user), pk=pk)
    if request.method == "POST":
        refuse_unless(request.user, selectors.may_edit_templates, message=MAY_NOT_EDIT)
    return _form_page(request, template=template)


@never_cache
@require_POST
@require(_may_write, message=MAY_NOT_EDIT)
def template_preview(request):
    """The preview fragment (sms/templates/_preview.html) for the body as typed."""
    form = SmsTemplateForm(request.POST)
    return render(request, "sms/templates/_preview.html", _preview_context(request, form))


def _form_page(request, *, template):
    read_only = template is not None and not selectors.may_edit_templates(request.user)
    if request.method == "POST":
        form = SmsTemplateForm(request.POST)
        if form.is_valid() and request.POST.get("action") != "preview":
            try:
                saved = services.save_sms_template(
                    acting_user=request.user,
                    template=template,
                    **form.values(),
                )
            except ValidationError as problem:
                form.add_service_errors(problem)
            else:
                verb = "登録" if template is None else "変更"
                messages.success(request, f"SMS 本文テンプレート「{saved.name}」を{verb}しました。")
                return redirect("sms:templates")
    elif template is None:
        form = SmsTemplateForm()
    else:
        form = SmsTemplateForm.for_template(template, read_only=read_only)
    context = {
        "form": form,
        "template": template,
        "read_only": read_only,
        "variables": list(rendering.VARIABLES.items()),
        "personal_variables": set(rendering.PERSONAL_FIELDS),
        **_preview_context(request, form),
    }
    return render(request, "sms/templates/form.html", context)


def _preview_context(request, form: SmsTemplateForm) -> dict:
    """The preview of the form's body; none for an empty new form (nothing typed yet)."""
    values = form.preview_values()
    municipality = Municipality.objects.for_user(request.user)
    if municipality is None or not values["body"].strip():
        return {"preview": None}
    return {"preview": services.preview_sms_template(municipality=municipality, **values)}
