"""Who may open which page. Every named URL must appear here, so a new view cannot slip by."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

ROLES = ["operator", "visitor", "supervisor", "staff", "inspector", "admin"]
EVERYONE = set(ROLES)

# url name -> roles that get 200; every other signed-in role gets 403 (or the admin's
# redirect to its login), and anonymous visitors are sent to the login page.
CASE_WORKERS = {"operator", "visitor", "supervisor"}
# 「次の案件」 is for calls: visitors work visit campaigns from their day's visit list.
QUEUE_WORKERS = {"operator", "supervisor"}
# SMS pages: the center's supervisors send; staff and inspectors follow (ADR 0010).
SMS_READERS = {"supervisor", "staff", "inspector"}
# Reports are for the municipality; the center's supervisors write them (issue 7).
REPORT_READERS = {"supervisor", "staff", "inspector"}
MATRIX = {
    "core:home": EVERYONE,
    "core:calendar": EVERYONE,
    "privacy:access_log": {"inspector", "admin"},
    "privacy:alerts": {"inspector", "admin"},
    "registry:search": {"operator", "visitor", "supervisor", "staff"},
    "receivables:imports": {"staff"},
    "admin:index": {"admin"},
    "dunning:campaigns": EVERYONE - {"admin"},
    "dunning:campaign_new": {"supervisor"},
    "dunning:work": QUEUE_WORKERS,
    "dunning:visit_lists": {"visitor", "supervisor"},
    "dunning:visit_list_new": {"visitor", "supervisor"},
    "dunning:no_effect": {"supervisor", "staff"},
    "dunning:hand_overs": CASE_WORKERS | {"staff"},
    "dunning:staff_requests": {"supervisor", "staff"},
    "dunning:staff_requests_export": {"supervisor", "staff"},
    "dunning:inbound": {"operator", "supervisor"},
    "dunning:inbound_pops": {"operator", "supervisor"},
    "dunning:inbound_banner": {"operator", "supervisor"},
    "dunning:live": {"supervisor", "staff"},
    "dunning:live_panel": {"supervisor", "staff"},
    "dunning:letter_batches": {"supervisor", "staff", "inspector"},
    "sms:batches": SMS_READERS,
    "sms:templates": SMS_READERS,
    "sms:template_new": {"supervisor", "staff"},
    "sms:optouts": SMS_READERS,
    "sms:replies": SMS_READERS,
    "reports:index": REPORT_READERS,
    "reports:dashboard": REPORT_READERS,
    "reports:dashboard_panel": REPORT_READERS,
}
# Pages that are parts of others (htmx panels, the export form): not in the menu.
NOT_IN_NAVIGATION = {
    "dunning:campaign_new",
    "dunning:visit_list_new",
    "dunning:staff_requests_export",
    "dunning:inbound_pops",
    "dunning:inbound_banner",
    "dunning:live_panel",
    # The SMS section's tabs (templates/sms/_tabs.html) under the one menu entry 「SMS」.
    "sms:templates",
    "sms:template_new",
    "sms:optouts",
    "sms:replies",
    "reports:dashboard_panel",
}
# POST-only actions without a parameter: allowed roles get past the permission check (any
# answer but 403), others get 403; a GET is refused with 405 for everyone signed in.
POST_ONLY = {
    "dunning:work_next": QUEUE_WORKERS,
    "dunning:letter_batch_new": {"supervisor"},
    "sms:batch_new": {"supervisor"},
    "sms:template_preview": {"supervisor", "staff"},
}
# The machine API authenticates with tokens (tests/dunning/test_inbound_api.py): never a
# redirect to the sign-in page.
API = {"api-calls-inbound", "api-sms-receipts"}
# The OpenAPI schema: every signed-in user; DRF answers 403 (not a redirect) to anyone else.
SCHEMA = "api-schema"
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
    known = set(MATRIX) | set(POST_ONLY) | API | {SCHEMA} | PUBLIC | SIGN_IN_FLOW
    unknown = set(named_urls()) - known
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
    expected = {
        name
        for name, allowed in MATRIX.items()
        if role in allowed and name not in NOT_IN_NAVIGATION
    }
    assert shown == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", sorted(POST_ONLY))
def test_post_only_actions(client, users_by_role, url_name, role):
    assert client.post(reverse(url_name)).status_code == 302  # anonymous: to sign-in
    sign_in(client, users_by_role[role])
    status = client.post(reverse(url_name)).status_code
    if role in POST_ONLY[url_name]:
        assert status != 403
        assert client.get(reverse(url_name)).status_code == 405
    else:
        assert status == 403


@pytest.mark.parametrize("url_name", sorted(API))
def test_the_machine_api_never_sends_machines_to_the_sign_in_page(client, url_name):
    response = client.post(reverse(url_name), {}, content_type="application/json")
    assert response.status_code in (401, 503)


@pytest.mark.parametrize("role", ROLES)
def test_the_api_schema_is_for_signed_in_users(client, users_by_role, role):
    assert client.get(reverse(SCHEMA)).status_code == 403
    sign_in(client, users_by_role[role])
    response = client.get(reverse(SCHEMA))
    assert response.status_code == 200
    assert b"/api/calls/inbound" in response.content
