"""registry.services.add_collected_phone: the one way the apps above store a number the center
learnt from the person (source センター収集), validated in Japanese and logged."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.registry.models import Phone, PhoneSource
from civicdesk.registry.services import add_collected_phone, collected_number
from tests.registry.factories import ObligorFactory, PhoneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def obligor(municipality):
    return ObligorFactory(municipality=municipality)


def test_a_collected_number_is_stored_in_e164_with_its_kind_and_source(operator, obligor):
    typed = "０８０－１１１１－２２２２"
    phone = add_collected_phone(acting_user=operator, obligor=obligor, number=typed)
    assert (phone.number, phone.display, phone.kind, phone.source) == (
        "+818011112222", "080-1111-2222", "mobile", PhoneSource.COLLECTED,
    )  # fmt: skip


def test_storing_a_collected_number_writes_its_own_log_entry(operator, obligor):
    phone = add_collected_phone(acting_user=operator, obligor=obligor, number="03-5678-1234")
    entry = AccessLogEntry.objects.get(object_type="registry.phone", object_id=str(phone.pk))
    assert (entry.action, entry.actor, entry.fields) == (AccessAction.CREATE, operator, ["phone"])
    assert "センター収集" in entry.reason


def test_a_number_the_obligor_already_has_is_not_stored_again(operator, obligor):
    PhoneFactory(obligor=obligor, display="090-1234-5678")
    before = AccessLogEntry.objects.count()
    assert add_collected_phone(acting_user=operator, obligor=obligor, number="09012345678") is None
    assert Phone.objects.filter(obligor=obligor).count() == 1
    assert AccessLogEntry.objects.count() == before


def test_the_same_number_of_another_obligor_is_stored(operator, obligor, municipality):
    PhoneFactory(obligor=ObligorFactory(municipality=municipality), display="090-1234-5678")
    assert add_collected_phone(acting_user=operator, obligor=obligor, number="090-1234-5678")


def test_no_input_stores_nothing(operator, obligor):
    assert add_collected_phone(acting_user=operator, obligor=obligor, number="  ") is None
    assert not Phone.objects.exists()


def test_a_text_that_is_no_phone_number_is_refused_in_japanese(operator, obligor):
    with pytest.raises(ValidationError) as raised:
        add_collected_phone(acting_user=operator, obligor=obligor, number="12345")
    assert raised.value.message_dict == {
        "number": ["「12345」は電話番号として正しくありません（例: 090-1234-5678）。"]
    }
    assert not Phone.objects.exists()


@pytest.mark.parametrize("role", ["inspector", "admin"])
def test_a_role_that_sees_no_obligor_data_may_not_store_numbers(users_by_role, role, obligor):
    with pytest.raises(ValidationError) as raised:
        add_collected_phone(acting_user=users_by_role[role], obligor=obligor, number="03-5678-1234")
    assert raised.value.message_dict == {"number": ["電話番号を登録する権限がありません。"]}
    assert not Phone.objects.exists()


def test_checking_a_number_writes_nothing(operator, obligor):
    assert collected_number(acting_user=operator, obligor=obligor, number="03-5678-1234") == (
        "+81356781234"
    )
    assert not Phone.objects.exists() and not AccessLogEntry.objects.exists()
