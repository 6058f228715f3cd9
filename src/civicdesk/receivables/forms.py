from django import forms

from civicdesk.receivables.models import ImportKind
from civicdesk.receivables.selectors.obligors import SELECTABLE_KINDS, SearchKind

ENCODING_CHOICES = [("", "自動判定"), ("cp932", "CP932（Shift_JIS）"), ("utf-8", "UTF-8")]


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label="データの種類", choices=ImportKind.choices)
    file = forms.FileField(label="ファイル（CSV）")
    encoding = forms.ChoiceField(
        label="文字コード", choices=ENCODING_CHOICES, required=False, initial=""
    )
    full = forms.BooleanField(
        label="全件（このファイルが対象税目のすべてのデータ）",
        required=False,
        widget=forms.CheckboxInput(attrs={"aria-describedby": "id_full_help"}),
        help_text=(
            "注意: チェックすると、ファイルにない口座（同じ税目）は期別ごと削除されます。"
            "差分のファイルではチェックしないでください。"
        ),
    )


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
