from django import forms

from civicdesk.registry.selectors import SELECTABLE_KINDS, SearchKind


class ObligorSearchForm(forms.Form):
    query = forms.CharField(
        label="検索語",
        max_length=100,
        help_text="宛名番号・整理番号・電話番号（ハイフン有無どちらでも）・カナ・氏名・住所",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    kind = forms.ChoiceField(label="検索の種類", choices=SELECTABLE_KINDS, initial=SearchKind.AUTO)

    def clean_query(self) -> str:
        query = self.cleaned_data["query"].strip()
        if not query:
            raise forms.ValidationError("検索語を入力してください。")
        return query
