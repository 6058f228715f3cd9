"""The review of an access-log alert (アクセス点検) by an inspector."""

from __future__ import annotations

from django import forms

from civicdesk.oversight.services import analysis


class ReviewForm(forms.Form):
    note = forms.CharField(
        label="確認内容",
        max_length=analysis.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="本人への確認結果、業務上の理由など。個人情報は書かないでください。",
    )
