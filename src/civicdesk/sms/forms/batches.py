"""The 「新しい送信」 form of the SMS batches page: a campaign, a template, a rate and a reason.

The form only parses (the choices are what the user may pick); ``plan_sms_batch`` and
``create_sms_batch`` check everything against the database and their ValidationError is put
back on the fields.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from civicdesk.core.forms import ServiceFormMixin
from civicdesk.core.models import Municipality
from civicdesk.sms.selectors import batches as selectors
from civicdesk.sms.selectors.templates import active_templates

# The two buttons of the form; Enter in a text field presses the first one (PLAN: nothing sent).
PLAN = "plan"
SEND = "send"


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, template) -> str:
        personal = "・氏名等を含む" if template.allows_personal_values else ""
        return f"{template.name}（{template.get_revenue_type_display()}{personal}）"


class SmsBatchForm(ServiceFormMixin, forms.Form):
    campaign = forms.ModelChoiceField(
        label="催告計画",
        queryset=None,
        empty_label="選んでください",
        error_messages={
            "required": "催告計画を選んでください。",
            "invalid_choice": "この催告計画には送信できません（手段が SMS で実施中の計画を"
            "選んでください）。",
        },
        help_text="手段が SMS で実施中の計画のうち、未完了の案件がある計画です。",
    )
    template = TemplateChoiceField(
        label="テンプレート",
        queryset=None,
        empty_label="選んでください",
        error_messages={
            "required": "テンプレートを選んでください。",
            "invalid_choice": "このテンプレートは使えません（「使用する」のテンプレートを"
            "選んでください）。",
        },
    )
    rate_per_second = forms.IntegerField(label="送信速度（通／秒）", required=False)  # see __init__
    reason = forms.CharField(
        label="送信の理由",
        required=False,
        max_length=200,
        help_text="アクセスログに記録します。空欄のときは「SMS 催告（計画名）」です。",
        error_messages={"max_length": "送信の理由は200文字以内で入力してください。"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = selectors.sendable_campaigns(
            Municipality.objects.id_for_user(user)
        )
        self.fields["template"].queryset = active_templates(user)
        self._limit_rate(settings.SMS_RATE_PER_SECOND)

    def _limit_rate(self, limit: int) -> None:
        # Made at each request, not at import: the limit is the installation's setting.
        message = f"送信速度は 1〜{limit} 通／秒で指定してください。"
        self.fields["rate_per_second"] = forms.IntegerField(
            label="送信速度（通／秒）",
            required=False,
            initial=limit,
            widget=forms.NumberInput(attrs={"min": 1, "max": limit}),
            validators=[_rate_validator(limit, message)],
            error_messages={"invalid": message},
            help_text=f"1〜{limit} 通／秒。空欄のときは {limit} 通／秒"
            "（上限は設定値 CIVICDESK_SMS_RATE_PER_SECOND）。",
        )

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "campaign": data["campaign"],
            "template": data["template"],
            "rate_per_second": data["rate_per_second"],
            "reason": data["reason"],
        }


def _rate_validator(limit: int, message: str):
    def validate(value) -> None:
        if value is not None and not 1 <= value <= limit:
            raise ValidationError(message)

    return validate
