"""SMS templates, batches, messages and opt-outs as the SMS services leave them.

Rows only: behaviour is tested through ``civicdesk.sms.services``. Every message gets its own
obligor and its own mobile number (090-1xxx-xxxx), so that matching a number finds one person
unless a test says otherwise.
"""

import hashlib

import factory
from django.utils import timezone

from civicdesk.core.japanese import normalize_phone
from civicdesk.dunning.choices import CampaignChannel
from civicdesk.sms.choices import OptOutSource, SmsMessageStatus
from civicdesk.sms.models import OptOut, SmsBatch, SmsMessage, SmsTemplate
from civicdesk.sms.segments import count_segments
from tests.dunning.factories import CampaignFactory
from tests.factories import MunicipalityFactory
from tests.registry.factories import ObligorFactory, PhoneFactory

TEMPLATE_BODY = (
    "【江東区】国民健康保険料の納付が確認できていません。"
    "お手元の納付書でお納めいただくか、03-3647-9111 までご連絡ください。"
)


def mobile_display(n: int) -> str:
    """A distinct valid mobile number per n (090-1000-0000 … 090-1999-9999)."""
    return f"090-1{n // 10_000 % 1000:03d}-{n % 10_000:04d}"


def message_key(batch_id: int, obligor_id: int, number: str) -> str:
    """The idempotency key's shape (sms/models.py): no personal value in it."""
    digest = hashlib.sha256(number.encode()).hexdigest()[:16]
    return f"b{batch_id}-o{obligor_id}-{digest}"


class SmsTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SmsTemplate

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"国保 SMS 案内{n}")
    revenue_type = "nhi"
    body = TEMPLATE_BODY


class SmsBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SmsBatch

    municipality = factory.SubFactory(MunicipalityFactory)
    campaign = factory.SubFactory(
        CampaignFactory,
        municipality=factory.SelfAttribute("..municipality"),
        channel=CampaignChannel.SMS,
        name=factory.Sequence(lambda n: f"SMS催告計画{n}"),
    )
    template = factory.SubFactory(
        SmsTemplateFactory, municipality=factory.SelfAttribute("..municipality")
    )
    revenue_type = factory.SelfAttribute("template.revenue_type")
    body = factory.SelfAttribute("template.body")
    provider = "file"
    rate_per_second = 10


class SmsMessageFactory(factory.django.DjangoModelFactory):
    """A queued message; ``sent=True`` makes it one the provider accepted (SENT, sent_at,
    provider_message_id). Pass ``phone=None, number=...`` for a number not in the registry."""

    class Meta:
        model = SmsMessage

    class Params:
        sent = factory.Trait(
            status=SmsMessageStatus.SENT,
            sent_at=factory.LazyFunction(timezone.now),
            attempts=1,
            provider_message_id=factory.Sequence(lambda n: f"SM{n:010d}"),
        )

    batch = factory.SubFactory(SmsBatchFactory)
    obligor = factory.SubFactory(
        ObligorFactory, municipality=factory.SelfAttribute("..batch.municipality")
    )
    phone = factory.SubFactory(
        PhoneFactory,
        obligor=factory.SelfAttribute("..obligor"),
        display=factory.Sequence(mobile_display),
    )
    number = factory.LazyAttribute(lambda m: m.phone.number)
    key = factory.LazyAttribute(lambda m: message_key(m.batch.pk, m.obligor.pk, m.number))
    account_ids = factory.LazyFunction(list)
    text = factory.SelfAttribute("batch.body")
    encoding = factory.LazyAttribute(lambda m: str(count_segments(m.text).encoding))
    segments = factory.LazyAttribute(lambda m: count_segments(m.text).segments)


class OptOutFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OptOut

    municipality = factory.SubFactory(MunicipalityFactory)
    display = factory.Sequence(lambda n: f"080-2{n // 10_000 % 1000:03d}-{n % 10_000:04d}")
    number = factory.LazyAttribute(lambda o: normalize_phone(o.display))
    source = OptOutSource.STAFF
