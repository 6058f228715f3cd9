"""The public host serves /yoyaku/ and nothing else: its URLconf, walked pattern by pattern,
holds no staff name, namespace or path, and no staff address resolves there. Its settings drop
the staff middleware and the admin; its urls module can also be mounted on the staff site."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, URLPattern, URLResolver, get_resolver, reverse
from django.urls import include as url_include

from civicdesk import public_settings
from civicdesk.cards.public import urls as public_urls
from tests.cards.factories_public import public_site  # noqa: F401  (fixture)

SITE = "civicdesk.cards.public.site_urls"
STAFF_NAMESPACES = {
    "admin", "accounts", "core", "privacy", "registry", "receivables", "obligors", "dunning",
    "sms", "counter", "cards", "reports", "oversight", "demo",
}  # fmt: skip
STAFF_PATHS = [
    "/admin/", "/admin/login/", "/accounts/login/", "/cards/", "/counter/", "/dunning/",
    "/privacy/", "/reports/", "/receivables/", "/obligors/", "/sms/", "/api/", "/api/schema/",
    "/api/calls/inbound", "/static/../admin/",
]  # fmt: skip


def walk(patterns, prefix="", namespaces=()):
    """(route, namespaces, name) of every end point under ``patterns``."""
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            spaces = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from walk(entry.url_patterns, route, spaces)
        else:
            assert isinstance(entry, URLPattern)
            yield route, namespaces, entry.name


def test_every_route_of_the_public_host_is_under_yoyaku_in_its_own_namespace():
    routes = list(walk(get_resolver(SITE).url_patterns))
    assert len(routes) >= 7
    for route, namespaces, name in routes:
        if route == "":  # the bare host leads to the sign-in
            assert name is None
            continue
        assert route.startswith("yoyaku/"), route
        assert namespaces == ("yoyaku",), (route, namespaces)
        assert not STAFF_NAMESPACES & set(namespaces)


@pytest.mark.parametrize("path", STAFF_PATHS)
def test_no_staff_address_resolves_on_the_public_host(path):
    with pytest.raises(Resolver404):
        get_resolver(SITE).resolve(path)


@pytest.mark.parametrize("name", ["accounts:login", "admin:index", "cards:index", "core:home"])
def test_no_staff_name_reverses_on_the_public_host(name):
    with pytest.raises(NoReverseMatch):
        reverse(name, urlconf=SITE)


def test_the_public_settings_use_that_urlconf_without_staff_middleware_or_admin():
    assert public_settings.ROOT_URLCONF == SITE
    assert public_settings.WSGI_APPLICATION == "civicdesk.public_wsgi.application"
    assert "django.contrib.admin" not in public_settings.INSTALLED_APPS
    staff_only = {
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
        "django_otp.middleware.OTPMiddleware",
        "civicdesk.accounts.middleware.RequireVerifiedLoginMiddleware",
        "civicdesk.core.ratelimit.RateLimitMiddleware",
        "civicdesk.core.middleware.AllowedNetworksMiddleware",
        "axes.middleware.AxesMiddleware",
    }
    assert not staff_only & set(public_settings.MIDDLEWARE)
    assert "civicdesk.core.middleware.ContentSecurityPolicyMiddleware" in public_settings.MIDDLEWARE
    assert public_settings.SESSION_COOKIE_NAME != "sessionid"
    assert public_settings.CSRF_COOKIE_NAME != "csrftoken"
    processors = public_settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
    assert not [p for p in processors if p.startswith("civicdesk.")]


def test_the_public_wsgi_entry_point_forces_the_public_settings():
    source = (public_settings.PACKAGE_DIR / "public_wsgi.py").read_text()
    assert 'os.environ["DJANGO_SETTINGS_MODULE"] = "civicdesk.public_settings"' in source


def test_the_pages_module_is_includable_as_yoyaku():
    _module, app_name, namespace = url_include("civicdesk.cards.public.urls")
    assert app_name == namespace == public_urls.app_name == "yoyaku"
    names = {entry.name for entry in public_urls.urlpatterns}
    assert {"signin", "home", "slots", "book", "change", "cancel", "signout"} <= names


@pytest.mark.django_db
@pytest.mark.usefixtures("public_site")
def test_the_public_hosts_own_404_and_csrf_pages_are_japanese_and_link_no_staff_page():
    missing = Client().get("/accounts/login/")
    assert missing.status_code == 404
    assert "ページが見つかりません" in missing.content.decode()
    assert "/accounts/" not in missing.content.decode()
    refused = Client(enforce_csrf_checks=True).post("/yoyaku/", {"reservation_no": "K1"})
    assert refused.status_code == 403
    assert "もう一度お試しください" in refused.content.decode()
    assert 'href="/yoyaku/"' in refused.content.decode()


def test_the_bare_public_host_leads_to_the_sign_in():
    match = get_resolver(SITE).resolve("/")
    assert match.func.view_initkwargs["pattern_name"] == "yoyaku:signin"
