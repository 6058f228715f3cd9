"""The 受電 page's search: the registry's search form, posted (the text is personal data)."""

from __future__ import annotations

from civicdesk.receivables.forms import ObligorSearchForm


class InboundSearchForm(ObligorSearchForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "query"
        ].help_text = "電話番号（どの表記でも）・カナ・宛名番号・整理番号。自動判定で探します。"
