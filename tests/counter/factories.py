"""Factories of the counter tests: queues, counters, procedures, fees (no personal data)."""

from __future__ import annotations

import datetime as dt

import factory

from civicdesk.counter.models import Counter, CounterQueue, Fee, Procedure, Queue
from tests.factories import MunicipalityFactory


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Queue
        django_get_or_create = ["municipality", "code"]

    municipality = factory.SubFactory(MunicipalityFactory)
    code = "A"
    name = "証明書"
    number_from = 1
    number_to = 999
    target_wait_minutes = 15
    recall_limit = 3


class CounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Counter
        django_get_or_create = ["municipality", "code"]
        skip_postgeneration_save = True

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.Sequence(lambda n: str(n + 1))
    name = factory.LazyAttribute(lambda o: f"{o.code}番窓口")
    kind = "clerk"

    @factory.post_generation
    def serves(obj, create, extracted, **kwargs):
        """``serves=[queue, …]``: the queues the counter calls from, in that order."""
        for position, queue in enumerate(extracted or [], start=1):
            CounterQueue.objects.get_or_create(
                counter=obj, queue=queue, defaults={"position": position}
            )


class ProcedureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Procedure
        django_get_or_create = ["municipality", "code"]

    municipality = factory.SubFactory(MunicipalityFactory)
    code = "juminhyo"
    name = "住民票の写し"
    category = "certificate"
    section = "市民課"
    queue = factory.SubFactory(QueueFactory, municipality=factory.SelfAttribute("..municipality"))
    checklist = factory.LazyFunction(
        lambda: [
            "請求者が法令上請求できる者であることを確認した",
            "請求者の本人確認をした",
            "請求書の記載内容を点検した",
            "必要書類等を確認した",
        ]
    )
    requester_kinds = factory.LazyFunction(
        lambda: ["self", "agent", "third_party", "official", "postal"]
    )
    data_items = factory.LazyFunction(lambda: ["requester_name"])
    requires_review = True
    uses_tamper_proof_paper = True
    has_fee = True


class FeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fee

    procedure = factory.SubFactory(ProcedureFactory)
    valid_from = dt.date(2000, 4, 1)
    unit_fee = 300
    exempt_requester_kinds = factory.LazyFunction(lambda: ["official"])
    basis = "手数料条例"
