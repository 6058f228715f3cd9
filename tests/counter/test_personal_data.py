"""The counter's personal data reaches purge and verification through its declaration: a whole
purge takes requests (with their reviews and plate loans) and bereavement cases, a purge of one
revenue type leaves them, the tickets and fee entries (no personal data) stay for the reports,
and verification finds a purged name copied elsewhere."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from civicdesk.counter.choices import RequestStatus
from civicdesk.counter.models import (
    BereavementProcedure,
    BereavementReservation,
    BereavementTask,
    FeeEntry,
    Request,
    Review,
    Ticket,
)
from civicdesk.counter.services import tickets
from civicdesk.oversight.services import purge
from civicdesk.oversight.services import verification as purge_verification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REQUESTER = "窓口 請求子"
DECEASED = "故人 太郎"


@pytest.fixture
def other_staff(municipality):
    return UserFactory(username="staff2", role="staff", municipality=municipality)


@pytest.fixture
def held(desk, reception, clerk, staff, cashier):
    """A certificate request reviewed and issued with its fee, and a bereavement case."""
    ticket = tickets.issue_ticket(acting_user=reception, queue=desk.certificates)
    now = timezone.now()
    request = Request.objects.create(
        municipality=desk.certificate.municipality,
        ticket=ticket,
        procedure=desk.certificate,
        day=ticket.day,
        requester_kind="self",
        requester_name=REQUESTER,
        status=RequestStatus.ISSUED,
        created_by=clerk,
        created_at=now,
    )
    Review.objects.create(
        request=request, decision="approved", reviewer=staff, requested_at=now, at=now
    )
    fee = FeeEntry.objects.create(
        municipality=request.municipality,
        day=ticket.day,
        receipt_no="20260610-0001",
        request=request,
        ticket=ticket,
        procedure=desk.certificate,
        quantity=1,
        unit_fee=300,
        amount=300,
        payment_kind="cash",
        user=cashier,
        at=now,
    )
    case = BereavementReservation.objects.create(
        municipality=request.municipality,
        reservation_no="OK-1",
        starts_at=now + dt.timedelta(days=1),
        channel="phone",
        deceased_name=DECEASED,
        deceased_on=dt.date(2026, 6, 1),
        visitor_name="遺族 花子",
        visitor_phone="090-0000-1111",
        created_by=reception,
        created_at=now,
    )
    step = BereavementProcedure.objects.create(
        municipality=request.municipality, name="国保の資格喪失", section="国保年金課"
    )
    BereavementTask.objects.create(reservation=case, procedure=step, section=step.section)
    return request, fee, case


def _whole_purge(supervisor, other_staff, scope="all", revenue_type=""):
    plan = purge.plan_purge(
        acting_user=supervisor,
        scope=scope,
        revenue_type=revenue_type,
        planned_on=timezone.localdate(),
        reason="委託契約の終了",
    )
    return purge.approve_purge_plan(acting_user=other_staff, plan=plan)


def test_a_whole_purge_takes_requests_and_cases_and_keeps_tickets_and_fees(
    held, supervisor, other_staff
):
    _request, fee, _case = held
    plan = _whole_purge(supervisor, other_staff)
    assert plan.planned_counts["counter_requests"] == 1
    assert plan.planned_counts["bereavement_cases"] == 1
    plan = purge.execute_purge(acting_user=supervisor, plan=plan)
    assert not Request.objects.exists() and not Review.objects.exists()
    assert not BereavementReservation.objects.exists() and not BereavementTask.objects.exists()
    assert Ticket.objects.count() == 1
    fee.refresh_from_db()
    assert fee.request_id is None and fee.amount == 300
    check = purge_verification.verify_purge(acting_user=other_staff, plan=plan)
    assert check.ok, check.findings


def test_a_purge_of_one_revenue_type_leaves_the_counter_alone(held, supervisor, other_staff):
    plan = _whole_purge(supervisor, other_staff, scope="revenue_type", revenue_type="ltc")
    purge.execute_purge(acting_user=supervisor, plan=plan)
    assert Request.objects.count() == 1 and BereavementReservation.objects.count() == 1


def test_verification_finds_a_purged_deceased_name_left_in_another_table(
    held, supervisor, other_staff, desk
):
    plan = purge.execute_purge(acting_user=supervisor, plan=_whole_purge(supervisor, other_staff))
    desk.move.section = f"{DECEASED}様の件"  # a name copied where it does not belong
    desk.move.save()
    check = purge_verification.verify_purge(acting_user=other_staff, plan=plan)
    assert not check.ok
    assert any(finding["kind"] == "name" for finding in check.findings)


def test_a_request_under_review_holds_the_purge_back(held, supervisor, other_staff):
    request, _fee, _case = held
    Request.objects.filter(pk=request.pk).update(status=RequestStatus.REVIEW)
    plan = _whole_purge(supervisor, other_staff)
    with pytest.raises(purge.PurgeError, match="審査依頼中"):
        purge.execute_purge(acting_user=supervisor, plan=plan)
    assert Request.objects.filter(pk=request.pk).exists()
