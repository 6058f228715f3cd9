"""SMS in `civicdesk demo`: templates for every revenue type without personal values, an sms
campaign whose batch goes to the file outbox, and `--rebuild` clearing the SMS rows."""

from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from civicdesk.accounts.models import User
from civicdesk.core.choices import RevenueType
from civicdesk.dunning.choices import CampaignChannel
from civicdesk.dunning.models import Campaign
from civicdesk.sms import rendering
from civicdesk.sms.demo import DEMO_SMS_CAMPAIGN
from civicdesk.sms.models import SmsBatch, SmsTemplate
from civicdesk.sms.providers.file import FileProvider, read_outbox
from civicdesk.sms.services import batches, sending
from tests.sms.people import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def run_demo(*args) -> str:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("demo", "--obligors", "300", "--history-days", "0", "--as-of", "2025-06-01",
                     *args, stdout=out)  # fmt: skip
    return out.getvalue()


def test_the_demo_has_a_template_per_revenue_type_without_personal_values():
    run_demo()
    templates = SmsTemplate.objects.all()
    assert sorted(t.revenue_type for t in templates) == sorted(RevenueType.values)
    for template in templates:
        assert not template.allows_personal_values
        assert rendering.personal_variables_in(template.body) == []


def test_the_demo_sms_campaign_sends_to_the_outbox_and_rebuild_clears_it(tmp_path):
    output = run_demo()
    campaign = Campaign.objects.get(name=DEMO_SMS_CAMPAIGN)
    assert campaign.channel == CampaignChannel.SMS and f"「{DEMO_SMS_CAMPAIGN}」" in output
    supervisor = User.objects.get(username="supervisor")
    template = SmsTemplate.objects.get(revenue_type="nhi")
    with time_machine.travel(NOW, tick=False):
        batch = batches.create_sms_batch(
            acting_user=supervisor, campaign=campaign, template=template
        )
        outbox = tmp_path / "outbox.jsonl"
        sending.run_sms_batch(batch.pk, provider=FileProvider(outbox), sleep=lambda s: None)
    assert batch.total > 0
    assert len(read_outbox(outbox)) == batch.total
    assert all("国民健康保険料" in line["text"] for line in read_outbox(outbox))
    run_demo("--rebuild")
    assert not SmsBatch.objects.exists()
