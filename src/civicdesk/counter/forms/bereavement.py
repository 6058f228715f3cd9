"""Forms of the bereavement desk (おくやみコーナー): booking a visit, finding a reservation at
reception, the questionnaire and the notice to a section. The services check every rule; these
forms only parse what was typed."""

from __future__ import annotations

import datetime as dt

from django import forms

from civicdesk.core.calendar import TOKYO
from civicdesk.core.forms import ServiceFormMixin
from civicdesk.counter.choices import BookingChannel

YES, NO = "yes", "no"


class BookingForm(ServiceFormMixin, forms.Form):
    """予約受付: what the caller (or the person at the counter) says, nothing more."""

    service_error_fields = {"starts_at": "slot_time"}

    slot_date = forms.DateField(
        label="予約日",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "予約日を入力してください。",
            "invalid": "予約日が正しくありません。",
        },
    )
    slot_time = forms.TimeField(
        label="予約時刻",
        widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M"),
        error_messages={
            "required": "予約時刻を入力してください。",
            "invalid": "予約時刻が正しくありません。",
        },
    )
    channel = forms.ChoiceField(
        label="予約の受付",
        choices=BookingChannel.choices,
        initial=BookingChannel.PHONE,
        widget=forms.RadioSelect,
        error_messages={"required": "予約の受付方法（電話・窓口）を選んでください。"},
    )
    deceased_name = forms.CharField(
        label="亡くなった方の氏名",
        max_length=60,
        error_messages={"required": "亡くなった方の氏名を入力してください。"},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    deceased_on = forms.DateField(
        label="亡くなった日",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "亡くなった日を入力してください。",
            "invalid": "亡くなった日が正しくありません。",
        },
    )
    visitor_name = forms.CharField(
        label="来庁される方の氏名",
        max_length=60,
        help_text="姓と名の間に空白を入れてください（受付の一覧には姓だけを表示します）。",
        error_messages={"required": "来庁される方の氏名を入力してください。"},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    visitor_phone = forms.CharField(
        label="来庁される方の電話番号",
        max_length=20,
        help_text="予約の変更などでご連絡するときにだけ使います。",
        error_messages={"required": "来庁される方の電話番号を入力してください。"},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    visitor_relationship = forms.CharField(
        label="亡くなった方との続柄", max_length=20, required=False, help_text="例: 長男、妻"
    )
    client_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def starts_at(self) -> dt.datetime:
        data = self.cleaned_data
        return dt.datetime.combine(data["slot_date"], data["slot_time"], tzinfo=TOKYO)


class LookupForm(forms.Form):
    """Reception finds a reservation by its number, or lists a day."""

    no = forms.CharField(
        label="予約番号",
        required=False,
        max_length=30,
        help_text="例: OK-2026-0001",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    date = forms.DateField(
        label="日付",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "日付が正しくありません。"},
    )


class AnswersForm(ServiceFormMixin, forms.Form):
    """The questionnaire: one はい／いいえ per question of the municipality (fields named by the
    question's code, so the service's errors land beside their question)."""

    def __init__(self, *args, questions=(), initial_answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        initial_answers = initial_answers or {}
        for question in questions:
            value = initial_answers.get(question.code)
            self.fields[question.code] = forms.ChoiceField(
                label=question.text,
                choices=[(YES, "はい"), (NO, "いいえ")],
                widget=forms.RadioSelect,
                initial=None if value is None else (YES if value else NO),
                error_messages={"required": f"「{question.text}」に答えてください。"},
            )

    def answers(self) -> dict[str, bool]:
        return {code: value == YES for code, value in self.cleaned_data.items()}


class SectionForm(forms.Form):
    section = forms.CharField(max_length=40)


class DoneForm(forms.Form):
    done = forms.BooleanField(required=False)
