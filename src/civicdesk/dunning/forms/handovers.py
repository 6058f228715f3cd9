"""Forms of hand-overs (引継ぎ) and requests for staff."""

from __future__ import annotations

from django import forms

from civicdesk.core.forms import ServiceFormMixin
from civicdesk.dunning.choices import HandOverReason, StaffRequestKind, StaffRequestStatus
from civicdesk.dunning.models import HandOver
from civicdesk.dunning.selectors.handovers import ACTIONS, STATUS_FILTERS
from civicdesk.privacy.services.export_register import REASON_MAX_LENGTH


class HandOverForm(ServiceFormMixin, forms.Form):
    """An operator's 催告業務引き継ぎ・連絡票; revenue types offered: the obligor's, in scope."""

    reason = forms.ChoiceField(label="理由", choices=HandOverReason.choices)
    revenue_types = forms.MultipleChoiceField(
        label="税目・保険料",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "税目・保険料を1つ以上選んでください。"},
    )
    note = forms.CharField(
        label="連絡事項",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="職員が判断できるよう、聞き取った内容・経緯を具体的に書いてください。",
        error_messages={"required": "連絡事項を入力してください。"},
    )

    def __init__(self, *args, revenue_type_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["revenue_types"].choices = revenue_type_choices
        if not self.is_bound and revenue_type_choices:
            self.initial.setdefault("revenue_types", [value for value, _ in revenue_type_choices])


class HandOverDecisionForm(ServiceFormMixin, forms.Form):
    """One staff action on a hand-over: the button's value says which."""

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS], widget=forms.HiddenInput)
    note = forms.CharField(
        label="職員メモ（差戻しの場合は理由）",
        required=False,
        max_length=HandOver._meta.get_field("staff_note").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class HandOverFilterForm(forms.Form):
    status = forms.ChoiceField(label="状態", choices=STATUS_FILTERS, required=False)


class StaffRequestFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="種類", choices=[("", "すべて"), *StaffRequestKind.choices], required=False
    )
    status = forms.ChoiceField(
        label="状態", choices=[("", "すべて"), *StaffRequestStatus.choices], required=False
    )


class StaffRequestExportForm(forms.Form):
    """The 納付書再発行エクセル: which requests, and why the file leaves (持出しの理由)."""

    kind = forms.ChoiceField(
        label="種類", choices=[("", "すべて"), *StaffRequestKind.choices], required=False
    )
    status = forms.ChoiceField(
        label="状態",
        choices=[("", "すべて"), *StaffRequestStatus.choices],
        required=False,
        initial=StaffRequestStatus.OPEN,
    )
    reason = forms.CharField(
        label="持出しの理由",
        max_length=REASON_MAX_LENGTH,
        help_text="例: 納付書再発行のため（持出記録に残ります）",
        error_messages={"required": "持出しの理由を入力してください。"},
    )
