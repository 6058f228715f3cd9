"""Temporary number plates (自動車臨時運行許可, seed 003 §6(9)): the plates the counter keeps,
lending one with a permit for a vehicle-permit request, its return, and the issue ledger
(発行管理簿, read in selectors.requests.plate_ledger: overdue = not back after its last day).

A permit is valid for at most five days (道路運送車両法第35条); a plate is out with one permit
at a time (a database constraint as well). The ledger line points at the request, whose
chassis number is personal data: lending and returning are access-logged on the request.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.calendar import TOKYO
from civicdesk.core.japanese import era_date
from civicdesk.counter.choices import ProcedureCategory, RequestStatus
from civicdesk.counter.models import PlateLoan, Request, TemporaryPlate
from civicdesk.counter.selectors import requests as selectors
from civicdesk.counter.services.requests import ensure_issuable

MAX_PERMIT_DAYS = 5
PERMIT_NO_MAX = PlateLoan._meta.get_field("permit_no").max_length
NUMBER_MAX = TemporaryPlate._meta.get_field("number").max_length


class PlateError(ValidationError):
    """A plate move refused (message in Japanese, keyed by field where there is one)."""


def add_plate(*, acting_user, number: str) -> TemporaryPlate:
    """A plate the municipality gives the counter (staff keep the list)."""
    if not selectors.may_add_plates(acting_user):
        raise PermissionDenied("臨時運行許可番号標を登録する権限がありません。")
    number = (number or "").strip()
    if not number or len(number) > NUMBER_MAX:
        raise PlateError({"number": f"番号標を{NUMBER_MAX}文字以内で入力してください。"})
    municipality_id = selectors.municipality_id_for(acting_user)
    try:
        with transaction.atomic():
            return TemporaryPlate.objects.create(municipality_id=municipality_id, number=number)
    except IntegrityError:
        raise PlateError({"number": f"番号標「{number}」は登録済みです。"}) from None


def lend_plate(
    *,
    acting_user,
    request: Request,
    plate: TemporaryPlate,
    permit_no: str,
    valid_until: dt.date,
    at: dt.datetime | None = None,
) -> PlateLoan:
    """貸出: the plate goes out with the permit of ``request`` (a 自動車臨時運行許可 ready to
    hand over or handed over), valid from today to ``valid_until`` (five days at most)."""
    if not selectors.may_lend_plates(acting_user):
        raise PermissionDenied("番号標を貸し出す権限がありません。")
    municipality_id = selectors.municipality_id_for(acting_user)
    at = at or timezone.now()
    today = at.astimezone(TOKYO).date()
    permit_no = _permit_no(permit_no, municipality_id)
    _check_period(today, valid_until)
    with transaction.atomic():
        request = _locked_request(request, municipality_id)
        if plate.municipality_id != municipality_id:
            raise PlateError({"plate": "番号標が見つかりません。"})
        if not plate.active:
            raise PlateError({"plate": f"番号標「{plate.number}」は使用停止中です。"})
        if PlateLoan.objects.filter(plate=plate, returned_on__isnull=True).exists():
            raise PlateError({"plate": f"番号標「{plate.number}」は貸出中です。"})
        try:
            with transaction.atomic():
                loan = PlateLoan.objects.create(
                    plate=plate,
                    request=request,
                    permit_no=permit_no,
                    issued_on=today,
                    valid_until=valid_until,
                    issued_by=acting_user,
                )
        except IntegrityError:  # the plate or the request taken at the same moment
            raise PlateError("この番号標または請求は、たった今貸出が記録されました。") from None
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=request,
            fields=[],
            reason=f"臨時運行許可 番号標の貸出（{plate.number}・許可番号 {permit_no}）",
        )
    return loan


def return_plate(*, acting_user, loan: PlateLoan, returned_on: dt.date | None = None) -> PlateLoan:
    """返却: the plate is back (``returned_on`` defaults to today; never before it went out,
    never in the future)."""
    if not selectors.may_lend_plates(acting_user):
        raise PermissionDenied("番号標の返却を記録する権限がありません。")
    municipality_id = selectors.municipality_id_for(acting_user)
    today = timezone.localdate()
    returned_on = returned_on or today
    with transaction.atomic():
        locked = (
            PlateLoan.objects.select_for_update(of=("self",))
            .select_related("plate")
            .filter(pk=loan.pk, plate__municipality_id=municipality_id)
            .first()
        )
        if locked is None:
            raise PlateError("貸出の記録が見つかりません。")
        if locked.returned_on is not None:
            raise PlateError(
                f"番号標「{locked.plate.number}」は{era_date(locked.returned_on)}に返却済みです。"
            )
        if returned_on < locked.issued_on or returned_on > today:
            raise PlateError(
                {"returned_on": "返却日は貸出日から今日までの日付を入力してください。"}
            )
        locked.returned_on = returned_on
        locked.returned_to = acting_user
        locked.save(update_fields=["returned_on", "returned_to"])
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=locked.request,
            fields=[],
            reason=f"臨時運行許可 番号標の返却（{locked.plate.number}）",
        )
    return locked


def _permit_no(permit_no: str, municipality_id) -> str:
    permit_no = (permit_no or "").strip()
    if not permit_no or len(permit_no) > PERMIT_NO_MAX:
        raise PlateError({"permit_no": f"許可番号を{PERMIT_NO_MAX}文字以内で入力してください。"})
    if PlateLoan.objects.filter(
        permit_no=permit_no, plate__municipality_id=municipality_id
    ).exists():
        raise PlateError({"permit_no": f"許可番号「{permit_no}」は使用済みです。"})
    return permit_no


def _check_period(today: dt.date, valid_until) -> None:
    if not isinstance(valid_until, dt.date):
        raise PlateError({"valid_until": "有効期限を入力してください。"})
    last = today + dt.timedelta(days=MAX_PERMIT_DAYS - 1)
    if not today <= valid_until <= last:
        raise PlateError(
            {
                "valid_until": f"有効期限は許可日から{MAX_PERMIT_DAYS}日以内"
                f"（{era_date(today)}〜{era_date(last)}）にしてください。"
            }
        )


def _locked_request(request: Request, municipality_id) -> Request:
    locked = (
        Request.objects.select_for_update(of=("self",))
        .select_related("procedure")
        .filter(pk=request.pk, municipality_id=municipality_id)
        .first()
    )
    if locked is None:
        raise PlateError("請求が見つかりません。")
    if locked.procedure.category != ProcedureCategory.VEHICLE_PERMIT:
        raise PlateError("番号標は自動車臨時運行許可の申請にだけ貸し出せます。")
    if PlateLoan.objects.filter(request=locked).exists():
        raise PlateError("この申請には番号標を貸出済みです。")
    if locked.status != RequestStatus.ISSUED:
        ensure_issuable(locked)
    return locked
