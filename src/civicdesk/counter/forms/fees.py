"""Forms of the cashier, the day close and the paper pages."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from civicdesk.core.forms import ServiceFormMixin
from civicdesk.counter.choices import DENOMINATIONS, PaperMovementKind, PaymentKind


class PaymentForm(ServiceFormMixin, forms.Form):
    """The cashier's one choice: how the fees were paid (exempt requests are exempt anyway)."""

    payment_kind = forms.ChoiceField(
        label="納付方法",
        choices=[(PaymentKind.CASH, "現金"), (PaymentKind.POSTAL_ORDER, "定額小為替")],
        initial=PaymentKind.CASH,
        widget=forms.RadioSelect,
        error_messages={"required": "納付方法を選んでください。"},
    )
    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)


class DayForm(forms.Form):
    """?day=YYYY-MM-DD (default today), shown filled in either way."""

    day = forms.DateField(
        label="日付",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "日付を YYYY-MM-DD で入力してください。"},
    )

    def __init__(self, data=None, **kwargs):
        kwargs.setdefault("initial", {"day": timezone.localdate()})
        super().__init__(data, **kwargs)

    def chosen_day(self) -> dt.date:
        if self.is_valid() and self.cleaned_data["day"]:
            return self.cleaned_data["day"]
        return timezone.localdate()


def _denomination_field(value: int) -> str:
    return f"yen_{value}"


class DayCloseForm(ServiceFormMixin, forms.Form):
    """The cash counted, one field per denomination, and the reason for a difference."""

    service_error_fields = {"denominations": None, "day": None}

    reason = forms.CharField(
        label="過不足の理由",
        required=False,
        max_length=200,
        help_text="実査額と現金の収納額が合わないときは必ず入力します。",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value in DENOMINATIONS:
            self.fields[_denomination_field(value)] = forms.IntegerField(
                label=f"{value:,}円",
                min_value=0,
                initial=0,
                error_messages={
                    "invalid": f"{value:,}円の枚数は0以上の整数で入力してください。",
                    "min_value": f"{value:,}円の枚数は0以上の整数で入力してください。",
                    "required": f"{value:,}円の枚数を入力してください（なければ0）。",
                },
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "denomination"}),
            )
        # The reason after the counts, as the sheet reads.
        self.order_fields([_denomination_field(v) for v in DENOMINATIONS] + ["reason"])

    def denominations(self) -> dict[int, int]:
        return {value: self.cleaned_data[_denomination_field(value)] for value in DENOMINATIONS}

    def denomination_fields(self):
        return [self[_denomination_field(value)] for value in DENOMINATIONS]


class PaperForm(ServiceFormMixin, forms.Form):
    service_error_fields = {"counted": "sheets"}

    kind = forms.ChoiceField(
        label="記録する内容",
        choices=[
            (PaperMovementKind.RECEIVED, "受入（届いた用紙）"),
            (PaperMovementKind.SPOILED, "書損（印字ずれ・破損）"),
            (PaperMovementKind.COUNTED, "棚卸（数えた枚数）"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "記録する内容を選んでください。"},
    )
    sheets = forms.IntegerField(
        label="枚数",
        help_text="棚卸のときは数えた枚数（在庫の枚数）を入力します。",
        error_messages={
            "required": "枚数を入力してください。",
            "invalid": "枚数は整数で入力してください。",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    note = forms.CharField(
        label="備考・理由",
        required=False,
        max_length=200,
        help_text="書損のときは理由を必ず入力します。",
    )
