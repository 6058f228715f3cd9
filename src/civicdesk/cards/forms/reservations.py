"""Forms of the call center's pages: finding the caller's target, a booking or a change with
its call, a cancel with its call, a call about no one, and the day of the calls list. The
services check every rule; these forms only parse what was typed."""

from __future__ import annotations

from django import forms

from civicdesk.cards.choices import CallType, Channel
from civicdesk.core.forms import ServiceFormMixin

CALL_CHANNEL_CHOICES = [(Channel.PHONE.value, "電話"), (Channel.FAX.value, "FAX")]


class LookupForm(ServiceFormMixin, forms.Form):
    """予約管理番号, or name + birth date (a GET search form)."""

    no = forms.CharField(
        label="予約管理番号",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    name = forms.CharField(
        label="氏名またはカナ",
        max_length=100,
        required=False,
        help_text="予約管理番号がわからないときは、氏名（またはカナ）と生年月日で探します。",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    birth_date = forms.DateField(
        label="生年月日",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "生年月日が正しくありません。"},
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if not data.get("no") and not (data.get("name") and data.get("birth_date")):
            raise forms.ValidationError("予約管理番号、または氏名と生年月日を入力してください。")
        return data


class CallFieldsForm(ServiceFormMixin, forms.Form):
    """What every call records: the channel (phone or FAX) and the type ア–オ, a short note.
    On its own: a call about no booking (an inquiry, or a target who only asked)."""

    service_error_fields = {"target": None, "reservation": None}
    # Three call forms share the target's page: each its own ids (labels and error links).
    id_prefix = "call"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)

    channel = forms.ChoiceField(
        label="経路",
        choices=CALL_CHANNEL_CHOICES,
        initial=Channel.PHONE.value,
        widget=forms.RadioSelect,
        error_messages={"required": "経路（電話・FAX）を選んでください。"},
    )
    call_type = forms.ChoiceField(
        label="通話の種別",
        choices=CallType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "通話の種別（ア〜オ）を選んでください。"},
    )
    note = forms.CharField(
        label="応対メモ",
        max_length=500,
        required=False,
        help_text="必要なことだけを書きます（500文字以内）。",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "応対メモは500文字以内です。"},
    )


class ReserveForm(CallFieldsForm):
    """A booking (or a change of the active reservation) taken on the phone or by FAX; the
    slot comes from the picker's radios, drawn by the template."""

    field_order = ["slot", "channel", "call_type", "note"]
    id_prefix = "reserve"

    slot = forms.IntegerField(
        label="予約枠",
        required=True,
        error_messages={
            "required": "予約枠を選んでください。",
            "invalid": "予約枠を選んでください。",
        },
    )


class CancelForm(CallFieldsForm):
    service_error_fields = {"target": None, "reservation": None, "slot": None}
    id_prefix = "cancel"


class DayForm(forms.Form):
    date = forms.DateField(
        label="日付",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "日付が正しくありません。"},
    )


class WeekForm(forms.Form):
    """The first day the slot picker shows (a week at a time)."""

    start = forms.DateField(required=False)


# --- Slots (staff) -------------------------------------------------------------------------------


class SlotWeekForm(forms.Form):
    """Which venue's week the slots page shows (GET)."""

    venue = forms.CharField(required=False)
    start = forms.DateField(required=False)


class OpenSlotsForm(ServiceFormMixin, forms.Form):
    venue = forms.CharField(widget=forms.HiddenInput)
    start = forms.DateField(
        label="開始日",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "開始日を入力してください。",
            "invalid": "開始日が正しくありません。",
        },
    )
    end = forms.DateField(
        label="終了日",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "終了日を入力してください。",
            "invalid": "終了日が正しくありません。",
        },
    )


def _seats(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=999,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "seats-input"}),
        error_messages={
            "invalid": f"{label}は数字で入力してください。",
            "min_value": f"{label}は0以上です。",
            "max_value": f"{label}は999以下です。",
        },
    )


class CapacityForm(ServiceFormMixin, forms.Form):
    service_error_fields = {
        "capacity_web": "web",
        "capacity_phone": "phone",
        "capacity_internal": "internal",
    }

    web = _seats("WEBの席数")
    phone = _seats("コールセンター・FAXの席数")
    internal = _seats("区職員の席数")
