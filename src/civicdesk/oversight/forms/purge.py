"""The form a supervisor or staff member drafts a purge plan with (seed 004 別紙⑦ 第12条 2)."""

from __future__ import annotations

from django import forms

from civicdesk.core.choices import RevenueType
from civicdesk.core.forms import ServiceFormMixin
from civicdesk.oversight.models import PurgeScope
from civicdesk.oversight.services.purge import DEFAULT_MEDIA, DEFAULT_METHOD


class PurgePlanForm(ServiceFormMixin, forms.Form):
    scope = forms.ChoiceField(
        label="範囲",
        choices=PurgeScope.choices,
        widget=forms.RadioSelect,
        initial=PurgeScope.ALL,
        help_text="税目・保険料ごとの場合、その税目だけを滞納している人は記録ごと消去し、"
        "他の税目もある人はその税目の口座だけを消去します。",
    )
    revenue_type = forms.ChoiceField(
        label="税目・保険料（範囲が税目ごとの場合）",
        choices=[("", "選んでください"), *RevenueType.choices],
        required=False,
    )
    planned_on = forms.DateField(
        label="処理予定日",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(label="理由", max_length=200, help_text="例: 委託契約の終了")
    media = forms.CharField(label="媒体名", max_length=200, initial=DEFAULT_MEDIA)
    method = forms.CharField(
        label="消去の方法",
        max_length=500,
        initial=DEFAULT_METHOD,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
