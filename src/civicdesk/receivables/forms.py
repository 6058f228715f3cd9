from django import forms

from civicdesk.receivables.models import ImportKind

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
