"""The navigation shows a role exactly the pages it may open without a parameter.

Who may open which URL is one table, tests/test_access_matrix.py ``TABLE`` (every URL pattern,
parameters included, every role, anonymous and outsiders); this file only holds the menu to it.
"""

import pytest
from django.urls import reverse

from civicdesk.accounts.navigation import CARD_ITEMS, COUNTER_ITEMS
from tests.conftest import sign_in
from tests.test_access_matrix import TABLE

pytestmark = pytest.mark.django_db

ROLES = [
    "operator",
    "visitor",
    "reception",
    "counter_clerk",
    "cashier",
    "card_operator",
    "venue_clerk",
    "supervisor",
    "staff",
    "inspector",
    "admin",
]
# Pages that are parts of others (htmx panels, the forms behind a button): not in the menu.
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
    # The privacy section (個人情報管理): one menu entry, privacy:index, lists its pages
    # (accounts.navigation.PRIVACY_ITEMS); their forms are reached from them.
    "privacy:access_log",
    "privacy:alerts",
    "accounts:rosters",
    "accounts:roster_new",
    "privacy:export_requests",
    "privacy:export_inbox",
    "privacy:handover_register",
    "privacy:incidents",
    "privacy:incident_new",
    "privacy:status_reports",
    "privacy:purge_plans",
    "privacy:purge_plan_new",
    # The counters' panels, forms and files, reached from their pages.
    "counter:desk_waiting",
    "counter:congestion_panel",
    "counter:bereavement_book",
    "counter:day_total_pdf",
    # The card pages' forms, reached from their pages (the disclosure register's 「新規登録」).
    "cards:disclosure_new",
}
# 窓口業務 (counter:index) lists a role's counter pages its menu does not show.
COUNTER_SECTION = {item.url_name for item in COUNTER_ITEMS}


def counter_section_of(role: str) -> set[str]:
    return {item.url_name for item in COUNTER_ITEMS if role in item.roles}


# カード交付業務 (cards:index) lists a role's card pages its menu does not show.
CARD_SECTION = {item.url_name for item in CARD_ITEMS}


def card_section_of(role: str) -> set[str]:
    return {item.url_name for item in CARD_ITEMS if role in item.roles}


def pages_the_role_may_open(role: str) -> set[str]:
    """GET rows without parameters that answer the role 200 (the table's operator and visitor
    columns are of the NHI team, as are conftest's operator and visitor)."""
    return {
        name
        for name, row in TABLE.items()
        if row.method == "GET" and row.world_key is None and row.statuses[role] == 200
    }


def test_every_page_left_out_of_the_navigation_is_in_the_table():
    assert set(TABLE) >= NOT_IN_NAVIGATION


@pytest.mark.parametrize("role", ROLES)
def test_navigation_shows_only_what_the_role_may_open(client, users_by_role, settings, role):
    settings.ROSTER_REQUIRED = False  # the roster rule has its own tests
    sign_in(client, users_by_role[role])
    nav = client.get(reverse("core:home")).context["shell_nav"]
    shown = {item.url_name for item in nav}
    assert shown == (
        pages_the_role_may_open(role)
        - NOT_IN_NAVIGATION
        - counter_section_of(role)
        - card_section_of(role)
    )


PRIVACY_SECTION = {
    name for name in NOT_IN_NAVIGATION if name.startswith(("privacy:", "accounts:roster"))
} - {
    "privacy:export_inbox",
    "privacy:incident_new",
    "privacy:purge_plan_new",
    "accounts:roster_new",
}


@pytest.mark.parametrize("role", ROLES)
def test_the_privacy_section_lists_only_what_the_role_may_open(
    client, users_by_role, settings, role
):
    settings.ROSTER_REQUIRED = False
    sign_in(client, users_by_role[role])
    expected = pages_the_role_may_open(role) & PRIVACY_SECTION
    response = client.get(reverse("privacy:index"))
    if not expected:
        assert response.status_code == 403
        return
    listed = {item.url_name for item in response.context["items"]}
    assert listed == expected
    for name in expected:
        assert f'href="{reverse(name)}"' in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_each_counter_page_a_role_may_open_is_in_its_menu_or_on_its_counter_page(
    client, users_by_role, settings, role
):
    settings.ROSTER_REQUIRED = False
    sign_in(client, users_by_role[role])
    may_open = pages_the_role_may_open(role)
    expected = counter_section_of(role)
    assert expected <= may_open, expected - may_open
    nav = {item.url_name for item in client.get(reverse("core:home")).context["shell_nav"]}
    assert not (nav & expected)  # once: in the menu or on the section page
    assert (may_open & COUNTER_SECTION) - nav == expected
    response = client.get(reverse("counter:index"))
    if not expected:
        assert response.status_code == 403
        return
    listed = {item.url_name for item in response.context["items"]}
    assert listed == expected


@pytest.mark.parametrize("role", ROLES)
def test_each_card_page_a_role_may_open_is_in_its_menu_or_on_its_card_page(
    client, users_by_role, settings, role
):
    settings.ROSTER_REQUIRED = False
    sign_in(client, users_by_role[role])
    may_open = pages_the_role_may_open(role)
    expected = card_section_of(role)
    assert expected <= may_open, expected - may_open
    nav = {item.url_name for item in client.get(reverse("core:home")).context["shell_nav"]}
    assert not (nav & expected)  # once: in the menu or on the section page
    assert (may_open & CARD_SECTION) - nav == expected
    response = client.get(reverse("cards:index"))
    if not expected:
        assert response.status_code == 403
        return
    listed = {item.url_name for item in response.context["items"]}
    assert listed == expected
