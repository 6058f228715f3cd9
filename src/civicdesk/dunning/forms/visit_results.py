"""The tablet's visit result form (訪問結果入力). It parses; services.visit_results decides.

Every field is rendered whatever the result (without JavaScript all of them show); the server
tells which ones a result needs. ``client_key`` is made when the form is drawn and travels
back with the POST (and with a resend from the offline queue); ``visited_at`` is set by the
page's script when 保存 is pressed (empty without JavaScript: the server's time is used).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms

from civicdesk.dunning.choices import ContactOutcome, NotResidingEvidence, VisitResult
from civicdesk.dunning.forms.contacts import PROMISE_ROWS, ResultFormMixin, add_promise_fields
from civicdesk.dunning.services.contacts import PromiseInput
from civicdesk.dunning.services.visit_results import MET_OUTCOMES

# The service's error keys that are not form fields of the same name (None: at the top).
SERVICE_ERROR_FIELDS = {
    "promises": "promise_date_1",
    "accounts": None,
    "work_item": None,
    "stop": None,
    "channel": None,
    "hand_over_reason": None,
    "hand_over_note": None,
}


class VisitResultForm(ResultFormMixin, forms.Form):
    service_error_fields = SERVICE_ERROR_FIELDS

    result = forms.ChoiceField(
        label="訪問結果",
        choices=VisitResult.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "訪問結果（面会・不在・居住実態なし）を選んでください。"},
    )
    outcome = forms.ChoiceField(
        label="面会したときの結果",
        required=False,
        choices=[(str(value), ContactOutcome(value).label) for value in MET_OUTCOMES],
        widget=forms.RadioSelect,
    )
    new_phone = forms.CharField(
        label="聴取した電話番号",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    left_notices = forms.TypedMultipleChoiceField(
        label="差し置いた文書",
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    evidence = forms.MultipleChoiceField(
        label="居住実態なしの状況",
        required=False,
        choices=NotResidingEvidence.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    management_company = forms.CharField(
        label="管理会社の連絡先（わかれば）",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"max_length": "管理会社の連絡先: 200文字以内で入力してください。"},
    )
    note = forms.CharField(
        label="メモ（申し出があった事項など）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    client_key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "送信キーがありません。訪問先の画面を開き直してください。",
            "invalid": "送信キーが正しくありません。訪問先の画面を開き直してください。",
        },
    )
    visited_at = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, left_notices=(), phone_allowed=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client_key"].initial = uuid.uuid4()
        self.fields["left_notices"].choices = [(n.pk, n.name) for n in left_notices]
        self.notice_descriptions = {n.pk: n.description for n in left_notices}
        if not phone_allowed:
            # The visits policy of the user's revenue types holds no phone (late_elderly).
            del self.fields["new_phone"]
        add_promise_fields(self)

    def clean_visited_at(self) -> dt.datetime | None:
        """The tablet's time as ISO 8601; anything unreadable counts as "not given"."""
        text = (self.cleaned_data.get("visited_at") or "").strip()
        if not text:
            return None
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
        return value if value.tzinfo is not None else None

    def promise_rows(self) -> list[PromiseInput]:
        """Rows with a date or an amount (the service names what is missing)."""
        rows = []
        for row in range(1, PROMISE_ROWS + 1):
            amount = self.cleaned_data.get(f"promise_amount_{row}")
            day = self.cleaned_data.get(f"promise_date_{row}")
            if day is not None or amount is not None:
                rows.append(PromiseInput(amount, day, row))
        return rows
