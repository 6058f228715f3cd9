"""The report pages' forms. They only parse: the services (reports.services,
reports.target_services) check the rules, and their errors are put back on the fields."""

from __future__ import annotations

from django import forms

from civicdesk.core.forms import ServiceFormMixin
from civicdesk.core.japanese import fiscal_year_label
from civicdesk.reports.choices import ReportKind

# What a count may be on the targets page (the service checks the same bound).
TARGET_COUNT_MAX = 9_999_999


class OpenReportForm(ServiceFormMixin, forms.Form):
    """The index's choice of a report and its period (one small GET form per kind)."""

    kind = forms.ChoiceField(choices=ReportKind.choices, widget=forms.HiddenInput)
    date = forms.DateField(label="対象日", required=False,
                           widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    month = forms.RegexField(
        label="対象月",
        regex=r"^\d{4}-\d{2}$",
        required=False,
        error_messages={"invalid": "対象月は 2025-05 の形で入力してください。"},
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2025-05"}),
    )
    year = forms.TypedChoiceField(label="年度", coerce=int, required=False, choices=())

    def __init__(self, *args, fiscal_years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, fiscal_year_label(year)) for year in fiscal_years]

    def clean(self):
        cleaned = super().clean()
        needed = {ReportKind.DAILY: "date", ReportKind.ANNUAL: "year"}.get(
            cleaned.get("kind"), "month"
        )
        if cleaned.get("kind") and cleaned.get(needed) in (None, ""):
            self.add_error(needed, f"{self.fields[needed].label}を入力してください。")
        elif needed == "month" and not 1 <= int((cleaned.get("month") or "0000-01")[5:]) <= 12:
            self.add_error("month", "対象月は 01〜12 月で入力してください。")
        return cleaned

    def period_text(self) -> str:
        kind = self.cleaned_data["kind"]
        if kind == ReportKind.DAILY:
            return self.cleaned_data["date"].isoformat()
        if kind == ReportKind.ANNUAL:
            return str(self.cleaned_data["year"])
        return self.cleaned_data["month"]


class RemarksForm(ServiceFormMixin, forms.Form):
    """所感 (both reports) and 業務改善の提案 (the monthly report, seed 000 §8(3))."""

    remarks = forms.CharField(
        label="所感・特記事項", required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    proposals = forms.CharField(
        label="業務改善の提案", required=False, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        if kind != ReportKind.MONTHLY:
            del self.fields["proposals"]


class CorrectionForm(ServiceFormMixin, forms.Form):
    reason = forms.CharField(
        label="訂正の理由",
        max_length=200,
        help_text="確定した版はそのまま残り、所感を引き継いだ新しい版（作成中）ができます。",
    )


class TargetCountsForm(ServiceFormMixin, forms.Form):
    """One count per target line of the fiscal year (field count_<pk>)."""

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.service_error_fields = {}
        for target in targets:
            name = f"count_{target.pk}"
            label = f"{target.label}（{target.get_channel_display()}）"
            self.fields[name] = forms.IntegerField(
                label=label,
                min_value=0,
                max_value=TARGET_COUNT_MAX,
                initial=target.count,
                # The row names the line; the input says it to a screen reader.
                widget=forms.NumberInput(attrs={"aria-label": label, "inputmode": "numeric"}),
            )
            self.service_error_fields[str(target.pk)] = name

    def counts(self) -> dict[int, int]:
        return {int(name.removeprefix("count_")): value
                for name, value in self.cleaned_data.items()}  # fmt: skip
