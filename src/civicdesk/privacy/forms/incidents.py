"""Forms of incidents (事故記録) and of the semi-annual report's half-year picker."""

from __future__ import annotations

from django import forms

from civicdesk.core.forms import ServiceFormMixin
from civicdesk.privacy.services import incidents

NO_NAMES = "区民の氏名・住所・番号などは書かず、情報の種類と件数で書いてください。"
MOMENT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def _moment(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=MOMENT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": f"{label}を入力してください。",
            "invalid": f"{label}は 2025-06-10 14:30 の形で入力してください。",
        },
    )


def _text(label: str, *, required: bool = True, help_text: str = "", rows: int = 4):
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": f"{label}を入力してください。"},
    )


class IncidentForm(ServiceFormMixin, forms.Form):
    """The fields seed 000 別紙1 第14条 asks for; the service checks them together."""

    occurred_at = _moment("発生日時")
    discovered_at = _moment("発見日時")
    place = forms.CharField(
        label="発生場所",
        max_length=incidents.PLACE_MAX_LENGTH,
        help_text="例: 納付案内センター 架電室、訪問先への移動中（東陽一丁目付近）",
        error_messages={"required": "発生場所を入力してください。"},
    )
    content = _text("事案の内容（個人情報の内容）", help_text=NO_NAMES)
    affected_count = forms.IntegerField(
        label="件数（対象の人数・件数）",
        min_value=0,
        error_messages={
            "required": "件数を入力してください（不明な場合は判明している件数）。",
            "invalid": "件数は数字で入力してください。",
            "min_value": "件数は0以上で入力してください。",
        },
    )
    circumstances = _text("発生状況", help_text="いつ、誰が、何をして、どうなったか。")
    cause = _text("原因", required=False, rows=3)
    measures = _text("対応（被害拡大の防止・復旧）", required=False, rows=3)
    prevention = _text("再発防止策", required=False, rows=3)

    @classmethod
    def for_incident(cls, incident) -> IncidentForm:
        return cls(initial={name: getattr(incident, name) for name in incidents.EDITABLE_FIELDS})


class CloseForm(ServiceFormMixin, forms.Form):
    note = _text("完了の所見", help_text="自治体として対応を終えた理由。", rows=3)


class HalfYearForm(forms.Form):
    period = forms.ChoiceField(label="対象の半期")

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(half.text, half.label) for half in choices]
