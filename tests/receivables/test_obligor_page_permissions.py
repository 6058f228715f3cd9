"""Permission matrix of /obligors/<id>/ (the matrix test cannot walk URLs with converters).

Outside their scope, roles that work with obligors get 404 — the same answer as for an id that
does not exist — so the page never confirms that a person is in the system. Inspectors and
administrators see no obligor data at all: 403 whatever the id.
"""

import pytest

from civicdesk.audit.models import AccessAction, AccessLogEntry
from tests.conftest import sign_in
from tests.factories import MunicipalityFactory
from tests.registry.factories import AccountFactory, ObligorFactory

pytestmark = pytest.mark.django_db

MISSING_ID = 999_999


@pytest.fixture
def obligors(municipality):
    def owing(revenue_type, municipality=municipality):
        obligor = ObligorFactory(municipality=municipality)
        AccountFactory(obligor=obligor, revenue_type=revenue_type)
        return obligor

    other_city = MunicipalityFactory(code="131091", name="品川区")
    return {
        "nhi": owing("nhi"),
        "resident_tax": owing("resident_tax"),
        "other_city": owing("nhi", municipality=other_city),
    }


@pytest.fixture
def everyone(users_by_role, outsider):
    return {**users_by_role, "outsider": outsider}


# role -> (obligors it may open, obligors outside its scope)
SCOPES = {
    "operator": (["nhi"], ["resident_tax", "other_city"]),
    "visitor": (["nhi"], ["resident_tax", "other_city"]),
    "outsider": (["resident_tax"], ["nhi", "other_city"]),
    "supervisor": (["nhi", "resident_tax"], ["other_city"]),
    "staff": (["nhi", "resident_tax"], ["other_city"]),
}


@pytest.mark.parametrize("role", sorted(SCOPES))
def test_roles_open_obligors_in_scope_and_get_404_outside_it(client, everyone, obligors, role):
    sign_in(client, everyone[role])
    inside, outside = SCOPES[role]
    for key in inside:
        assert client.get(f"/obligors/{obligors[key].pk}/").status_code == 200, key
    for key in outside:
        assert client.get(f"/obligors/{obligors[key].pk}/").status_code == 404, key
    assert client.get(f"/obligors/{MISSING_ID}/").status_code == 404
    # Only the pages actually shown are logged as views.
    assert AccessLogEntry.objects.filter(action=AccessAction.VIEW).count() == len(inside)


@pytest.mark.parametrize("role", ["inspector", "admin"])
def test_inspector_and_admin_get_403_for_any_obligor(client, everyone, obligors, role):
    sign_in(client, everyone[role])
    for obligor in obligors.values():
        assert client.get(f"/obligors/{obligor.pk}/").status_code == 403
    assert client.get(f"/obligors/{MISSING_ID}/").status_code == 403
    assert not AccessLogEntry.objects.filter(action=AccessAction.VIEW).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, obligors):
    response = client.get(f"/obligors/{obligors['nhi'].pk}/")
    assert response.status_code == 302 and "login" in response.url


def test_out_of_scope_and_missing_obligors_get_the_same_answer(client, operator, obligors):
    sign_in(client, operator)
    hidden = client.get(f"/obligors/{obligors['resident_tax'].pk}/")
    missing = client.get(f"/obligors/{MISSING_ID}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
