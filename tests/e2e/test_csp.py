"""In Chromium with the Content-Security-Policy on: signing in, a visit stop (its form script)
and an SMS batch (its confirmation) work, and the browser reports no violation — no inline
script, handler or style that the policy would block."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from civicdesk.core.middleware import CONTENT_SECURITY_POLICY
from civicdesk.core.services import setup_demo_calendars
from tests.dunning.factories import CampaignFactory, VisitListFactory, VisitStopFactory
from tests.e2e.test_visit_result_tablet import sign_in
from tests.registry.factories import AccountFactory, InstallmentFactory, ObligorFactory
from tests.sms.factories import SmsBatchFactory, SmsMessageFactory, SmsTemplateFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collects the browser's own violation reports, whatever the console says.
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture
def strict(page):
    """The page with the policy on every response (added here when the server does not send it
    yet, so the pages are checked however the middleware is installed) and the violations."""
    violations: list[str] = []

    def with_policy(route):
        response = route.fetch(max_redirects=0)
        headers = {key.lower(): value for key, value in response.headers.items()}
        headers.setdefault("content-security-policy", CONTENT_SECURITY_POLICY)
        route.fulfill(response=response, headers=headers)

    page.route("**/*", with_policy)
    page.add_init_script(WATCH)
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page, violations


def reported(page, violations) -> list[str]:
    return violations + page.evaluate("() => window.__cspViolations || []")


def test_the_watch_sees_an_inline_script_and_an_inline_style(strict, live_server):
    # The assertions below would pass on anything if a violation went unnoticed.
    page, violations = strict
    page.route(
        "**/csp-probe",
        lambda route: route.fulfill(
            body='<!doctype html><p style="color:red">x</p><script>document.title="ran"</script>',
            headers={
                "content-type": "text/html",
                "content-security-policy": CONTENT_SECURITY_POLICY,
            },
        ),
    )
    page.goto("/csp-probe")
    assert page.title() != "ran"
    found = reported(page, violations)
    assert any("script-src" in line for line in found), found
    assert any("style-src" in line for line in found), found


def test_sign_in_home_and_a_visit_stop_run_under_the_policy(strict, municipality, visitor):
    page, violations = strict
    setup_demo_calendars(acting_user=None, municipality=municipality)
    campaign = CampaignFactory(municipality=municipality, channel="visit", script="ご案内です。")
    visit_list = VisitListFactory(municipality=municipality, visitor=visitor, campaign=campaign)
    obligor = ObligorFactory(municipality=municipality, name="訪問 一郎")
    account = AccountFactory(obligor=obligor, revenue_type="nhi")
    InstallmentFactory(account=account, assessed=8_000, due_date=dt.date(2025, 4, 30))
    stop = VisitStopFactory(visit_list=visit_list, work_item__obligor=obligor, position=1)
    stop.work_item.accounts.set([account])

    sign_in(page, visitor)
    expect(page.locator(".shell-role")).to_have_text("訪問員")
    page.wait_for_function('() => typeof htmx === "object"')  # htmx loaded and ran
    page.goto(reverse("dunning:visit_stop", args=[stop.pk]))
    # visit-form.js ran: only the chosen result's fields show.
    expect(page.get_by_role("heading", name="不在のとき")).to_be_hidden()
    page.get_by_test_id("result-absent").click()
    expect(page.get_by_role("heading", name="不在のとき")).to_be_visible()
    assert reported(page, violations) == []


def test_an_sms_batch_asks_before_cancelling_under_the_policy(strict, municipality, supervisor):
    page, violations = strict
    setup_demo_calendars(acting_user=None, municipality=municipality)
    campaign = CampaignFactory(municipality=municipality, channel="sms")
    template = SmsTemplateFactory(municipality=municipality)
    batch = SmsBatchFactory(
        municipality=municipality, campaign=campaign, template=template, total=2
    )
    SmsMessageFactory.create_batch(2, batch=batch)

    sign_in(page, supervisor)
    page.goto(reverse("sms:batch", args=[batch.pk]))
    asked: list[str] = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.locator("#sms-cancel").click()
    expect(page.locator("#sms-cancel")).to_be_visible()  # still here: nothing was submitted
    assert asked and asked[0].startswith("この送信を中止します")
    batch.refresh_from_db()
    assert batch.status != "cancelled"
    assert reported(page, violations) == []
