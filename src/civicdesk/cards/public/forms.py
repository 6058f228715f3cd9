"""Forms of the public reservation site: sign-in, choosing a slot (with an optional contact for
a reminder), cancelling. Everything a resident can type is here; nothing else is asked."""

from __future__ import annotations

import datetime as dt
from functools import cache

from django import forms
from django.core.exceptions import ValidationError

from civicdesk.core.japanese import era_year, normalize_phone

FIRST_BIRTH_YEAR = 1900
BOTH_CONTACTS = "連絡先は、メールアドレスか電話番号のどちらか一方だけを入力してください。"
NO_DATE = "生年月日: 存在しない日付です。年・月・日を確かめてください。"


@cache
def _year_choices(today: dt.date) -> list[tuple[str, str]]:
    # Newest first: most holders scroll less; each year shows its era name (和暦) beside it.
    years = range(today.year, FIRST_BIRTH_YEAR - 1, -1)
    return [("", "年")] + [(str(y), f"{y}年（{era_year(dt.date(y, 12, 31))}）") for y in years]


class SignInForm(forms.Form):
    reservation_no = forms.CharField(
        label="予約管理番号",
        max_length=20,
        help_text="交付通知書に印字されている予約管理番号です。",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "inputmode": "latin", "autocapitalize": "characters"}
        ),
    )
    birth_year = forms.TypedChoiceField(label="生まれた年", coerce=int, choices=())
    birth_month = forms.TypedChoiceField(
        label="月",
        coerce=int,
        choices=[("", "月")] + [(str(m), f"{m}月") for m in range(1, 13)],
    )
    birth_day = forms.TypedChoiceField(
        label="日",
        coerce=int,
        choices=[("", "日")] + [(str(d), f"{d}日") for d in range(1, 32)],
    )
    # Filled by static/civicdesk/cards-public.js once the browser has solved the challenge.
    altcha = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["birth_year"].choices = _year_choices(today)

    def clean(self):
        data = super().clean()
        parts = [data.get(name) for name in ("birth_year", "birth_month", "birth_day")]
        if all(part is not None for part in parts):
            try:
                data["birth_date"] = dt.date(*parts)
            except ValueError:
                raise ValidationError(NO_DATE) from None
        return data


class SlotForm(forms.Form):
    """The slot chosen (its id: checked against the target's venue by the service)."""

    slot = forms.IntegerField(
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={"required": "予約枠: 枠を選んでください。"},
    )


class BookForm(SlotForm):
    contact_email = forms.EmailField(
        label="メールアドレス（任意）",
        required=False,
        max_length=254,
        help_text="予約日の前にお知らせを送ります。不要なら空欄のままにしてください。",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    contact_phone = forms.CharField(
        label="電話番号（任意）",
        required=False,
        max_length=20,
        help_text="メールの代わりに電話番号（SMS）でお知らせを受け取る場合に入力してください。",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_contact_phone(self) -> str:
        text = self.cleaned_data.get("contact_phone", "").strip()
        if not text:
            return ""
        try:
            return normalize_phone(text)
        except ValueError:
            raise ValidationError(
                "電話番号: 正しくありません（例: 090-1234-5678）。", code="invalid"
            ) from None

    def clean(self):
        data = super().clean()
        if data.get("contact_email") and data.get("contact_phone"):
            raise ValidationError(BOTH_CONTACTS)
        return data
