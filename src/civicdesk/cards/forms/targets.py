"""Forms of the card-target pages: the list's filters, the ward's file upload, a move out."""

from __future__ import annotations

from django import forms

from civicdesk.cards.choices import TargetStatus
from civicdesk.core.forms import ServiceFormMixin

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class TargetFilterForm(forms.Form):
    """?venue=&status=&reservation_no= (all optional), shown filled in."""

    venue = forms.ModelChoiceField(
        label="交付会場", queryset=None, required=False, empty_label="すべて"
    )
    status = forms.ChoiceField(
        label="状況", choices=[("", "すべて"), *TargetStatus.choices], required=False
    )
    reservation_no = forms.CharField(label="予約管理番号", max_length=20, required=False)

    def __init__(self, data=None, *, venues, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["venue"].queryset = venues
        self.fields["venue"].error_messages["invalid_choice"] = "交付会場を一覧から選んでください。"
        self.fields["status"].error_messages["invalid_choice"] = "状況を一覧から選んでください。"


class TargetImportForm(ServiceFormMixin, forms.Form):
    file = forms.FileField(
        label="交付対象者ファイル（CSV）",
        help_text="区から受け取ったファイル。文字コードは CP932（Shift_JIS）または UTF-8。",
        error_messages={
            "required": "ファイルを選んでください。",
            "empty": "ファイルが空です。",
        },
    )
    notices_received = forms.IntegerField(
        label="交付通知書の受領枚数",
        min_value=0,
        help_text="区から受け取った交付通知書を事務センターで数えた枚数（発送数との照合に使います）",
        error_messages={
            "required": "交付通知書の受領枚数を入力してください。",
            "invalid": "交付通知書の受領枚数は整数で入力してください。",
            "min_value": "交付通知書の受領枚数は0以上です。",
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("ファイルが大きすぎます（50MBまで）。")
        return upload


class MoveOutForm(ServiceFormMixin, forms.Form):
    note = forms.CharField(
        label="備考（転出の確認内容）",
        max_length=250,
        required=False,
        widget=forms.TextInput,
        error_messages={"max_length": "備考は250文字以内にしてください。"},
    )
