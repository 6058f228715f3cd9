"""Hand-overs to staff: who may write and decide them, valid transitions, what is logged."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicdesk.audit.models import AccessLogEntry
from civicdesk.dunning.choices import HandOverReason, HandOverStatus
from civicdesk.dunning.models import HandOver
from civicdesk.dunning.services.handovers import (
    accept_hand_over,
    complete_hand_over,
    create_hand_over,
    return_hand_over,
)
from civicdesk.registry.models import Obligor
from tests.dunning.factories import ContactFactory
from tests.factories import MunicipalityFactory, UserFactory
from tests.registry.factories import AccountFactory, ObligorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def obligor(municipality):
    person = ObligorFactory(municipality=municipality)
    AccountFactory(obligor=person, revenue_type="nhi")
    AccountFactory(obligor=person, revenue_type="resident_tax")
    return person


def make(operator, obligor, **overrides):
    values = {
        "reason": HandOverReason.INSTALLMENT_CONSULTATION,
        "note": "月1万円なら払えるとのこと。分納の相談を希望。",
        "revenue_types": ["nhi"],
    }
    values.update(overrides)
    return create_hand_over(acting_user=operator, obligor=obligor, **values)


def log_for(obj):
    return AccessLogEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).order_by("seq")


def test_an_operator_hands_over_and_the_creation_is_logged(operator, obligor):
    contact = ContactFactory(obligor=obligor, user=operator)
    hand_over = make(operator, obligor, contact=contact)
    hand_over.refresh_from_db()
    assert hand_over.status == HandOverStatus.OPEN
    assert hand_over.created_by == operator
    assert hand_over.contact == contact
    assert hand_over.municipality_id == obligor.municipality_id
    assert hand_over.revenue_types == ["nhi"]
    entries = list(log_for(hand_over))
    assert [e.action for e in entries] == ["create"]
    assert entries[0].actor == operator


def test_a_hand_over_needs_a_note(operator, obligor):
    with pytest.raises(ValidationError) as error:
        make(operator, obligor, note="   ")
    assert error.value.message_dict["note"] == ["連絡事項を入力してください。"]
    assert not HandOver.objects.exists()


def test_a_hand_over_needs_a_known_reason(operator, obligor):
    with pytest.raises(ValidationError) as error:
        make(operator, obligor, reason="enforcement")
    assert "reason" in error.value.message_dict


def test_revenue_types_outside_the_operators_team_are_refused(operator, obligor):
    # The operator works on nhi only; the obligor holds resident_tax as well.
    with pytest.raises(ValidationError) as error:
        make(operator, obligor, revenue_types=["nhi", "resident_tax"])
    assert error.value.message_dict["revenue_types"] == ["担当していない税目・保険料は選べません。"]


def test_revenue_types_the_obligor_does_not_hold_are_refused(supervisor, obligor):
    with pytest.raises(ValidationError) as error:
        make(supervisor, obligor, revenue_types=["ltc"])
    assert "介護保険料" in error.value.message_dict["revenue_types"][0]


def test_at_least_one_revenue_type_is_needed(operator, obligor):
    with pytest.raises(ValidationError) as error:
        make(operator, obligor, revenue_types=[])
    assert "revenue_types" in error.value.message_dict


def test_an_obligor_outside_the_scope_is_not_found(outsider, municipality):
    nhi_only = ObligorFactory(municipality=municipality)
    AccountFactory(obligor=nhi_only, revenue_type="nhi")
    with pytest.raises(Obligor.DoesNotExist):
        make(outsider, nhi_only, revenue_types=["resident_tax"])


def test_staff_and_inspectors_cannot_write_hand_overs(staff, inspector, obligor):
    for user in (staff, inspector):
        with pytest.raises(PermissionDenied):
            make(user, obligor)


def test_an_operator_cannot_accept_a_hand_over(operator, supervisor, obligor):
    hand_over = make(operator, obligor)
    for user in (operator, supervisor):
        with pytest.raises(PermissionDenied):
            accept_hand_over(acting_user=user, hand_over=hand_over)
    hand_over.refresh_from_db()
    assert hand_over.status == HandOverStatus.OPEN


def test_staff_accept_then_complete(operator, staff, obligor):
    hand_over = make(operator, obligor)
    at = dt.datetime(2025, 6, 2, 10, 0, tzinfo=dt.UTC)
    accepted = accept_hand_over(acting_user=staff, hand_over=hand_over, now=at)
    assert accepted.status == HandOverStatus.ACCEPTED
    assert accepted.handled_by == staff
    assert accepted.handled_at == at
    done = complete_hand_over(acting_user=staff, hand_over=hand_over, note="分納誓約を受理")
    done.refresh_from_db()
    assert done.status == HandOverStatus.DONE
    assert done.staff_note == "分納誓約を受理"
    assert [e.action for e in log_for(done)] == ["create", "change", "change"]


def test_returning_needs_a_note(operator, staff, obligor):
    hand_over = make(operator, obligor)
    with pytest.raises(ValidationError) as error:
        return_hand_over(acting_user=staff, hand_over=hand_over, note=" ")
    assert error.value.message_dict["note"] == ["差戻しの理由を入力してください。"]
    returned = return_hand_over(
        acting_user=staff, hand_over=hand_over, note="世帯主に再確認してください"
    )
    assert returned.status == HandOverStatus.RETURNED
    assert returned.staff_note == "世帯主に再確認してください"


def test_an_accepted_hand_over_may_be_returned(operator, staff, obligor):
    hand_over = make(operator, obligor)
    accept_hand_over(acting_user=staff, hand_over=hand_over)
    returned = return_hand_over(acting_user=staff, hand_over=hand_over, note="担当課が違います")
    assert returned.status == HandOverStatus.RETURNED


@pytest.mark.parametrize(
    ("before", "action"),
    [
        (HandOverStatus.OPEN, complete_hand_over),  # open → done skips acceptance
        (HandOverStatus.ACCEPTED, accept_hand_over),
        (HandOverStatus.DONE, accept_hand_over),
        (HandOverStatus.DONE, return_hand_over),
        (HandOverStatus.RETURNED, accept_hand_over),
        (HandOverStatus.RETURNED, complete_hand_over),
    ],
)
def test_only_valid_transitions_are_allowed(operator, staff, obligor, before, action):
    hand_over = make(operator, obligor)
    HandOver.objects.filter(pk=hand_over.pk).update(status=before)
    with pytest.raises(ValidationError) as error:
        action(acting_user=staff, hand_over=hand_over, note="メモ")
    assert "にはできません" in error.value.message_dict["status"][0]
    hand_over.refresh_from_db()
    assert hand_over.status == before


def test_staff_of_another_municipality_cannot_decide(operator, obligor):

    elsewhere = MunicipalityFactory(code="131016", name="千代田区（デモ）")
    other_staff = UserFactory(role="staff", municipality=elsewhere)
    hand_over = make(operator, obligor)
    with pytest.raises(HandOver.DoesNotExist):
        accept_hand_over(acting_user=other_staff, hand_over=hand_over)
