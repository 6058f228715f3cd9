"""The 受電 page: pops for the right operator and in-scope obligors only, search, record a call."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from civicdesk.audit.models import AccessLogEntry
from civicdesk.dunning.models import InboundCall
from civicdesk.dunning.selectors.inbound import pops_for
from civicdesk.dunning.services.inbound import announce_inbound_call, take_inbound_call
from tests.conftest import sign_in
from tests.factories import UserFactory
from tests.registry.factories import AccountFactory, ObligorFactory, PhoneFactory

pytestmark = pytest.mark.django_db

NUMBER = "03-3647-9111"


def expected_case_link(obligor_pk, call_pk):
    return reverse("dunning:case", args=[obligor_pk]) + f"?inbound={call_pk}"


@pytest.fixture
def callers(municipality):
    """Two people sharing one landline: one with nhi, one with resident tax only."""
    nhi = ObligorFactory(municipality=municipality, name="国保 太郎", resident_no="000900001")
    AccountFactory(obligor=nhi, revenue_type="nhi")
    PhoneFactory(obligor=nhi, display=NUMBER)
    tax = ObligorFactory(municipality=municipality, name="住民 次郎", resident_no="000900002")
    AccountFactory(obligor=tax, revenue_type="resident_tax")
    PhoneFactory(obligor=tax, display=NUMBER)
    return {"nhi": nhi, "tax": tax}


@pytest.fixture
def colleague(municipality, nhi_team):
    return UserFactory(
        username="operator2", role="operator", municipality=municipality, team=nhi_team
    )


def test_a_call_put_through_to_one_operator_pops_only_for_them(operator, colleague, callers):
    call = announce_inbound_call(caller=NUMBER, operator_username=operator.username)
    assert [pop.call for pop in pops_for(operator)] == [call]
    assert pops_for(colleague) == []


def test_a_call_for_nobody_in_particular_pops_for_every_operator(operator, colleague, callers):
    call = announce_inbound_call(caller=NUMBER)
    assert [pop.call for pop in pops_for(operator)] == [call]
    assert [pop.call for pop in pops_for(colleague)] == [call]


def test_pops_show_only_obligors_in_the_operators_scope(operator, outsider, callers):
    announce_inbound_call(caller=NUMBER)
    (mine,) = pops_for(operator)
    assert [o.resident_no for o in mine.obligors] == ["000900001"]
    (theirs,) = pops_for(outsider)
    assert [o.resident_no for o in theirs.obligors] == ["000900002"]
    assert mine.obligors[0].name == "国保 太郎"


def test_old_and_taken_calls_no_longer_pop(operator, colleague, callers):
    now = timezone.now()
    announce_inbound_call(caller=NUMBER, now=now - dt.timedelta(minutes=11))
    taken = announce_inbound_call(caller=NUMBER, now=now - dt.timedelta(minutes=1))
    fresh = announce_inbound_call(caller=NUMBER, now=now - dt.timedelta(minutes=9))
    take_inbound_call(acting_user=colleague, call=taken)
    assert [pop.call for pop in pops_for(operator, now=now)] == [fresh]


def test_a_call_taken_by_someone_else_cannot_be_taken_again(operator, colleague, callers):

    call = announce_inbound_call(caller=NUMBER)
    take_inbound_call(acting_user=colleague, call=call)
    take_inbound_call(acting_user=colleague, call=call)  # twice by the same person is fine
    with pytest.raises(ValidationError):
        take_inbound_call(acting_user=operator, call=call)


def test_the_page_shows_the_pop_with_a_link_to_the_case(client, operator, callers):
    call = announce_inbound_call(caller=NUMBER, operator_username=operator.username)
    sign_in(client, operator)
    content = client.get(reverse("dunning:inbound")).content.decode()
    assert "03-3647-9111" in content
    assert "000900001" in content
    assert "000900002" not in content  # resident tax is another team's
    link = expected_case_link(callers["nhi"].pk, call.pk)
    if link is None:
        assert "?inbound=" not in content
    else:
        assert f'href="{link}"' in content


def test_the_pops_partial_is_polled_every_three_seconds(client, operator, callers):
    sign_in(client, operator)
    page = client.get(reverse("dunning:inbound")).content.decode()
    assert f'hx-get="{reverse("dunning:inbound_pops")}"' in page
    assert 'hx-trigger="every 3s"' in page
    assert f'href="{reverse("dunning:inbound")}"' in page  # the reload link without JS
    announce_inbound_call(caller=NUMBER)
    partial = client.get(reverse("dunning:inbound_pops"))
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()
    assert "000900001" in partial.content.decode()


def test_a_pop_is_logged_once_per_operator_however_often_it_is_polled(client, operator, callers):
    call = announce_inbound_call(caller=NUMBER)
    sign_in(client, operator)
    for _ in range(3):
        client.get(reverse("dunning:inbound_pops"))
    entries = AccessLogEntry.objects.filter(
        object_type="dunning.inboundcall", object_id=str(call.pk), action="view"
    )
    assert entries.count() == 1
    assert entries.get().fields == ["name", "phone", "resident_no"]


@pytest.mark.parametrize("query", ["0336479111", "03 3647 9111", "０３－３６４７－９１１１"])
def test_search_finds_the_caller_by_number_in_any_notation(client, operator, callers, query):
    sign_in(client, operator)
    response = client.post(reverse("dunning:inbound"), {"query": query, "kind": "auto"})
    result = response.context["result"]
    assert [o.resident_no for o in result.obligors] == ["000900001"]
    entry = AccessLogEntry.objects.filter(action="search").latest("seq")
    assert entry.reason.startswith("受電検索: ")
    assert query not in entry.reason and "9111" not in entry.reason


def test_search_by_kana_resident_no_and_case_no(client, operator, callers):
    account = callers["nhi"].accounts.get()
    sign_in(client, operator)
    for query in ["ヤマダ", "000900001", account.case_no]:
        response = client.post(reverse("dunning:inbound"), {"query": query, "kind": "auto"})
        assert [o.pk for o in response.context["result"].obligors] == [callers["nhi"].pk], query


def test_search_never_runs_from_the_url(client, operator, callers):
    sign_in(client, operator)
    response = client.get(reverse("dunning:inbound"), {"query": "000900001", "kind": "auto"})
    assert response.context["result"] is None
    assert not AccessLogEntry.objects.filter(action="search").exists()


def test_recording_a_call_without_the_pbx_goes_to_the_case(client, operator, callers):
    sign_in(client, operator)
    obligor = callers["nhi"]
    response = client.post(reverse("dunning:inbound_record", args=[obligor.pk]))
    call = InboundCall.objects.get()
    assert call.taken_by == operator and call.operator == operator
    assert list(call.matches.all()) == [obligor]
    link = expected_case_link(obligor.pk, call.pk)
    assert response.status_code == 302
    assert response.url == (link or reverse("dunning:inbound"))


def test_recording_a_call_for_someone_outside_the_scope_is_404(client, operator, callers):
    sign_in(client, operator)
    response = client.post(reverse("dunning:inbound_record", args=[callers["tax"].pk]))
    assert response.status_code == 404
    assert not InboundCall.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [("operator", 200), ("supervisor", 200), ("visitor", 403), ("staff", 403), ("inspector", 403)],
)
def test_who_may_open_the_inbound_page(client, users_by_role, role, status):
    sign_in(client, users_by_role[role])
    assert client.get(reverse("dunning:inbound")).status_code == status
    assert client.get(reverse("dunning:inbound_pops")).status_code == status


# --- The banner on every page ----------------------------------------------------------------


def test_every_page_of_an_operator_asks_for_waiting_calls_but_the_inbound_page(
    client, operator, callers
):
    sign_in(client, operator)
    banner = reverse("dunning:inbound_banner")
    assert banner in client.get(reverse("core:home")).content.decode()
    assert banner in client.get(reverse("dunning:case", args=[callers["nhi"].pk])).content.decode()
    assert banner not in client.get(reverse("dunning:inbound")).content.decode()


def test_roles_without_the_inbound_page_get_no_banner(client, visitor, staff):
    for user in (visitor, staff):
        client.logout()
        sign_in(client, user)
        assert reverse("dunning:inbound_banner") not in client.get("/").content.decode()


def test_the_banner_counts_the_users_waiting_calls_and_names_nobody(
    client, operator, outsider, municipality, callers
):
    now = timezone.now()
    mine = announce_inbound_call(caller=NUMBER, operator_username=operator.username, now=now)
    anyone = announce_inbound_call(caller="090-0000-1111", now=now)
    announce_inbound_call(caller=NUMBER, operator_username=outsider.username, now=now)
    taken = announce_inbound_call(caller=NUMBER, now=now)
    take_inbound_call(acting_user=operator, call=taken)
    old = announce_inbound_call(caller=NUMBER, now=now - dt.timedelta(minutes=30))
    expected = InboundCall.objects.filter(
        pk__in=[mine.pk, anyone.pk, taken.pk, old.pk],
        taken_by__isnull=True,
        received_at__gt=now - dt.timedelta(minutes=10),
    ).count()
    assert expected == 2
    sign_in(client, operator)
    page = client.get(reverse("dunning:inbound_banner")).content.decode()
    assert f"未対応 {expected} 件" in page
    assert "国保" not in page and "住民" not in page and NUMBER not in page


def test_without_waiting_calls_the_banner_is_empty(client, operator):
    sign_in(client, operator)
    assert client.get(reverse("dunning:inbound_banner")).content.decode().strip() == ""
