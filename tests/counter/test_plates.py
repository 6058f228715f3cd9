"""The temporary-plate ledger (自動車臨時運行許可 発行管理簿): a plate lent with a permit for
a vehicle-permit request, at most five days, one permit at a time, returned, and overdue when
not back after its last day."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from civicdesk.audit.models import AccessLogEntry
from civicdesk.counter.models import PlateLoan, TemporaryPlate
from civicdesk.counter.selectors import requests as selectors
from civicdesk.counter.services import plates, requests
from civicdesk.counter.services.plates import PlateError
from tests.conftest import TEST_NOW
from tests.counter.factories import ProcedureFactory
from tests.counter.flow import open_full, serving_ticket

pytestmark = pytest.mark.django_db
TODAY = TEST_NOW.date()


@pytest.fixture
def permit(desk, municipality):
    return ProcedureFactory(
        municipality=municipality,
        code="rinji",
        name="自動車臨時運行許可",
        category="vehicle_permit",
        queue=desk.certificates,
        data_items=["requester_name", "vehicle_chassis_no"],
        requires_review=False,
        has_fee=False,
        uses_tamper_proof_paper=False,
        requester_kinds=["self", "agent"],
    )


@pytest.fixture
def permit_request(desk, reception, clerk, permit):
    ticket = serving_ticket(desk, reception, clerk)
    return open_full(
        clerk,
        permit,
        ticket,
        items={"requester_name": "運行一郎", "vehicle_chassis_no": "ABC-1234567"},
    )


@pytest.fixture
def plate(staff):
    return plates.add_plate(acting_user=staff, number="一関 臨 12")


def _lend(clerk, request, plate, **overrides):
    values = {"permit_no": "R8-0001", "valid_until": TODAY + dt.timedelta(days=2)}
    values.update(overrides)
    return plates.lend_plate(acting_user=clerk, request=request, plate=plate, **values)


def test_a_plate_is_lent_with_a_permit_and_logged_on_the_request(clerk, permit_request, plate):
    loan = _lend(clerk, permit_request, plate)
    assert (loan.issued_on, loan.valid_until, loan.returned_on) == (
        TODAY,
        TODAY + dt.timedelta(days=2),
        None,
    )
    entry = AccessLogEntry.objects.filter(
        object_type="counter.request", object_id=str(permit_request.pk), reason__contains="貸出"
    ).get()
    assert entry.actor_id == clerk.pk


def test_a_permit_is_valid_five_days_at_most(clerk, permit_request, plate):
    with pytest.raises(PlateError) as refused:
        _lend(clerk, permit_request, plate, valid_until=TODAY + dt.timedelta(days=5))
    assert "5日以内" in refused.value.message_dict["valid_until"][0]
    with pytest.raises(PlateError):
        _lend(clerk, permit_request, plate, valid_until=TODAY - dt.timedelta(days=1))
    assert not PlateLoan.objects.exists()
    assert _lend(clerk, permit_request, plate, valid_until=TODAY + dt.timedelta(days=4))


def test_a_plate_out_cannot_go_out_again_until_it_is_back(
    desk, reception, clerk, permit, permit_request, plate
):
    _lend(clerk, permit_request, plate)
    requests.issue_request(acting_user=clerk, request=permit_request)
    tickets_second = serving_ticket(desk, reception, clerk, counter=desk.window2)
    second = open_full(clerk, permit, tickets_second)
    with pytest.raises(PlateError, match="貸出中"):
        _lend(clerk, second, plate, permit_no="R8-0002")
    loan = PlateLoan.objects.get()
    plates.return_plate(acting_user=clerk, loan=loan)
    assert _lend(clerk, second, plate, permit_no="R8-0002").permit_no == "R8-0002"


def test_plates_go_only_with_a_vehicle_permit(desk, reception, clerk, plate):
    ticket = serving_ticket(desk, reception, clerk)
    certificate = open_full(clerk, desk.certificate, ticket)
    with pytest.raises(PlateError, match="自動車臨時運行許可の申請にだけ"):
        _lend(clerk, certificate, plate)


def test_a_permit_number_is_used_once(desk, reception, clerk, permit, permit_request, staff):
    first_plate = plates.add_plate(acting_user=staff, number="一関 臨 1")
    second_plate = plates.add_plate(acting_user=staff, number="一関 臨 2")
    _lend(clerk, permit_request, first_plate)
    other = open_full(clerk, permit, serving_ticket(desk, reception, clerk, counter=desk.window2))
    with pytest.raises(PlateError, match="使用済み"):
        _lend(clerk, other, second_plate)


def test_a_return_date_before_the_loan_or_in_the_future_is_refused(clerk, permit_request, plate):
    loan = _lend(clerk, permit_request, plate)
    for wrong in (TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=1)):
        with pytest.raises(PlateError, match="返却日"):
            plates.return_plate(acting_user=clerk, loan=loan, returned_on=wrong)
    returned = plates.return_plate(acting_user=clerk, loan=loan)
    assert (returned.returned_on, returned.returned_to_id) == (TODAY, clerk.pk)
    with pytest.raises(PlateError, match="返却済み"):
        plates.return_plate(acting_user=clerk, loan=loan)


def test_the_ledger_marks_a_plate_overdue_after_its_last_day(clerk, permit_request, plate):
    _lend(clerk, permit_request, plate, valid_until=TODAY + dt.timedelta(days=1))
    [line] = selectors.plate_ledger(clerk, TODAY + dt.timedelta(days=1))
    assert line.out and not line.overdue
    [line] = selectors.plate_ledger(clerk, TODAY + dt.timedelta(days=2))
    assert line.overdue
    with time_machine.travel(TEST_NOW + dt.timedelta(days=3)):
        plates.return_plate(acting_user=clerk, loan=line.loan)
    [line] = selectors.plate_ledger(clerk, TODAY + dt.timedelta(days=3))
    assert not line.out and not line.overdue


def test_only_staff_register_plates_and_only_clerks_lend_them(
    cashier, clerk, permit_request, staff
):
    with pytest.raises(PermissionDenied):
        plates.add_plate(acting_user=clerk, number="一関 臨 99")
    plate = plates.add_plate(acting_user=staff, number="一関 臨 99")
    with pytest.raises(PlateError, match="登録済み"):
        plates.add_plate(acting_user=staff, number="一関 臨 99")
    with pytest.raises(PermissionDenied):
        _lend(cashier, permit_request, plate)
    assert TemporaryPlate.objects.count() == 1
