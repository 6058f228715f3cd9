"""Campaigns, work items and contacts as the dunning services leave them."""

import datetime as dt

import factory
from django.utils import timezone

from civicdesk.dunning.choices import CampaignChannel, ContactChannel, ContactOutcome, ContactParty
from civicdesk.dunning.coverage import coverage_of, reached_on
from civicdesk.dunning.models import (
    Campaign,
    Contact,
    ContactAccount,
    Promise,
    VisitList,
    VisitStop,
    WorkItem,
)
from tests.factories import MunicipalityFactory, UserFactory
from tests.registry.factories import ObligorFactory


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"架電計画{n}")
    channel = CampaignChannel.CALL
    starts_on = dt.date(2025, 4, 1)
    ends_on = dt.date(2026, 3, 31)
    conditions = factory.LazyFunction(lambda: {"revenue_types": ["nhi"]})


class WorkItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkItem

    campaign = factory.SubFactory(CampaignFactory)
    obligor = factory.SubFactory(
        ObligorFactory, municipality=factory.SelfAttribute("..campaign.municipality")
    )
    revenue_types = factory.LazyFunction(lambda: ["nhi"])
    unpaid_total = 10_000
    priority = 0


class ContactFactory(factory.django.DjangoModelFactory):
    """A contact row only: use dunning.services.contacts.record_contact to test behaviour."""

    class Meta:
        model = Contact

    obligor = factory.SubFactory(ObligorFactory)
    channel = ContactChannel.OUTBOUND_CALL
    party = ContactParty.SELF
    outcome = ContactOutcome.WILL_PAY
    at = factory.LazyFunction(timezone.now)
    paces = True


def cover(contact: Contact, *accounts) -> Contact:
    """Attach covered accounts to a factory-made contact, and its coverage bits (what the
    services write with every contact)."""
    ContactAccount.objects.bulk_create(
        ContactAccount(
            contact=contact, account=a, revenue_type=a.revenue_type, reached_on=reached_on(contact)
        )
        for a in accounts
    )
    contact.coverage |= coverage_of(accounts)
    Contact.objects.filter(pk=contact.pk).update(coverage=contact.coverage)
    return contact


def make_promise(contact: Contact, *accounts, **fields) -> Promise:
    """A promise made by a factory-made contact, which it marks as promised (as
    record_contact does)."""
    fields.setdefault("obligor", contact.obligor)
    fields.setdefault("amount", 5_000)
    promise = Promise.objects.create(contact=contact, **fields)
    promise.accounts.set(accounts)
    if not contact.promised:
        contact.promised = True
        Contact.objects.filter(pk=contact.pk).update(promised=True)
    return promise


class VisitListFactory(factory.django.DjangoModelFactory):
    """A visit list row only: use dunning.services.visits.build_visit_list to test behaviour."""

    class Meta:
        model = VisitList

    municipality = factory.SubFactory(MunicipalityFactory)
    campaign = factory.SubFactory(
        CampaignFactory,
        municipality=factory.SelfAttribute("..municipality"),
        channel=CampaignChannel.VISIT,
    )
    visitor = factory.SubFactory(
        UserFactory, role="visitor", municipality=factory.SelfAttribute("..municipality")
    )
    created_by = factory.SelfAttribute("visitor")
    day = factory.LazyFunction(timezone.localdate)


class VisitStopFactory(factory.django.DjangoModelFactory):
    """A stop whose work item is leased to the list's visitor until the end of the list's day
    (what build_visit_list does)."""

    class Meta:
        model = VisitStop

    visit_list = factory.SubFactory(VisitListFactory)
    work_item = factory.SubFactory(
        WorkItemFactory,
        campaign=factory.SelfAttribute("..visit_list.campaign"),
        lease_owner=factory.SelfAttribute("..visit_list.visitor"),
        lease_expires_at=factory.LazyAttribute(lambda item: _end_of_day(item.campaign)),
    )
    position = factory.Sequence(lambda n: n + 1)


def _end_of_day(_campaign) -> dt.datetime:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(0), tzinfo=timezone.get_current_timezone())
