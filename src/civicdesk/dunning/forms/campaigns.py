"""The campaign form: settings, every condition, retry rules and who works the campaign.

The form only parses; ``create_campaign`` validates against the database (revenue types of
the municipality, teams and operators) and its ValidationError is put back on the fields.
"""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError

from civicdesk.core.choices import RevenueType
from civicdesk.core.forms import ServiceFormMixin
from civicdesk.core.japanese import parse_era_date
from civicdesk.dunning.choices import CampaignChannel, PriorityRule
from civicdesk.dunning.conditions import DEMAND_NOTICE_CHOICES, ConditionError, Conditions
from civicdesk.dunning.selectors import campaigns as selectors
from civicdesk.receivables.importers.values import fiscal_year
from civicdesk.receivables.models import CollectionKind

YES_NO = [("", "指定しない"), ("yes", "あり"), ("no", "なし")]
CONDITION_FIELDS = [
    "revenue_types",
    "fiscal_years",
    "unpaid_min",
    "unpaid_max",
    "overdue_periods_min",
    "overdue_periods_max",
    "demand_notice",
    "has_phone",
    "age_min",
    "age_max",
    "towns",
    "chome",
    "no_contact_days",
    "account_transfer",
    "collection_kind",
]
SETTING_FIELDS = [
    "name",
    "channel",
    "starts_on",
    "ends_on",
    "priority_rule",
    "max_attempts",
    "min_days_between_contacts",
]
RETRY_FIELDS = [
    "busy_minutes",
    "no_answer_minutes",
    "no_answer_other_time",
    "voicemail_minutes",
    "voicemail_other_time",
]
ASSIGN_FIELDS = ["script", "teams", "operators"]
_YEAR_SEPARATORS = re.compile(r"[,、，\s]+")


class EraDateField(forms.DateField):
    """A date as typed in Japan (令和7年4月1日, R7.4.1, 2025-04-01) or from a date picker."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            try:
                return parse_era_date(str(value))
            except ValueError:
                raise ValidationError(
                    f"{self.label}を日付（例: 2025-04-01、令和7年4月1日）で入力してください。"
                ) from None


def _number(label: str, *, min_value: int = 0, max_value: int | None = None, **kwargs):
    return forms.IntegerField(
        label=label,
        required=kwargs.pop("required", False),
        min_value=min_value,
        max_value=max_value,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        **kwargs,
    )


class CampaignForm(ServiceFormMixin, forms.Form):
    # 計画
    name = forms.CharField(label="計画名", max_length=100)
    channel = forms.ChoiceField(label="手段", choices=CampaignChannel.choices)
    starts_on = EraDateField(label="開始日")
    ends_on = EraDateField(label="終了日")
    priority_rule = forms.ChoiceField(
        label="優先順位", choices=PriorityRule.choices, initial=PriorityRule.NEWEST_ARREARS
    )
    max_attempts = _number("最大架電回数", min_value=1, max_value=99, required=True, initial=5)
    min_days_between_contacts = _number(
        "同一人への催告間隔（日）",
        max_value=365,
        required=True,
        initial=3,
        help_text="どの税目でも、接触した人には この日数の間 次の催告をしません。",
    )
    # 抽出条件
    revenue_types = forms.MultipleChoiceField(
        label="税目・保険料", choices=RevenueType.choices, widget=forms.CheckboxSelectMultiple
    )
    fiscal_years = forms.CharField(
        label="年度",
        required=False,
        help_text="複数はカンマ区切り（例: 2024, 令和7年度）。空欄はすべての年度。",
    )
    unpaid_min = _number("未納額（下限・円）")
    unpaid_max = _number("未納額（上限・円）")
    overdue_periods_min = _number("未納期数（下限）", help_text="納期限を過ぎた未納の期の数")
    overdue_periods_max = _number("未納期数（上限）")
    demand_notice = forms.ChoiceField(
        label="督促状",
        required=False,
        choices=[("", "指定しない"), *DEMAND_NOTICE_CHOICES.items()],
    )
    has_phone = forms.ChoiceField(
        label="電話番号（使用可能なもの）", required=False, choices=YES_NO
    )
    age_min = _number("年齢（下限）", max_value=150, help_text="計画の開始日時点の年齢")
    age_max = _number("年齢（上限）", max_value=150)
    towns = forms.MultipleChoiceField(
        label="町名", required=False, choices=[], help_text="複数選択できます（Ctrl キー）。"
    )
    chome = _number("丁目", min_value=1, max_value=99, help_text="町名を 1 つ選んだときだけ")
    no_contact_days = _number(
        "直近の接触なし（日）",
        min_value=1,
        max_value=3650,
        help_text="この日数の間に接触していない人",
    )
    account_transfer = forms.ChoiceField(label="口座振替", required=False, choices=YES_NO)
    collection_kind = forms.ChoiceField(
        label="徴収区分", required=False, choices=[("", "指定しない"), *CollectionKind.choices]
    )
    # 再架電ルール
    busy_minutes = _number(
        "話中のとき（分後）", min_value=1, max_value=20160, required=True, initial=5
    )
    no_answer_minutes = _number(
        "応答なしのとき（分後）", min_value=1, max_value=20160, required=True, initial=60
    )
    no_answer_other_time = forms.BooleanField(
        label="応答なしは別の時間帯にかけ直す", required=False, initial=True
    )
    voicemail_minutes = _number(
        "留守番電話のとき（分後）", min_value=1, max_value=20160, required=True, initial=120
    )
    voicemail_other_time = forms.BooleanField(
        label="留守番電話は別の時間帯にかけ直す", required=False, initial=True
    )
    # 担当
    script = forms.CharField(
        label="トークスクリプト", required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    teams = forms.ModelMultipleChoiceField(
        label="担当チーム",
        required=False,
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text="チームも担当者も選ばない計画は、全員が担当します。",
    )
    operators = forms.ModelMultipleChoiceField(
        label="担当オペレータ・訪問員",
        required=False,
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = selectors.assignable_teams(user)
        self.fields["operators"].queryset = selectors.assignable_operators(user)
        self.fields["operators"].label_from_instance = lambda u: (
            f"{u.display_name or u.username}（{u.get_role_display()}）"
        )
        self.fields["revenue_types"].choices = selectors.revenue_type_choices(user)
        self.fields["towns"].choices = [(t, t) for t in selectors.town_choices(user)]
        for field in self.fields.values():
            # Every message names its field (the screen reader reads the error alone).
            field.error_messages = {
                **field.error_messages,
                "required": f"{field.label}を入力してください。",
                "invalid": f"{field.label}の形式が正しくありません。",
                "invalid_choice": f"{field.label}の選択肢が正しくありません。",
                "invalid_list": f"{field.label}の選択が正しくありません。",
                "min_value": f"{field.label}は %(limit_value)s 以上にしてください。",
                "max_value": f"{field.label}は %(limit_value)s 以下にしてください。",
                "max_length": f"{field.label}は %(limit_value)d 文字以内にしてください。",
            }
        self.fields["revenue_types"].error_messages["required"] = (
            "税目・保険料を 1 つ以上選んでください。"
        )

    def clean_fiscal_years(self) -> list[int]:
        text = unicodedata.normalize("NFKC", self.cleaned_data["fiscal_years"] or "").strip()
        years = []
        for part in filter(None, _YEAR_SEPARATORS.split(text)):
            try:
                years.append(fiscal_year(part))
            except ValueError as problem:
                raise ValidationError(f"年度: {problem}") from None
        return sorted(set(years))

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "終了日は開始日以降の日付にしてください。")
        if self.errors:
            return data
        try:
            self.conditions = Conditions(**self._condition_values(data))
        except ConditionError as problem:
            self.add_error(problem.field if problem.field in self.fields else None, problem.message)
        return data

    @staticmethod
    def _condition_values(data) -> dict:
        yes_no = {"": None, "yes": True, "no": False}
        values = {name: data.get(name) for name in CONDITION_FIELDS}
        values["has_phone"] = yes_no[data.get("has_phone") or ""]
        values["account_transfer"] = yes_no[data.get("account_transfer") or ""]
        values["demand_notice"] = data.get("demand_notice") or None
        values["collection_kind"] = data.get("collection_kind") or None
        values["revenue_types"] = list(data.get("revenue_types") or [])
        values["towns"] = list(data.get("towns") or [])
        values["fiscal_years"] = list(data.get("fiscal_years") or [])
        return values

    def retry_rules(self) -> dict:
        data = self.cleaned_data
        return {
            "busy": {"minutes": data["busy_minutes"], "other_time_of_day": False},
            "no_answer": {
                "minutes": data["no_answer_minutes"],
                "other_time_of_day": data["no_answer_other_time"],
            },
            "voicemail": {
                "minutes": data["voicemail_minutes"],
                "other_time_of_day": data["voicemail_other_time"],
            },
        }

    def campaign_values(self) -> dict:
        """Keyword arguments for ``create_campaign``."""
        data = self.cleaned_data
        return {
            **{name: data[name] for name in SETTING_FIELDS},
            "conditions": self.conditions,
            "retry_rules": self.retry_rules(),
            "script": data["script"],
            "teams": list(data["teams"]),
            "operators": list(data["operators"]),
        }

    def groups(self):
        """Field groups for the template (fieldsets)."""
        return [
            ("計画", [self[name] for name in SETTING_FIELDS]),
            ("抽出条件", [self[name] for name in CONDITION_FIELDS]),
            ("再架電ルール（電話）", [self[name] for name in RETRY_FIELDS]),
            ("担当とスクリプト", [self[name] for name in ASSIGN_FIELDS]),
        ]
