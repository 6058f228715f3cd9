"""Forms of the request pages: the clerk's request form (built from the procedure: its
checklist as checkboxes, the requester kinds it takes, and only the personal items it
records), the staff's review decision, withdrawal, and the plate ledger's forms.

Range rules (通数 1–99, 公用 needs its office, …) are the services'; their errors come back
beside the fields through ServiceFormMixin."""

from __future__ import annotations

from django import forms

from civicdesk.core.forms import ServiceFormMixin
from civicdesk.counter.choices import RequesterKind
from civicdesk.counter.models import Procedure, Request, TemporaryPlate
from civicdesk.counter.models.procedures import REQUEST_DATA_ITEMS
from civicdesk.counter.selectors.requests import AUTHORITY_CHECK, recordable_items

ITEM_HELP = {
    "requester_name": "窓口に来た方・請求書の請求者の氏名",
    "subject_name": "証明の対象となる方の氏名（請求者と違うとき）",
    "mailing_address": "郵送で送り返す先（郵送請求のとき）",
    "vehicle_chassis_no": "許可を受ける自動車の車台番号",
}


class ProcedureChoiceForm(forms.Form):
    procedure = forms.ModelChoiceField(
        label="手続",
        queryset=Procedure.objects.none(),
        empty_label="手続を選んでください",
        error_messages={"required": "手続を選んでください。"},
    )

    def __init__(self, *args, procedures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = procedures


class RequestForm(ServiceFormMixin, forms.Form):
    """One request of ``procedure``; ``postal``: taken without a ticket (郵送・公用)."""

    service_error_fields = {"items": None}

    requester_kind = forms.ChoiceField(
        label="請求者",
        widget=forms.RadioSelect,
        error_messages={"required": "請求者の種類を選んでください。"},
    )
    requesting_office = forms.CharField(
        label="請求機関（公用のとき）",
        required=False,
        max_length=Request._meta.get_field("requesting_office").max_length,
        help_text="例: 一関税務署、〇〇地方裁判所",
    )
    authority_checked = forms.BooleanField(
        label="代理権限（委任状など）・第三者の疎明資料を確認した",
        required=False,
        help_text="代理人・第三者の請求のとき（一関市仕様書 7(1)）",
    )
    identity_document = forms.CharField(
        label="本人確認書類",
        required=False,
        max_length=Request._meta.get_field("identity_document").max_length,
        help_text="確認した書類の種類（例: 運転免許証、マイナンバーカード）。番号は記録しません。",
    )
    quantity = forms.IntegerField(
        label="通数",
        initial=1,
        error_messages={
            "required": "通数を入力してください。",
            "invalid": "通数は1〜99の整数で入力してください。",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    checks = forms.MultipleChoiceField(
        label="受付時の確認事項",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, procedure: Procedure, postal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.procedure = procedure
        kinds = [kind for kind in procedure.requester_kinds if kind in RequesterKind.values]
        if postal:
            kinds = [kind for kind in kinds if kind in ("postal", "official")]
        self.fields["requester_kind"].choices = [(k, RequesterKind(k).label) for k in kinds]
        if len(kinds) == 1:
            self.fields["requester_kind"].initial = kinds[0]
        self.fields["checks"].choices = [(item, item) for item in procedure.checklist]
        if not set(kinds) & set(AUTHORITY_CHECK):
            del self.fields["authority_checked"]
        if "official" not in kinds:
            del self.fields["requesting_office"]
        # Only the personal items this procedure records are ever on the form.
        self.item_names = recordable_items(procedure)
        for name in self.item_names:
            self.fields[name] = forms.CharField(
                label=REQUEST_DATA_ITEMS[name],
                required=False,
                max_length=Request._meta.get_field(name).max_length,
                help_text=ITEM_HELP.get(name, ""),
            )

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "requester_kind": data["requester_kind"],
            "quantity": data["quantity"],
            "checks": data["checks"],
            "requesting_office": data.get("requesting_office", ""),
            "authority_checked": data.get("authority_checked", False),
            "identity_document": data["identity_document"],
            "items": {name: data[name] for name in self.item_names},
        }

    def item_fields(self):
        return [self[name] for name in self.item_names]


def request_initial(request: Request) -> dict:
    """A request's values as the form's initial data (the edit page)."""
    initial = {
        "requester_kind": request.requester_kind,
        "requesting_office": request.requesting_office,
        "authority_checked": request.authority_checked,
        "identity_document": request.identity_document,
        "quantity": request.quantity,
        "checks": list(request.checks),
    }
    initial.update({name: getattr(request, name) for name in REQUEST_DATA_ITEMS})
    return initial


class ReviewForm(ServiceFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label="審査結果",
        choices=[("approve", "承認"), ("return", "差戻し")],
        widget=forms.RadioSelect,
        error_messages={"required": "承認か差戻しかを選んでください。"},
    )
    reason = forms.CharField(
        label="差戻しの理由",
        required=False,
        max_length=200,
        help_text="差戻しのときは必ず入力します（窓口担当者に表示されます）。",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(ServiceFormMixin, forms.Form):
    reason = forms.CharField(
        label="理由",
        max_length=200,
        error_messages={"required": "理由を入力してください。"},
    )


class PlateLendForm(ServiceFormMixin, forms.Form):
    plate = forms.ModelChoiceField(
        label="番号標",
        queryset=TemporaryPlate.objects.none(),
        empty_label="貸し出す番号標を選んでください",
        error_messages={"required": "番号標を選んでください。"},
    )
    permit_no = forms.CharField(
        label="許可番号",
        max_length=20,
        error_messages={"required": "許可番号を入力してください。"},
    )
    valid_until = forms.DateField(
        label="有効期限",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="許可日から5日以内（道路運送車両法第35条）",
        error_messages={
            "required": "有効期限を入力してください。",
            "invalid": "有効期限を YYYY-MM-DD で入力してください。",
        },
    )

    def __init__(self, *args, plates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plate"].queryset = plates


class PlateAddForm(ServiceFormMixin, forms.Form):
    number = forms.CharField(
        label="番号標",
        max_length=20,
        help_text="例: 一関 臨 12",
        error_messages={"required": "番号標を入力してください。"},
    )


class PlateReturnForm(ServiceFormMixin, forms.Form):
    returned_on = forms.DateField(
        label="返却日",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="空欄なら今日",
        error_messages={"invalid": "返却日を YYYY-MM-DD で入力してください。"},
    )
