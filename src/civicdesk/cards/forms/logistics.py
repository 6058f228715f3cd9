"""Forms of the paper and card pages: print runs, receipts, transfers, the venue desk, the
venue day and the reconciliation. The services check everything; these parse."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone

from civicdesk.cards.choices import MailingKind
from civicdesk.cards.services.stock import LedgerOrder
from civicdesk.core.forms import ServiceFormMixin

DATE_INVALID = {"invalid": "日付を YYYY-MM-DD で入力してください。"}
_SEPARATORS = re.compile(r"[\s,、，]+")


def _date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={**DATE_INVALID, "required": f"{label}を入力してください。"},
    )


def _count_field(label: str, *, required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=0,
        max_value=100_000,
        error_messages={
            "required": f"{label}を入力してください。",
            "invalid": f"{label}は整数で入力してください。",
            "min_value": f"{label}は0以上で入力してください。",
            "max_value": f"{label}は100,000以下で入力してください。",
        },
    )


def _reason_field(label: str = "持出しの理由", *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=500,
        error_messages={"required": f"{label}を入力してください。"},
    )


def split_numbers(text: str) -> list[str]:
    """予約管理番号 typed or scanned one per line (or separated by commas / spaces)."""
    return [part for part in _SEPARATORS.split(text or "") if part]


class NumbersField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 6, "autocomplete": "off", "spellcheck": "false"})

    def to_python(self, value):
        return split_numbers(super().to_python(value))


class DayForm(forms.Form):
    """?day=YYYY-MM-DD (default today)."""

    day = _date_field("日付", required=False)

    def __init__(self, data=None, **kwargs):
        kwargs.setdefault("initial", {"day": timezone.localdate()})
        super().__init__(data, **kwargs)

    def chosen_day(self) -> dt.date:
        if self.is_valid() and self.cleaned_data["day"]:
            return self.cleaned_data["day"]
        return timezone.localdate()


class VenueDayChoiceForm(DayForm):
    """?venue=&day=: the venue (default the first) and the day."""

    venue = forms.ModelChoiceField(label="交付会場", queryset=None, required=False)

    field_order = ["venue", "day"]

    def __init__(self, data=None, *, venues, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["venue"].queryset = venues
        self.fields["venue"].empty_label = None

    def chosen_venue(self):
        if self.is_valid() and self.cleaned_data.get("venue"):
            return self.cleaned_data["venue"]
        return self.fields["venue"].queryset.first()


class RunForm(ServiceFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="種類",
        choices=MailingKind.choices,
        initial=MailingKind.LETTER,
        widget=forms.RadioSelect,
        error_messages={"required": "種類を選んでください。"},
    )
    unbooked_mailed_by = _date_field(
        "未予約者の発送日の基準",
        required=False,
        help_text="再発行ハガキのみ: この日までに説明文書を発送し、"
        "予約のない方を未受領として加えます。",
    )
    reason = _reason_field()


class ReasonForm(ServiceFormMixin, forms.Form):
    reason = _reason_field()


class LedgerForm(ServiceFormMixin, forms.Form):
    reason = _reason_field("印刷の理由", required=False)


class MailedForm(ServiceFormMixin, forms.Form):
    mailed_on = _date_field("発送日")

    def __init__(self, data=None, **kwargs):
        kwargs.setdefault("initial", {"mailed_on": timezone.localdate()})
        super().__init__(data, **kwargs)


class ReceiptForm(ServiceFormMixin, forms.Form):
    received_on = _date_field("受領日")
    declared_count = _count_field("送付書の枚数")
    reservation_nos = NumbersField(
        label="受領したカードの予約管理番号",
        help_text="1行に1件（バーコードリーダーでの読み取り可）。",
        error_messages={"required": "受領したカードの予約管理番号を入力してください。"},
    )
    note = forms.CharField(label="備考", required=False, max_length=300)

    def __init__(self, data=None, **kwargs):
        kwargs.setdefault("initial", {"received_on": timezone.localdate()})
        super().__init__(data, **kwargs)


class TransferForm(ServiceFormMixin, forms.Form):
    venue = forms.ModelChoiceField(
        label="送付先の会場",
        queryset=None,
        error_messages={"required": "送付先の会場を選んでください。"},
    )
    order = forms.ChoiceField(
        label="台帳の並び",
        choices=LedgerOrder.choices,
        initial=LedgerOrder.RESERVATION_NO,
        error_messages={"required": "台帳の並びを選んでください。"},
    )
    count = _count_field("枚数", required=False)
    reservation_nos = NumbersField(
        label="送付するカードの予約管理番号",
        required=False,
        help_text="空欄なら会場の在庫から枚数分（枚数も空欄なら在庫すべて）を台帳の並び順に送ります。",
    )

    def __init__(self, data=None, *, venues, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["venue"].queryset = venues


class ReceiveForm(ServiceFormMixin, forms.Form):
    counted = _count_field("会場で数えた枚数")


class DeskLookupForm(forms.Form):
    reservation_no = forms.CharField(
        label="予約管理番号",
        help_text="説明文書のバーコードの読み取りも可。",
        max_length=50,  # a scanned barcode is longer than the number
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )


class IssueForm(ServiceFormMixin, forms.Form):
    identity_checked = forms.BooleanField(
        label="本人確認書類で本人であることを確認しました", required=False
    )


class ReturnForm(ServiceFormMixin, forms.Form):
    note = forms.CharField(label="返却の理由・備考", required=False, max_length=300)


class FailForm(ServiceFormMixin, forms.Form):
    reason = forms.CharField(
        label="交付不可の理由",
        max_length=200,
        error_messages={"required": "交付不可の理由を入力してください。"},
    )


class VenueDayCloseForm(ServiceFormMixin, forms.Form):
    service_error_fields = {"day": None}

    counted = _count_field("実数（数えた枚数）")
    explanation = forms.CharField(
        label="差異の説明",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="計算上の枚数と実数が合わないときは必ず記入します。",
    )


class ReconciliationCloseForm(ServiceFormMixin, forms.Form):
    service_error_fields = {"day": None}

    explanation = forms.CharField(
        label="差異の説明",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="差異があるときは必ず記入します。",
    )
