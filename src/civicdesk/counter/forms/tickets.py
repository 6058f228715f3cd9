"""Forms of reception, the desk and the display devices. Each names its choices within the
user's municipality, so a number of another municipality is simply not a valid choice."""

from __future__ import annotations

import uuid

from django import forms

from civicdesk.core.forms import ServiceFormMixin
from civicdesk.counter.choices import DisplayKind
from civicdesk.counter.models import Counter, DisplayDevice, Procedure, Queue, TicketEvent


class IssueForm(ServiceFormMixin, forms.Form):
    """Reception's one form: every procedure and queue is a submit button of its own
    (``name="procedure"`` or ``name="queue"``); the hidden key makes a resend harmless."""

    procedure = forms.ModelChoiceField(queryset=Procedure.objects.none(), required=False)
    queue = forms.ModelChoiceField(queryset=Queue.objects.none(), required=False)
    client_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, procedures, queues, **kwargs):
        kwargs.setdefault("initial", {"client_key": uuid.uuid4()})
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = procedures
        self.fields["queue"].queryset = queues
        self.fields["procedure"].error_messages["invalid_choice"] = (
            "手続が見つかりません。画面を開き直してください。"
        )
        self.fields["queue"].error_messages["invalid_choice"] = (
            "待ち行列が見つかりません。画面を開き直してください。"
        )

    def clean(self):
        data = super().clean()
        procedure, queue = data.get("procedure"), data.get("queue")
        if not self.errors and procedure is None and queue is None:
            raise forms.ValidationError("手続か待ち行列を選んでください。")
        if procedure is not None:
            data["queue"] = procedure.queue
        return data


class CounterChoiceForm(forms.Form):
    counter = forms.ModelChoiceField(
        label="担当する窓口",
        queryset=Counter.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": "担当する窓口を選んでください。",
            "invalid_choice": "その窓口は選べません。一覧から選んでください。",
        },
    )

    def __init__(self, *args, counters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counter"].queryset = counters


class TransferForm(ServiceFormMixin, forms.Form):
    queue = forms.ModelChoiceField(
        label="転送先",
        queryset=Queue.objects.none(),
        error_messages={
            "required": "転送先の待ち行列を選んでください。",
            "invalid_choice": "その待ち行列には転送できません。",
        },
    )
    note = forms.CharField(
        label="理由",
        required=False,
        max_length=TicketEvent._meta.get_field("note").max_length,
        help_text="例: 転入届のあと国保の加入も",
    )

    def __init__(self, *args, queues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["queue"].queryset = queues


class ParkForm(forms.Form):
    note = forms.CharField(
        label="保留の理由",
        required=False,
        max_length=TicketEvent._meta.get_field("note").max_length,
        help_text="例: 書類を取りに戻る",
    )


class DisplayDeviceForm(ServiceFormMixin, forms.Form):
    name = forms.CharField(
        label="名称",
        max_length=DisplayDevice._meta.get_field("name").max_length,
        help_text="設置場所が分かる名前（例: 1階待合 東側）",
        error_messages={"required": "名称を入力してください（例: 1階待合 東側）。"},
    )
    kind = forms.ChoiceField(
        label="種類",
        choices=DisplayKind.choices,
        widget=forms.RadioSelect,
        initial=DisplayKind.WAITING_ROOM,
        error_messages={"required": "種類を選んでください。"},
    )
