"""Requests for staff (納付書再発行・口座振替依頼書): writing them, the list, marking them done."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from civicdesk.audit.models import AccessLogEntry
from civicdesk.dunning.choices import StaffRequestKind, StaffRequestStatus
from civicdesk.dunning.models import StaffRequest
from civicdesk.dunning.services.handovers import complete_staff_request, create_staff_request
from tests.conftest import sign_in
from tests.dunning.factories import ContactFactory
from tests.registry.factories import AccountFactory, ObligorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(municipality):
    obligor = ObligorFactory(municipality=municipality, resident_no="000555001")
    AccountFactory(obligor=obligor, revenue_type="nhi", case_no="N-77")
    AccountFactory(obligor=obligor, revenue_type="resident_tax", case_no="R-77")
    return obligor


def nhi_of(obligor):
    return obligor.accounts.get(revenue_type="nhi")


def slip(user, obligor, accounts=None, **extra):
    return create_staff_request(
        acting_user=user,
        obligor=obligor,
        kind=extra.pop("kind", StaffRequestKind.SLIP_REISSUE),
        accounts=accounts if accounts is not None else [nhi_of(obligor)],
        **extra,
    )


def test_an_operator_asks_for_a_slip_and_it_is_logged(operator, person):
    contact = ContactFactory(obligor=person, user=operator)
    request = slip(operator, person, contact=contact, note="  住所変更あり  ")
    assert request.status == StaffRequestStatus.OPEN
    assert list(request.accounts.all()) == [nhi_of(person)]
    assert request.note == "住所変更あり"
    assert request.contact == contact
    entry = AccessLogEntry.objects.get(object_type="dunning.staffrequest")
    assert entry.action == "create"
    assert entry.actor == operator


def test_accounts_outside_the_team_are_refused(operator, person):
    with pytest.raises(ValidationError) as error:
        slip(operator, person, accounts=list(person.accounts.all()))
    assert "accounts" in error.value.message_dict
    assert not StaffRequest.objects.exists()


def test_accounts_of_another_person_are_refused(operator, person, municipality):
    other = ObligorFactory(municipality=municipality)
    foreign = AccountFactory(obligor=other, revenue_type="nhi")
    with pytest.raises(ValidationError) as error:
        slip(operator, person, accounts=[foreign])
    assert "accounts" in error.value.message_dict


def test_a_request_needs_accounts_and_a_kind(operator, person):
    with pytest.raises(ValidationError) as error:
        slip(operator, person, accounts=[], kind="refund")
    assert set(error.value.message_dict) == {"accounts", "kind"}


def test_only_staff_mark_requests_done(operator, supervisor, staff, person):
    request = slip(operator, person)
    for user in (operator, supervisor):
        with pytest.raises(PermissionDenied):
            complete_staff_request(acting_user=user, request=request)
    done = complete_staff_request(acting_user=staff, request=request)
    assert done.status == StaffRequestStatus.DONE
    assert done.done_by == staff
    with pytest.raises(ValidationError):
        complete_staff_request(acting_user=staff, request=request)


def test_the_list_filters_by_kind_and_status(client, staff, operator, person):
    first = slip(operator, person)
    second = slip(operator, person, kind=StaffRequestKind.ACCOUNT_TRANSFER_FORM)
    done = slip(operator, person)
    StaffRequest.objects.filter(pk=done.pk).update(status=StaffRequestStatus.DONE)
    sign_in(client, staff)
    url = reverse("dunning:staff_requests")

    def shown(**query):
        return {row.request.pk for row in client.get(url, query).context["rows"]}

    assert shown() == {first.pk, second.pk}  # open ones by default
    assert shown(kind="slip_reissue", status="") == {first.pk, done.pk}
    assert shown(kind="", status="done") == {done.pk}
    page = client.get(url).content.decode()
    assert "000555001" in page
    assert "国民健康保険料（N-77）" in page
    assert "処理済みにする" in page


def test_staff_mark_done_from_the_list(client, staff, operator, person):
    request = slip(operator, person)
    sign_in(client, staff)
    response = client.post(reverse("dunning:staff_request_done", args=[request.pk]))
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == StaffRequestStatus.DONE


def test_supervisors_read_the_list_but_cannot_mark_done(client, supervisor, operator, person):
    request = slip(operator, person)
    sign_in(client, supervisor)
    page = client.get(reverse("dunning:staff_requests"))
    assert page.status_code == 200
    assert "処理済みにする" not in page.content.decode()
    assert "Excel をダウンロード" in page.content.decode()
    response = client.post(reverse("dunning:staff_request_done", args=[request.pk]))
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["operator", "visitor", "inspector", "admin"])
def test_other_roles_get_403(client, users_by_role, role):
    sign_in(client, users_by_role[role])
    assert client.get(reverse("dunning:staff_requests")).status_code == 403
