"""decide_promises: kept / partly kept / broken against payments, allocation, follow-up items."""

from __future__ import annotations

import datetime as dt
import io
import json
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import F

from civicdesk.audit.models import AccessLogEntry
from civicdesk.dunning.choices import (
    CampaignKind,
    CampaignStatus,
    ContactChannel,
    ContactOutcome,
    ContactParty,
    PromiseStatus,
    WorkItemStatus,
)
from civicdesk.dunning.models import Campaign, Promise, WorkItem
from civicdesk.dunning.services.contacts import record_contact
from civicdesk.dunning.services.promises import decide_promises
from civicdesk.dunning.tasks import check_promises
from civicdesk.receivables.models import Account, Installment, Payment
from civicdesk.registry.models import Obligor
from tests.dunning.factories import CampaignFactory, WorkItemFactory
from tests.receivables.fixtures.files import import_rows, receivables_row
from tests.registry.factories import AccountFactory, InstallmentFactory, ObligorFactory

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY_10 = dt.datetime(2025, 6, 2, 10, 0, tzinfo=TOKYO)
JUNE = dt.date(2025, 6, 1)  # day(n) below: June n, 2025


def day(n: int) -> dt.date:
    return JUNE + dt.timedelta(days=n - 1)


@pytest.fixture(autouse=True)
def _grace(settings):
    settings.DUNNING_PROMISE_GRACE_DAYS = 5
    settings.DUNNING_PROMISE_MAX_DAYS = 31


@pytest.fixture
def person(municipality, calendars):
    obligor = ObligorFactory(municipality=municipality)
    nhi = AccountFactory(obligor=obligor, revenue_type="nhi")
    other = AccountFactory(obligor=obligor, revenue_type="ltc")
    first = InstallmentFactory(
        account=nhi, period="1", assessed=30_000, due_date=day(1) - dt.timedelta(days=32)
    )
    second = InstallmentFactory(
        account=nhi, period="2", assessed=30_000, due_date=day(1) - dt.timedelta(days=1)
    )
    ltc = InstallmentFactory(account=other, period="1", assessed=30_000, due_date=day(1))
    return SimpleNamespace(
        obligor=obligor, nhi=nhi, other=other, first=first, second=second, ltc=ltc
    )


@pytest.fixture
def promise(operator, person):
    """Promise the amounts (by dates) in one contact, made on Monday June 2."""

    def _promise(*rows, now=MONDAY_10, work_item=None, accounts=None):
        contact = record_contact(
            acting_user=operator,
            obligor=person.obligor,
            channel=ContactChannel.OUTBOUND_CALL,
            party=ContactParty.SELF,
            outcome=ContactOutcome.PROMISE,
            accounts=accounts or [person.nhi],
            promises=rows,
            work_item=work_item,
            now=now,
        )
        return list(contact.promises.order_by("promised_on", "pk"))

    return _promise


def pay(installment: Installment, amount: int, paid_on: dt.date) -> Installment:
    """A payment as the payments import leaves it: a Payment row and the installment's paid."""
    Payment.objects.create(installment=installment, amount=amount, paid_on=paid_on)
    Installment.objects.filter(pk=installment.pk).update(
        paid=F("paid") + amount, last_paid_on=paid_on
    )
    return installment


def fresh(promise: Promise) -> Promise:
    promise.refresh_from_db()
    return promise


def test_a_promise_paid_in_full_is_kept_at_once_before_its_date(person, promise):
    (p,) = promise((10_000, day(10)))
    pay(person.first, 10_000, day(4))
    counts = decide_promises(acting_user=None, installment_ids=[person.first.pk], today=day(4))
    p = fresh(p)
    assert (p.status, p.paid_amount) == (PromiseStatus.KEPT, 10_000)
    assert p.decided_at is not None
    assert counts["kept"] == 1 and counts["checked"] == 1


def test_payments_on_several_installments_and_within_grace_count(person, promise):
    (p,) = promise((10_000, day(10)))
    pay(person.first, 4_000, day(9))
    pay(person.second, 6_000, day(15))  # promised_on + 5 grace days: still in time
    decide_promises(acting_user=None, today=day(16))
    assert fresh(p).status == PromiseStatus.KEPT


def test_a_payment_after_the_grace_days_does_not_count(person, promise):
    (p,) = promise((10_000, day(10)))
    pay(person.first, 10_000, day(16))
    decide_promises(acting_user=None, today=day(17))
    p = fresh(p)
    assert (p.status, p.paid_amount) == (PromiseStatus.BROKEN, 0)


def test_a_payment_before_the_contact_does_not_count(person, promise):
    pay(person.first, 10_000, day(1))
    (p,) = promise((10_000, day(10)))
    decide_promises(acting_user=None, today=day(16))
    assert fresh(p).status == PromiseStatus.BROKEN


def test_a_payment_on_another_revenue_type_does_not_count(person, promise):
    (p,) = promise((10_000, day(10)))
    pay(person.ltc, 10_000, day(5))
    decide_promises(acting_user=None, installment_ids=[person.ltc.pk], today=day(16))
    assert fresh(p).status == PromiseStatus.BROKEN


def test_part_paid_after_the_deadline_is_partly_kept(person, promise):
    (p,) = promise((10_000, day(10)))
    pay(person.first, 4_000, day(6))
    decide_promises(acting_user=None, today=day(16))
    p = fresh(p)
    assert (p.status, p.paid_amount) == (PromiseStatus.PARTLY_KEPT, 4_000)


def test_part_paid_before_the_deadline_stays_pending(person, promise):
    (p,) = promise((10_000, day(10)))
    pay(person.first, 4_000, day(6))
    counts = decide_promises(acting_user=None, installment_ids=[person.first.pk], today=day(15))
    p = fresh(p)
    assert (p.status, p.paid_amount, p.decided_at) == (PromiseStatus.PENDING, 4_000, None)
    assert counts["pending"] == 1


def test_nothing_is_decided_before_the_deadline_without_payments(person, promise):
    (p,) = promise((10_000, day(10)))
    counts = decide_promises(acting_user=None, today=day(15))
    assert fresh(p).status == PromiseStatus.PENDING
    assert counts["checked"] == 0


def test_one_payment_is_not_counted_for_two_promises(person, promise):
    first, second = promise((5_000, day(5)), (5_000, day(20)))
    pay(person.first, 5_000, day(4))
    decide_promises(acting_user=None, installment_ids=[person.first.pk], today=day(4))
    assert fresh(first).status == PromiseStatus.KEPT
    assert (fresh(second).status, fresh(second).paid_amount) == (PromiseStatus.PENDING, 0)
    decide_promises(acting_user=None, today=day(26))
    assert fresh(second).status == PromiseStatus.BROKEN


def test_a_larger_payment_is_shared_out_in_promised_date_order(person, promise):
    first, second = promise((5_000, day(5)), (5_000, day(20)))
    pay(person.first, 8_000, day(4))
    decide_promises(acting_user=None, today=day(26))
    assert (fresh(first).status, fresh(first).paid_amount) == (PromiseStatus.KEPT, 5_000)
    assert (fresh(second).status, fresh(second).paid_amount) == (PromiseStatus.PARTLY_KEPT, 3_000)


def test_a_decided_promise_keeps_its_payment_when_later_promises_are_decided(person, promise):
    (early,) = promise((5_000, day(5)))
    pay(person.first, 5_000, day(4))
    decide_promises(acting_user=None, today=day(4))
    (late,) = promise((5_000, day(20)), now=MONDAY_10 + dt.timedelta(days=1))
    decide_promises(acting_user=None, today=day(26))
    assert fresh(early).status == PromiseStatus.KEPT
    assert fresh(late).status == PromiseStatus.BROKEN


def test_decisions_are_logged(person, promise):
    (p,) = promise((10_000, day(10)))
    decide_promises(acting_user=None, today=day(16))
    entry = AccessLogEntry.objects.get(object_type="dunning.promise", object_id=str(p.pk))
    assert entry.action == "change"
    assert entry.fields == ["paid_amount", "status"]
    assert entry.actor_username == "system:check_promises"
    assert "不履行" in entry.reason


# --- follow-up work items --------------------------------------------------------------------


def test_a_broken_promise_from_queue_work_reopens_the_item_of_its_active_campaign(
    person, promise, operator, municipality
):
    campaign = CampaignFactory(municipality=municipality)
    item = WorkItemFactory(
        campaign=campaign,
        obligor=person.obligor,
        lease_owner=operator,
        lease_expires_at=MONDAY_10 + dt.timedelta(minutes=10),
    )
    item.accounts.set([person.nhi])
    (p,) = promise((10_000, day(10)), work_item=item)
    item.refresh_from_db()
    assert item.status == WorkItemStatus.DONE and item.attempts == 1

    counts = decide_promises(acting_user=None, today=day(16))

    item.refresh_from_db()
    assert counts["follow_ups"] == 1
    assert item.status == WorkItemStatus.OPEN
    assert item.follow_up_of == p
    assert (item.attempts, item.next_attempt_at) == (0, None)
    assert item.unpaid_total == 60_000  # both nhi installments are still unpaid
    assert item.overdue_periods == 2
    assert list(item.accounts.all()) == [person.nhi]
    assert WorkItem.objects.filter(obligor=person.obligor).count() == 1


def test_a_broken_promise_without_an_active_campaign_goes_to_the_follow_up_campaign(
    person, promise, municipality
):
    (p,) = promise((10_000, day(10)))  # an ad-hoc call: no campaign
    pay(person.first, 1_000, day(5))
    decide_promises(acting_user=None, today=day(16))
    item = WorkItem.objects.get(obligor=person.obligor)
    assert item.campaign.kind == CampaignKind.FOLLOW_UP
    assert item.campaign.municipality == municipality
    assert item.follow_up_of == fresh(p)
    assert item.status == WorkItemStatus.OPEN
    assert item.unpaid_total == 59_000
    assert item.revenue_types == ["nhi"]


def test_a_closed_campaign_sends_the_follow_up_to_the_follow_up_campaign(
    person, promise, operator, municipality
):
    campaign = CampaignFactory(municipality=municipality)
    item = WorkItemFactory(
        campaign=campaign,
        obligor=person.obligor,
        lease_owner=operator,
        lease_expires_at=MONDAY_10 + dt.timedelta(minutes=10),
    )
    promise((10_000, day(10)), work_item=item)
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.CLOSED)
    decide_promises(acting_user=None, today=day(16))
    follow_up = WorkItem.objects.get(obligor=person.obligor, campaign__kind=CampaignKind.FOLLOW_UP)
    assert follow_up.status == WorkItemStatus.OPEN
    item.refresh_from_db()
    assert item.status == WorkItemStatus.DONE


def test_a_kept_promise_creates_no_follow_up(person, promise):
    promise((10_000, day(10)))
    pay(person.first, 10_000, day(8))
    counts = decide_promises(acting_user=None, today=day(16))
    assert counts["follow_ups"] == 0
    assert not WorkItem.objects.exists()


# --- entry points: the payments import hook, the task, the command -------------------------------


def test_a_payments_import_decides_the_promise_through_the_hook(
    tmp_path, staff, operator, municipality, calendars
):
    result = import_rows(
        tmp_path,
        acting_user=staff,
        municipality=municipality,
        name="receivables.csv",
        rows=[receivables_row(期別="1", 調定額="10000", 納付額="0", 未納額="10000")],
    )
    assert result.error_count == 0
    obligor = Obligor.objects.get()
    account = Account.objects.get()
    contact = record_contact(
        acting_user=operator,
        obligor=obligor,
        channel=ContactChannel.OUTBOUND_CALL,
        party=ContactParty.SELF,
        outcome=ContactOutcome.PROMISE,
        accounts=[account],
        promises=[(10_000, day(10))],
        now=MONDAY_10,
    )
    with time_machine.travel(dt.datetime(2025, 6, 9, 12, tzinfo=TOKYO), tick=False):
        paid = import_rows(
            tmp_path,
            acting_user=staff,
            municipality=municipality,
            kind="payments",
            name="payments.csv",
            rows=[
                {
                    "税目": "国保",
                    "整理番号": "N1001",
                    "年度": "令和7年度",
                    "期別": "1",
                    "納付額": "10000",
                    "収納日": "2025-06-06",
                    "領収日": "",
                }
            ],
        )
    assert paid.error_count == 0, paid.errors
    promise = contact.promises.get()
    assert (promise.status, promise.paid_amount) == (PromiseStatus.KEPT, 10_000)


def test_the_daily_task_decides_promises_past_their_deadline(person, promise):

    (p,) = promise((10_000, day(10)))
    with time_machine.travel(dt.datetime(2025, 6, 16, 6, tzinfo=TOKYO), tick=False):
        counts = check_promises.call()
    assert counts["broken"] == 1
    assert fresh(p).status == PromiseStatus.BROKEN


def test_the_command_prints_the_counts_as_one_json_line(person, promise):
    promise((10_000, day(10)), (2_000, day(12)))
    pay(person.first, 2_000, day(3))
    out = io.StringIO()
    call_command("promises", "--check", "--date", "2025-06-18", stdout=out)
    counts = json.loads(out.getvalue().strip())
    assert counts == {
        "checked": 2,
        "pending": 0,
        "kept": 0,
        "partly_kept": 1,
        "broken": 1,
        "follow_ups": 2,
    }
