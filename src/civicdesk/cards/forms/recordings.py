"""Forms of the call-recording and disclosure pages (別紙④). Every rule is the service's; the
forms parse and put the service's errors beside their fields."""

from __future__ import annotations

import re

from django import forms

from civicdesk.cards.choices import CallType, DisclosureGround
from civicdesk.core.forms import ServiceFormMixin

STATES = [
    ("", "すべて"),
    ("kept", "保管中"),
    ("held", "消去停止中"),
    ("erased", "消去済み"),
]


class RecordingFilterForm(forms.Form):
    state = forms.ChoiceField(label="状態", choices=STATES, required=False)
    call_type = forms.ChoiceField(
        label="通話の種別", choices=[("", "すべて"), *CallType.choices], required=False
    )

    def chosen(self) -> dict:
        if not self.is_valid():
            return {"state": "", "call_type": ""}
        return self.cleaned_data


class ExtendForm(ServiceFormMixin, forms.Form):
    prefix = "extend"  # the hold form on the same page has a reason too
    keep_until = forms.DateField(
        label="新しい保管期限",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "新しい保管期限: 入力してください。",
            "invalid": "新しい保管期限: YYYY-MM-DD で入力してください。",
        },
    )
    reason = forms.CharField(
        label="延長の理由（区民課長との協議）",
        max_length=300,
        help_text="別紙④ 第6条2: 区民課長と協議した日と内容を記録します。",
        error_messages={"required": "延長の理由（区民課長との協議）: 入力してください。"},
    )


class HoldForm(ServiceFormMixin, forms.Form):
    prefix = "hold"
    reason = forms.CharField(
        label="理由",
        max_length=300,
        error_messages={"required": "理由: 入力してください。"},
    )


class DisclosureForm(ServiceFormMixin, forms.Form):
    ground = forms.ChoiceField(
        label="提供の根拠（別紙④ 第7条第1項）",
        choices=[("", "選んでください"), *DisclosureGround.choices],
        required=False,
    )
    requesting_body = forms.CharField(label="提供先（請求した機関・者）", required=False)
    document = forms.CharField(
        label="請求の文書（文書番号・日付）",
        required=False,
        help_text="(2) 刑事訴訟法第197条第2項の照会、(3) 法令に基づく文書による請求では必須です。",
    )
    purpose = forms.CharField(label="提供の目的", required=False)
    scope = forms.CharField(
        label="提供する範囲（必要最小限）",
        required=False,
        help_text="目的に照らし必要かつ最小限の範囲にとどめます（第7条第2項）。",
    )
    recordings = forms.CharField(
        label="対象の通話録音（録音番号、カンマ区切り）",
        required=False,
        help_text="録音の一覧・詳細に表示される番号です。",
    )

    def recording_ids(self) -> list[int]:
        text = self.cleaned_data.get("recordings") or ""
        return [int(part) for part in re.findall(r"\d+", text)]


class DecideForm(ServiceFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label="判断",
        choices=[("approve", "承認する"), ("reject", "却下する")],
        widget=forms.RadioSelect,
        error_messages={"required": "判断: 承認か却下かを選んでください。"},
    )
    note = forms.CharField(
        label="所見", required=False, max_length=300, help_text="却下するときは必ず入力します。"
    )


class HandOverForm(ServiceFormMixin, forms.Form):
    receiver = forms.CharField(
        label="受領者（区民課の所属・氏名）",
        max_length=100,
        error_messages={"required": "受領者: 入力してください。"},
    )


class ReportForm(ServiceFormMixin, forms.Form):
    report = forms.CharField(
        label="区民課長への報告の内容",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "報告の内容: 入力してください。"},
    )
