"""Content-Security-Policy (issue 8 §7): the header is on every response, and the main pages
carry nothing the policy would block — no inline script, inline event handler or style
attribute (script-src 'self', style-src 'self')."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from civicdesk.core.services import setup_demo_calendars
from tests.conftest import sign_in
from tests.dunning.factories import CampaignFactory, VisitListFactory, VisitStopFactory
from tests.registry.factories import AccountFactory, InstallmentFactory, ObligorFactory
from tests.sms.factories import SmsBatchFactory, SmsMessageFactory, SmsTemplateFactory

pytestmark = pytest.mark.django_db

CSP = "civicdesk.core.middleware.ContentSecurityPolicyMiddleware"
# Read at import, before the fixture below adds the middleware: what settings.py installs.
PROJECT_MIDDLEWARE = tuple(settings.MIDDLEWARE)


@pytest.fixture(autouse=True)
def _csp_on(settings):
    """The policy as settings.py installs it (first, so that every response gets it)."""
    if CSP not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [CSP, *settings.MIDDLEWARE]


class InlineFinder(HTMLParser):
    """Collects what the policy blocks: <script> without src, <style>, on*= and style=."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script":
            self.scripts += 1
            if "src" not in names:
                self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name in names:
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}=…>")


def inline_parts(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def test_the_finder_sees_every_kind_of_inline_code():
    # The check below would pass on anything if the finder found nothing.
    html = (
        '<script>alert(1)</script><script src="/static/x.js"></script><style>p{}</style>'
        '<p style="color:red">x</p><button onclick="go()">y</button>'
    )
    assert len(inline_parts(html)) == 4


def test_every_response_carries_the_policy_signed_in_or_not(client, operator):
    for url in ("/accounts/login/", "/healthz", "/no-such-page/", "/api/calls/inbound"):
        header = client.get(url).headers.get("Content-Security-Policy")
        assert header, url
    policy = directives(header)
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["default-src"] == "'self'"
    assert "unsafe" not in header


def test_settings_install_the_policy_first():
    assert CSP in PROJECT_MIDDLEWARE
    assert PROJECT_MIDDLEWARE.index(CSP) <= 1


def test_htmx_is_told_not_to_add_its_own_styles(client, operator):
    sign_in(client, operator)
    page = client.get("/").content.decode()
    assert re.search(
        r'<meta name="htmx-config" content=\'\{"includeIndicatorStyles": false\}\'>', page
    )
    css = (settings.STATICFILES_DIRS[0] / "civicdesk" / "civicdesk.css").read_text()
    assert ".htmx-indicator" in css


# --- The main pages ---------------------------------------------------------------------------


@pytest.fixture
def calendars(municipality):
    return setup_demo_calendars(acting_user=None, municipality=municipality)


@pytest.fixture
def obligor(municipality):
    person = ObligorFactory(municipality=municipality, name="江東 花子")
    account = AccountFactory(obligor=person, revenue_type="nhi")
    InstallmentFactory(account=account, assessed=12_000, due_date=dt.date(2025, 4, 30))
    return person


def assert_no_inline_code(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert "<script" in html or "<html" in html  # a page, not an empty answer
    assert inline_parts(html) == [], url
    return html


def test_home_and_calendar_have_no_inline_code(client, operator, calendars):
    sign_in(client, operator)
    html = assert_no_inline_code(client, reverse("core:home"))
    assert "civicdesk/civicdesk.js" in html
    assert_no_inline_code(client, reverse("core:calendar"))


def test_the_case_page_has_no_inline_code_and_loads_its_keys_from_a_file(
    client, operator, obligor, calendars
):
    sign_in(client, operator)
    html = assert_no_inline_code(client, reverse("dunning:case", args=[obligor.pk]))
    assert "江東 花子" in html


def test_the_visit_stop_has_no_inline_code_and_loads_its_form_script(
    client, municipality, visitor, obligor, calendars
):
    campaign = CampaignFactory(municipality=municipality, channel="visit", script="ご案内")
    visit_list = VisitListFactory(municipality=municipality, visitor=visitor, campaign=campaign)
    stop = VisitStopFactory(visit_list=visit_list, work_item__obligor=obligor)
    stop.work_item.accounts.set(obligor.accounts.all())
    sign_in(client, visitor)
    html = assert_no_inline_code(client, reverse("dunning:visit_stop", args=[stop.pk]))
    assert "civicdesk/visit-form.js" in html


def test_the_sms_batch_page_asks_before_cancelling_without_an_inline_handler(
    client, municipality, supervisor, calendars
):
    campaign = CampaignFactory(municipality=municipality, channel="sms")
    template = SmsTemplateFactory(municipality=municipality)
    batch = SmsBatchFactory(
        municipality=municipality, campaign=campaign, template=template, total=3
    )
    SmsMessageFactory.create_batch(3, batch=batch)
    sign_in(client, supervisor)
    html = assert_no_inline_code(client, reverse("sms:batch", args=[batch.pk]))
    assert re.search(r'id="sms-cancel"[^>]*data-confirm="この送信を中止します', html)


def test_the_reports_pages_have_no_inline_code(client, supervisor, calendars):
    sign_in(client, supervisor)
    html = assert_no_inline_code(client, reverse("reports:index"))
    assert_no_inline_code(client, reverse("reports:monthly", args=["2025-05"]))
    assert_no_inline_code(client, reverse("reports:daily", args=["2025-05-01"]))
    assert html


def test_the_sign_in_page_and_the_error_pages_have_no_inline_code(client):
    assert inline_parts(client.get("/accounts/login/").content.decode()) == []
    assert inline_parts(client.get("/no-such-page/").content.decode()) == []
