"""Forms of the catalogue pages: a procedure's settings and a new fee row."""

from __future__ import annotations

from django import forms

from civicdesk.core.forms import ServiceFormMixin
from civicdesk.counter.choices import ProcedureCategory, RequesterKind
from civicdesk.counter.models import Queue
from civicdesk.counter.models.procedures import REQUEST_DATA_ITEMS


class ProcedureForm(ServiceFormMixin, forms.Form):
    name = forms.CharField(label="手続名", max_length=60)
    category = forms.ChoiceField(label="分類", choices=ProcedureCategory.choices)
    section = forms.CharField(label="担当課", max_length=40)
    queue = forms.ModelChoiceField(label="待ち行列", queryset=Queue.objects.none())
    checklist = forms.CharField(
        label="受付時の確認事項",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="1行に1項目。窓口担当者がすべて確認してから審査依頼・交付できます。",
    )
    requester_kinds = forms.MultipleChoiceField(
        label="受け付ける請求者",
        choices=RequesterKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    data_items = forms.MultipleChoiceField(
        label="記録する個人情報",
        choices=list(REQUEST_DATA_ITEMS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="個人情報の取扱い（必要最小限）: 分類ごとに記録できる項目は決まっています。",
    )
    requires_review = forms.BooleanField(label="職員の審査が必要", required=False)
    uses_tamper_proof_paper = forms.BooleanField(label="改ざん防止用紙を使う", required=False)
    has_fee = forms.BooleanField(label="手数料がある", required=False)
    active = forms.BooleanField(label="受付中", required=False)

    def __init__(self, *args, municipality=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["queue"].queryset = Queue.objects.filter(municipality=municipality)

    def clean_checklist(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["checklist"].splitlines()]
        lines = [line for line in lines if line]
        if not lines:
            raise forms.ValidationError("確認事項を1行以上入力してください。")
        return lines


class FeeForm(ServiceFormMixin, forms.Form):
    valid_from = forms.DateField(label="適用開始日", widget=forms.DateInput(attrs={"type": "date"}))
    unit_fee = forms.IntegerField(label="手数料（1通あたり・円）", min_value=0, max_value=100_000)
    exempt_requester_kinds = forms.MultipleChoiceField(
        label="免除する請求者",
        choices=RequesterKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    basis = forms.CharField(label="根拠", max_length=120, required=False)
