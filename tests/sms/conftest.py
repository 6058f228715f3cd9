"""Fixtures of the SMS tests: the demo calendars (sms open weekdays 9:00–20:00), the center,
an sms campaign and a template without personal values."""

import pytest

from civicdesk.core.models import Municipality
from civicdesk.core.services import setup_demo_calendars
from civicdesk.dunning.choices import CampaignChannel
from civicdesk.sms.models import SmsTemplate
from tests.dunning.factories import CampaignFactory


@pytest.fixture
def calendars(municipality):
    return setup_demo_calendars(acting_user=None, municipality=municipality)


@pytest.fixture
def center(municipality, calendars):
    Municipality.objects.filter(pk=municipality.pk).update(
        contact_center_name="江東区納付案内センター", contact_center_phone="03-0000-0000"
    )
    municipality.refresh_from_db()
    return municipality


@pytest.fixture
def sms_campaign(center):
    return CampaignFactory(
        municipality=center,
        channel=CampaignChannel.SMS,
        name="SMS催告6月",
        min_days_between_contacts=3,
    )


@pytest.fixture
def template(center):
    return SmsTemplate.objects.create(
        municipality=center,
        name="国保 納付のお願い",
        revenue_type="nhi",
        body="国民健康保険料の納付が確認できません。{問合せ先}までご連絡ください。",
    )
