"""The letters page's form: a campaign, or resident numbers with one revenue type.

The form only parses; ``request_letter_batch`` checks against the database and its
ValidationError is put back on the fields.
"""

from __future__ import annotations

from django import forms

from civicdesk.core.choices import RevenueType
from civicdesk.dunning.selectors import letters as selectors


class LetterBatchForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label="催告計画",
        queryset=None,
        required=False,
        empty_label="（宛名番号で指定する）",
        help_text="文書の計画は未完了の全員、電話の計画は効果なし（電話番号不明・上限回数）で"
        "まだ催告書を送っていない人が対象です。",
    )
    resident_nos = forms.CharField(
        label="宛名番号（個別）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="カンマ・空白・改行で区切って複数入力できます。税目も選んでください。",
    )
    revenue_type = forms.ChoiceField(
        label="税目（個別）",
        required=False,
        choices=[("", "選んでください"), *RevenueType.choices],
    )

    def __init__(self, *args, municipality_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = selectors.printable_campaigns(municipality_id)

    def clean(self):
        cleaned = super().clean()
        campaign = cleaned.get("campaign")
        numbers = (cleaned.get("resident_nos") or "").strip()
        if campaign is None and not numbers:
            raise forms.ValidationError("催告計画を選ぶか、宛名番号を入力してください。")
        if campaign is not None and (numbers or cleaned.get("revenue_type")):
            raise forms.ValidationError("催告計画か宛名番号のどちらか一方を指定してください。")
        if campaign is None and not cleaned.get("revenue_type"):
            self.add_error("revenue_type", "税目を選んでください。")
        return cleaned
