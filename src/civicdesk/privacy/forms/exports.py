"""Forms of the export requests (持出し申請), 返却確認 and the hand-over register."""

from __future__ import annotations

from django import forms
from django.conf import settings

from civicdesk.core.forms import ServiceFormMixin
from civicdesk.privacy.models.registers import ReturnMethod
from civicdesk.privacy.services import export_requests, hand_overs
from civicdesk.privacy.services.export_register import REASON_MAX_LENGTH


class ExportOptionsForm(ServiceFormMixin, forms.Form):
    """Encryption and the return date: what every export request asks besides its reason.
    A download page with its own conditions combines this with its form."""

    encrypt = forms.BooleanField(
        label="パスワード付き ZIP（AES-256）で出力する",
        required=False,
        help_text="パスワードは出力時に一度だけ表示されます。ファイルとは別の機会に伝えてください。",
    )
    return_due_on = forms.DateField(
        label="返却・消去の予定日",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=(
            "用済み後に返却または消去し、返却確認をしてください"
            f"（{export_requests.MAX_RETURN_DAYS}日以内。空欄なら"
            f"{export_requests.DEFAULT_RETURN_DAYS}日後）。"
        ),
        error_messages={"invalid": "日付を正しく入力してください。"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["return_due_on"].initial = export_requests.default_return_due_on()
        if settings.EXPORT_ENCRYPTION == "required":
            # The setting decides; the box shows it (a disabled field keeps its initial value).
            self.fields["encrypt"].initial = True
            self.fields["encrypt"].disabled = True
            self.fields["encrypt"].help_text = "この環境では暗号化が必須です。" + str(
                self.fields["encrypt"].help_text
            )


class ExportRequestForm(ExportOptionsForm):
    reason = forms.CharField(
        label="持出しの理由",
        max_length=REASON_MAX_LENGTH,
        help_text="例: 再送付のため（持出記録に残ります）",
        error_messages={"required": "持出しの理由を入力してください。"},
    )
    field_order = ["reason", "encrypt", "return_due_on"]


class DecisionForm(ServiceFormMixin, forms.Form):
    note = forms.CharField(
        label="所見",
        required=False,
        max_length=export_requests.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="却下するときは理由を書いてください。",
    )


class ReturnForm(ServiceFormMixin, forms.Form):
    method = forms.ChoiceField(
        label="返却・消去",
        choices=ReturnMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "返却か消去かを選んでください。"},
    )
    note = forms.CharField(
        label="備考",
        required=False,
        max_length=export_requests.NOTE_MAX_LENGTH,
        help_text="例: USBメモリを返却、ファイルを完全消去（個人情報は書かないでください）",
    )


class HandOverForm(ServiceFormMixin, forms.Form):
    receiver = forms.CharField(
        label="受領者（所属・氏名）",
        max_length=hand_overs.RECEIVER_MAX_LENGTH,
        error_messages={"required": "受領者（所属・氏名）を入力してください。"},
    )
    note = forms.CharField(
        label="備考",
        required=False,
        max_length=hand_overs.NOTE_MAX_LENGTH,
        help_text="受渡しの手段（手渡し・庁内共有フォルダ等）など",
    )
