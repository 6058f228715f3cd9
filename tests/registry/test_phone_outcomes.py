"""registry.services.record_phone_outcome: the one way the apps above mark a number after a
call — its last outcome always, its status when the call told it, a status change logged."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.registry.models import PhoneStatus
from civicdesk.registry.services import record_phone_outcome
from tests.registry.factories import ObligorFactory, PhoneFactory

pytestmark = pytest.mark.django_db

AT = dt.datetime(2025, 6, 2, 10, 30, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture
def phone(municipality):
    return PhoneFactory(obligor=ObligorFactory(municipality=municipality))


def test_the_outcome_is_noted_without_a_log_entry_when_the_status_stays(operator, phone):
    noted = record_phone_outcome(
        acting_user=operator, phone_id=phone.pk, outcome="no_answer", outcome_label="不在", at=AT
    )
    noted.refresh_from_db()
    assert (noted.last_outcome, noted.last_outcome_at, noted.status) == (
        "no_answer", AT, PhoneStatus.UNKNOWN,
    )  # fmt: skip
    assert not AccessLogEntry.objects.exists()


def test_a_status_the_call_told_is_set_and_logged_with_the_outcome(operator, phone):
    record_phone_outcome(
        acting_user=operator,
        phone_id=phone.pk,
        outcome="not_in_service",
        outcome_label="不通（現在使われていない）",
        at=AT,
        status=PhoneStatus.INVALID,
    )
    phone.refresh_from_db()
    assert phone.status == PhoneStatus.INVALID
    entry = AccessLogEntry.objects.get(object_type="registry.phone", object_id=str(phone.pk))
    assert (entry.action, entry.actor, entry.fields) == (AccessAction.CHANGE, operator, ["phone"])
    assert entry.reason == "架電結果: 不通（現在使われていない）"


def test_the_same_status_again_is_not_logged_again(operator, phone):
    for _ in range(2):
        record_phone_outcome(
            acting_user=operator,
            phone_id=phone.pk,
            outcome="self",
            outcome_label="本人",
            at=AT,
            status=PhoneStatus.VALID,
        )
    assert AccessLogEntry.objects.filter(action=AccessAction.CHANGE).count() == 1


def test_an_unknown_status_is_refused_before_anything_changes(operator, phone):
    with pytest.raises(ValueError, match="unknown phone status"):
        record_phone_outcome(
            acting_user=operator, phone_id=phone.pk, outcome="x", outcome_label="x", at=AT,
            status="broken",
        )  # fmt: skip
    phone.refresh_from_db()
    assert phone.last_outcome == ""
