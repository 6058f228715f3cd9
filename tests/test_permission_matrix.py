"""Who may open which page. Every named URL must appear here, so a new view cannot slip by."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

ROLES = ["operator", "visitor", "supervisor", "staff", "inspector", "admin"]
EVERYONE = set(ROLES)

# url name -> roles that get 200; every other signed-in role gets 403 (or the admin's
# redirect to its login), and anonymous visitors are sent to the login page.
MATRIX = {
    "core:home": EVERYONE,
    "core:calendar": EVERYONE,
    "privacy:access_log": {"inspector", "admin"},
    "registry:search": {"operator", "visitor", "supervisor", "staff"},
    "receivables:imports": {"staff"},
    "admin:index": {"admin"},
}
PUBLIC = {"core:healthz"}
SIGN_IN_FLOW = {"accounts:login", "accounts:verify", "accounts:enrol", "accounts:logout"}


def named_urls(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            if ns == "admin":
                continue  # the admin guards itself; its index stands for it in MATRIX
            yield from named_urls(pattern, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.converters:
            yield f"{namespace}{pattern.name}"


def test_every_named_url_is_in_the_matrix():
    unknown = set(named_urls()) - set(MATRIX) - PUBLIC - SIGN_IN_FLOW
    assert not unknown, f"add these views to the permission matrix: {sorted(unknown)}"


@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_anonymous_visitors_are_sent_to_sign_in(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert "login" in response.url


@pytest.mark.parametrize("url_name", sorted(PUBLIC))
def test_public_urls_answer_without_sign_in(client, url_name):
    assert client.get(reverse(url_name)).status_code == 200


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_role_access(client, users_by_role, url_name, role):
    sign_in(client, users_by_role[role])
    response = client.get(reverse(url_name))
    if role in MATRIX[url_name]:
        assert response.status_code == 200
    elif url_name.startswith("admin:"):
        assert response.status_code == 302 and "login" in response.url
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_navigation_shows_only_what_the_role_may_open(client, users_by_role, role):
    sign_in(client, users_by_role[role])
    nav = client.get(reverse("core:home")).context["shell_nav"]
    shown = {item.url_name for item in nav}
    assert shown == {name for name, allowed in MATRIX.items() if role in allowed}
