"""Forms of visit lists: making today's list (campaign, visitor, areas, size)."""

from __future__ import annotations

from django import forms
from django.conf import settings

from civicdesk.core.forms import ServiceFormMixin
from civicdesk.dunning.services.visits import MAX_LIST_SIZE

# An area as a checkbox value: "東陽" (the whole town) or "東陽:4" (its 4th chome).
AREA_SEPARATOR = ":"


def area_value(town: str, chome: int | None) -> str:
    return town if chome is None else f"{town}{AREA_SEPARATOR}{chome}"


def parse_area(value: str) -> dict:
    town, separator, chome = value.rpartition(AREA_SEPARATOR)
    if not separator or not chome.isdigit():
        return {"town": value, "chome": None}
    return {"town": town, "chome": int(chome)}


class CampaignChoiceForm(forms.Form):
    """Step 1 (GET): which campaign; its areas are then offered with their counts."""

    campaign = forms.TypedChoiceField(label="訪問計画", coerce=int, empty_value=None)

    def __init__(self, *args, campaigns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [(c.pk, c.name) for c in campaigns]


class VisitListForm(ServiceFormMixin, forms.Form):
    """Step 2 (POST): the list itself. The visitor field is there for supervisors only."""

    campaign = forms.TypedChoiceField(
        label="訪問計画", coerce=int, widget=forms.HiddenInput, empty_value=None
    )
    visitor = forms.TypedChoiceField(
        label="訪問員",
        coerce=int,
        empty_value=None,
        error_messages={"required": "訪問員を選んでください。"},
    )
    areas = forms.MultipleChoiceField(
        label="地区（町名・丁目）",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="選ばなければ、計画の対象地区すべてから住所順に選びます。",
    )
    size = forms.IntegerField(
        label="件数",
        min_value=1,
        max_value=MAX_LIST_SIZE,
        error_messages={
            "required": "件数を入力してください。",
            "min_value": f"件数は 1〜{MAX_LIST_SIZE} の整数で指定してください。",
            "max_value": f"件数は 1〜{MAX_LIST_SIZE} の整数で指定してください。",
            "invalid": f"件数は 1〜{MAX_LIST_SIZE} の整数で指定してください。",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, campaigns, visitors, area_choices, choose_visitor: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [(c.pk, c.name) for c in campaigns]
        self.fields["visitor"].choices = [(v.pk, str(v)) for v in visitors]
        self.fields["areas"].choices = area_choices
        self.fields["size"].initial = settings.DUNNING_VISIT_LIST_SIZE
        self.choose_visitor = choose_visitor
        if not choose_visitor:
            # A visitor makes their own list: the field is not shown and not asked for.
            del self.fields["visitor"]

    def area_list(self) -> list[dict]:
        return [parse_area(value) for value in self.cleaned_data.get("areas", [])]
