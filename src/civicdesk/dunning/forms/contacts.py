"""The operator's result form (結果入力). It parses; services.contacts.record_contact decides.

Three promise rows are always rendered, so "one more promise" works without JavaScript; a
row counts when its date is filled (row 1 comes with the total unpaid as its amount).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone

from civicdesk.core.forms import ServiceFormMixin
from civicdesk.dunning.choices import (
    NOT_REACHED_OUTCOMES,
    VISIT_ONLY_OUTCOMES,
    ContactOutcome,
    ContactParty,
    HandOverReason,
)
from civicdesk.dunning.services.contacts import PromiseInput

PROMISE_ROWS = 3
# record_contact's error keys that are not form fields of the same name.
SERVICE_ERROR_FIELDS = {
    "accounts": "revenue_types",
    "promises": "promise_date_1",
    "work_item": None,
    "inbound_call": None,
    "channel": None,
}
# Keys 1–4 choose who answered (accesskey: Alt+1… in Chromium, Ctrl+Alt+1… in Safari).
PARTY_KEYS = {
    ContactParty.SELF: "1",
    ContactParty.FAMILY: "2",
    ContactParty.OTHER: "3",
    ContactParty.NONE: "4",
}


def _outcome_groups() -> list:
    reached = [(v, label) for v, label in ContactOutcome.choices if v not in NOT_REACHED_OUTCOMES]
    # The case screen records calls; a visit has its own result page (forms.visits).
    not_reached = [
        (v, label)
        for v, label in ContactOutcome.choices
        if v in NOT_REACHED_OUTCOMES and v not in VISIT_ONLY_OUTCOMES
    ]
    return [("接触（本人・家族・その他）", reached), ("不通", not_reached)]


class ResultFormMixin(ServiceFormMixin):
    """What the call result form and the visit result form share: the promise rows and the
    error summary's links (a radio or checkbox group links to its first box)."""

    def promise_row_fields(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [
            (row, self[f"promise_amount_{row}"], self[f"promise_date_{row}"])
            for row in range(1, PROMISE_ROWS + 1)
        ]


class ContactResultForm(ResultFormMixin, forms.Form):
    service_error_fields = SERVICE_ERROR_FIELDS

    party = forms.ChoiceField(
        label="相手",
        choices=ContactParty.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "相手（本人・家族・その他・不通）を選んでください。"},
    )
    outcome = forms.ChoiceField(
        label="結果",
        choices=_outcome_groups,
        widget=forms.RadioSelect,
        error_messages={"required": "結果を選んでください。"},
    )
    revenue_types = forms.MultipleChoiceField(
        label="対象の税目・保険料",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "対象の税目・保険料を1つ以上選んでください。"},
    )
    phone = forms.TypedChoiceField(
        label="架電した番号", required=False, coerce=int, empty_value=None
    )
    note = forms.CharField(
        label="内容（会話記録）", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    hot_voice = forms.BooleanField(label="ホットボイス", required=False)
    callback_at = forms.DateTimeField(
        label="折返し予定日時",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": "折返し予定日時: 日付と時刻を正しく入力してください。"},
    )
    new_phone = forms.CharField(
        label="新しい電話番号（聴取した番号）",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    hand_over_reason = forms.ChoiceField(
        label="職員への引継ぎ（理由）",
        required=False,
        choices=[("", "引継ぎなし"), *HandOverReason.choices],
    )
    hand_over_note = forms.CharField(
        label="引継ぎの連絡事項", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["revenue_types"].choices = case.revenue_types
        self.fields["revenue_types"].initial = [value for value, _label in case.revenue_types]
        phones = case.phones or []
        self.fields["phone"].choices = [("", "（なし）")] + [
            (phone.pk, f"{phone.display}（{phone.kind_label}）") for phone in phones
        ]
        if phones:
            self.fields["phone"].initial = phones[0].pk
        add_promise_fields(self)
        self.fields["promise_amount_1"].initial = case.default_promise_amount
        self.case = case

    def outcome_groups(self) -> list[tuple[str, list]]:
        """(group label, radio widgets): the template renders each group under its heading."""
        radios = list(self["outcome"])
        return [
            (label, [radio for radio in radios if radio.data["value"] in dict(choices)])
            for label, choices in _outcome_groups()
        ]

    def promise_rows(self) -> list[PromiseInput]:
        """Rows with a date, or with an amount typed into rows 2–3 (then the date is missing)."""
        rows = []
        for row in range(1, PROMISE_ROWS + 1):
            amount = self.cleaned_data.get(f"promise_amount_{row}")
            day = self.cleaned_data.get(f"promise_date_{row}")
            if day is not None or (row > 1 and amount is not None):
                rows.append(PromiseInput(amount, day, row))
        return rows

    def account_ids(self) -> list[int]:
        chosen = set(self.cleaned_data.get("revenue_types") or [])
        return [a.pk for a in self.case.accounts if a.revenue_type in chosen]

    def hand_over(self) -> tuple[str, str] | None:
        reason = self.cleaned_data.get("hand_over_reason")
        note = self.cleaned_data.get("hand_over_note", "")
        if not reason and not note.strip():
            return None
        return (reason, note)


def add_promise_fields(form: forms.Form) -> None:
    """Up to PROMISE_ROWS promise rows (amount, date): the call result and the visit result."""
    today = timezone.localdate()
    last = today + dt.timedelta(days=settings.DUNNING_PROMISE_MAX_DAYS)
    date_limits = {"type": "date", "min": today.isoformat(), "max": last.isoformat()}
    for row in range(1, PROMISE_ROWS + 1):
        form.fields[f"promise_amount_{row}"] = forms.IntegerField(
            label=f"約束額{row}（円）",
            required=False,
            min_value=1,
            widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
            error_messages={
                "invalid": f"納付約束{row}の約束額: 数字で入力してください。",
                "min_value": f"納付約束{row}の約束額: 1円以上を入力してください。",
            },
        )
        form.fields[f"promise_date_{row}"] = forms.DateField(
            label=f"約束日{row}",
            required=False,
            widget=forms.DateInput(attrs=date_limits, format="%Y-%m-%d"),
            error_messages={"invalid": f"納付約束{row}の約束日: 日付を正しく入力してください。"},
        )
