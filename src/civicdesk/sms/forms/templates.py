"""The SMS template form. It only parses: ``save_sms_template`` checks everything (so that one
save names every problem) and its ValidationError is put back on the fields."""

from __future__ import annotations

from django import forms

from civicdesk.core.choices import RevenueType
from civicdesk.core.forms import ServiceFormMixin
from civicdesk.sms.models import SmsTemplate

FIELDS = ["name", "revenue_type", "body", "allows_personal_values", "is_active"]


def _label(name: str) -> str:
    return str(SmsTemplate._meta.get_field(name).verbose_name)


class SmsTemplateForm(ServiceFormMixin, forms.Form):
    name = forms.CharField(
        label=_label("name"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 100, "autocomplete": "off"}),
    )
    revenue_type = forms.ChoiceField(
        label=_label("revenue_type"),
        required=False,
        choices=[("", "選んでください"), *RevenueType.choices],
    )
    body = forms.CharField(
        label=_label("body"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="{氏名} のように {変数} を書くと、送信時に値が入ります（使える変数は下の表）。",
    )
    allows_personal_values = forms.BooleanField(
        label=_label("allows_personal_values"),
        required=False,
        help_text="初期値は「含めない」です。含めることを許可できるのは自治体の職員だけです。",
    )
    is_active = forms.BooleanField(
        label=_label("is_active"),
        required=False,
        initial=True,
        help_text="使わなくなったテンプレートは削除せず、ここを外します（送信の履歴に残るため）。",
    )

    def __init__(self, *args, read_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages = {
                **field.error_messages,
                "invalid_choice": f"{field.label}の選択肢が正しくありません。",
            }
            field.disabled = read_only

    @classmethod
    def for_template(cls, template: SmsTemplate, **kwargs) -> SmsTemplateForm:
        return cls(initial={name: getattr(template, name) for name in FIELDS}, **kwargs)

    def values(self) -> dict:
        """Keyword arguments for ``save_sms_template`` (and the preview)."""
        return {name: self.cleaned_data[name] for name in FIELDS}

    def preview_values(self) -> dict:
        """What the preview needs, from the raw input: the preview runs while the user types,
        also when another field is still wrong."""
        data = self.data if self.is_bound else self.initial
        allows = data.get("allows_personal_values")
        if self.is_bound:
            allows = self.fields["allows_personal_values"].widget.value_from_datadict(
                self.data, self.files, self.add_prefix("allows_personal_values")
            )
        return {
            "body": data.get("body") or "",
            "revenue_type": data.get("revenue_type") or "",
            "allows_personal_values": bool(allows),
        }
