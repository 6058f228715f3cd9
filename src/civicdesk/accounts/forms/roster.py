"""Forms of the staff roster (業務従事者名簿)."""

from __future__ import annotations

from datetime import date

from django import forms

from civicdesk.accounts.models import RosterChange, RosterChangeKind, User
from civicdesk.core.forms import ServiceFormMixin


class RosterCreateForm(ServiceFormMixin, forms.Form):
    month = forms.TypedChoiceField(label="対象月", coerce=date.fromisoformat)
    copy_previous = forms.BooleanField(
        label="前月の名簿の従事者を写す",
        required=False,
        help_text="前月末日時点の従事者（臨時の変更を含む）を写します。",
    )

    def __init__(self, *args, months: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = months


class RosterEntryForm(ServiceFormMixin, forms.Form):
    user = forms.ModelChoiceField(label="従事者", queryset=User.objects.none())
    duty = forms.CharField(
        label="従事する業務",
        max_length=100,
        required=False,
        help_text="例: 電話催告（国保）、訪問催告",
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates
        self.fields["user"].label_from_instance = _person_label


class RosterChangeForm(ServiceFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="変更", choices=RosterChangeKind.choices, widget=forms.RadioSelect
    )
    user = forms.ModelChoiceField(label="従事者", queryset=User.objects.none())
    effective_from = forms.DateField(
        label="適用日",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="この日から変更が効きます（今日以降、名簿の対象月の中）。",
    )
    duty = forms.CharField(label="従事する業務（追加のとき）", max_length=100, required=False)
    reason = forms.CharField(
        label="理由",
        max_length=RosterChange._meta.get_field("reason").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="例: 欠員補充のため、退職のため。個人の事情の詳細は書かないでください。",
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates
        self.fields["user"].label_from_instance = _person_label


def _person_label(user: User) -> str:
    name = f"（{user.display_name}）" if user.display_name else ""
    return f"{user.username}{name} {user.get_role_display()}"
