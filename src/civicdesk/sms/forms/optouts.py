"""Forms of the opt-out page (受信拒否): add a number, search the list."""

from __future__ import annotations

from django import forms

from civicdesk.core.forms import ServiceFormMixin
from civicdesk.sms.models import OptOut


class OptOutForm(ServiceFormMixin, forms.Form):
    number = forms.CharField(
        label="電話番号",
        max_length=30,
        help_text="どの表記でも（090-1234-5678、09012345678、+81 90 1234 5678）。",
        error_messages={"required": "電話番号を入力してください。"},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    note = forms.CharField(
        label="備考",
        required=False,
        max_length=OptOut._meta.get_field("note").max_length,
        help_text="例: 電話で本人から申出（令和7年6月10日）",
    )


class OptOutSearchForm(forms.Form):
    q = forms.CharField(
        label="電話番号で検索",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "type": "search"}),
    )
