"""The staff form of the counter hours page: designate a day (指定開庁日, seed 003 §5(3))."""

from __future__ import annotations

import datetime as dt

from django import forms

from civicdesk.core.forms import ServiceFormMixin
from civicdesk.core.models.calendar import DesignatedDay


class DesignateDayForm(ServiceFormMixin, forms.Form):
    """What core.services.add_designated_day needs; the service decides whether the day may be
    designated (a day otherwise closed, within the fiscal year's limit)."""

    date = forms.DateField(
        label="指定する日",
        help_text="土日・祝日など窓口を開庁しない日（例: 2026-03-28）。",
        error_messages={
            "required": "指定する日を入力してください。",
            "invalid": "指定する日は 2026-03-28 の形で入力してください。",
        },
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    start = forms.TimeField(
        label="開始時刻",
        initial=dt.time(8, 30),
        error_messages={
            "required": "開始時刻を入力してください。",
            "invalid": "開始時刻は 08:30 の形で入力してください。",
        },
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    end = forms.TimeField(
        label="終了時刻",
        initial=dt.time(12, 0),
        help_text="仕様書の土日開庁は午前8時30分から正午まで。",
        error_messages={
            "required": "終了時刻を入力してください。",
            "invalid": "終了時刻は 12:00 の形で入力してください。",
        },
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    label = forms.CharField(
        label="表示名",
        initial="土日開庁",
        max_length=DesignatedDay._meta.get_field("label").max_length,
        error_messages={"required": "表示名を入力してください（例: 土日開庁）。"},
    )
