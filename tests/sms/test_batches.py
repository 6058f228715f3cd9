"""SMS batches (issue 6 §3): whom a batch texts, what each text says, what is written, and
pause / resume / cancel."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django_tasks_db.models import DBTaskResult

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.core.japanese import PhoneKind, era_date, yen
from civicdesk.dunning.choices import CampaignChannel, ContactChannel, ContactParty
from civicdesk.dunning.models import WorkItem
from civicdesk.dunning.services import contacts
from civicdesk.privacy import field_policy
from civicdesk.receivables.models import Installment
from civicdesk.registry.models import Phone, PhoneStatus
from civicdesk.sms.choices import SmsBatchStatus, SmsMessageStatus
from civicdesk.sms.models import OptOut, SmsBatch, SmsMessage, SmsTemplate
from civicdesk.sms.segments import count_segments
from civicdesk.sms.services import batches
from civicdesk.sms.services.batches import message_key
from tests.dunning.factories import CampaignFactory, ContactFactory, WorkItemFactory
from tests.sms.people import NOW, mobile, sms_people

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tokyo_morning():
    with time_machine.travel(NOW, tick=False):
        yield


def create(supervisor, campaign, template, **kwargs) -> SmsBatch:
    return batches.create_sms_batch(
        acting_user=supervisor, campaign=campaign, template=template, **kwargs
    )


def test_a_batch_texts_each_open_person_once_on_their_mobile(supervisor, sms_campaign, template):
    obligors, numbers = sms_people(sms_campaign.municipality, sms_campaign, 4)
    batch = create(supervisor, sms_campaign, template)
    messages = list(batch.messages.order_by("obligor_id"))
    assert [m.obligor_id for m in messages] == sorted(o.pk for o in obligors)
    assert sorted(m.number for m in messages) == sorted(numbers)
    assert batch.total == 4
    assert all(m.status == SmsMessageStatus.QUEUED for m in messages)
    assert len({m.key for m in messages}) == 4


def test_the_idempotency_key_names_batch_and_obligor_but_not_the_number(
    supervisor, sms_campaign, template
):
    sms_people(sms_campaign.municipality, sms_campaign, 1)
    batch = create(supervisor, sms_campaign, template)
    message = batch.messages.get()
    assert message.key == message_key(batch.pk, message.obligor_id, message.number)
    assert message.key.startswith(f"b{batch.pk}-o{message.obligor_id}-")
    assert message.number[1:] not in message.key and message.number[-8:] not in message.key


def test_the_database_refuses_a_second_message_for_the_same_batch_obligor_and_phone(
    supervisor, sms_campaign, template
):

    sms_people(sms_campaign.municipality, sms_campaign, 1)
    batch = create(supervisor, sms_campaign, template)
    first = batch.messages.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        SmsMessage.objects.create(
            batch=batch, obligor_id=first.obligor_id, number=first.number, key="another",
            text="x", encoding="GSM-7", segments=1,
        )  # fmt: skip


def test_landlines_opt_outs_and_dead_numbers_are_left_out_and_counted(
    supervisor, sms_campaign, template
):
    municipality = sms_campaign.municipality
    sms_people(municipality, sms_campaign, 2)
    sms_people(municipality, sms_campaign, 1, start=10, kind=PhoneKind.LANDLINE)
    _, opted = sms_people(municipality, sms_campaign, 1, start=20)
    OptOut.objects.create(municipality=municipality, number=opted[0], display="x", source="staff")
    _, dead = sms_people(municipality, sms_campaign, 1, start=30)
    Phone.objects.filter(number=dead[0]).update(status=PhoneStatus.INVALID)
    batch = create(supervisor, sms_campaign, template)
    assert batch.total == 2
    assert batch.skipped == {"no_mobile": 2, "opted_out": 1}
    assert not batch.messages.filter(number__in=[opted[0], dead[0]]).exists()


def test_a_person_with_two_mobiles_gets_one_text_on_the_confirmed_one(
    supervisor, sms_campaign, template
):
    (obligor,), _ = sms_people(sms_campaign.municipality, sms_campaign, 1)
    second, display = mobile(99)
    Phone.objects.create(
        obligor=obligor, number=second, display=display, kind=PhoneKind.MOBILE,
        status=PhoneStatus.VALID,
    )  # fmt: skip
    batch = create(supervisor, sms_campaign, template)
    assert list(batch.messages.values_list("number", flat=True)) == [second]


def test_people_paced_held_or_waiting_in_another_batch_are_left_out(
    supervisor, operator, sms_campaign, template
):
    municipality = sms_campaign.municipality
    paced, _ = sms_people(municipality, sms_campaign, 1)
    ContactFactory(obligor=paced[0], at=NOW - dt.timedelta(days=1), paces=True)
    held, _ = sms_people(municipality, sms_campaign, 1, start=10)
    call = CampaignFactory(municipality=municipality)
    WorkItemFactory(
        campaign=call, obligor=held[0], lease_owner=operator,
        lease_expires_at=NOW + dt.timedelta(minutes=5),
    )  # fmt: skip
    sms_people(municipality, sms_campaign, 1, start=20)
    create(supervisor, sms_campaign, template)
    other = CampaignFactory(municipality=municipality, channel=CampaignChannel.SMS)
    WorkItem.objects.bulk_create(
        WorkItem(campaign=other, obligor=item.obligor, revenue_types=["nhi"])
        for item in WorkItem.objects.filter(campaign=sms_campaign)
    )
    for item in WorkItem.objects.filter(campaign=other):
        first = WorkItem.objects.get(campaign=sms_campaign, obligor=item.obligor)
        item.accounts.set(first.accounts.all())
    with pytest.raises(ValidationError) as raised:
        create(supervisor, other, template)
    assert "ほかの SMS 送信で送信待ち 1人" in str(raised.value)
    assert "催告間隔内" in str(raised.value) and "ほかの担当者が対応中" in str(raised.value)


def test_personal_values_are_filled_in_when_the_template_allows_them(
    supervisor, sms_campaign, center
):
    obligors, _ = sms_people(center, sms_campaign, 1)
    template = SmsTemplate.objects.create(
        municipality=center, name="個人あり", revenue_type="nhi", allows_personal_values=True,
        body="{氏名}様 国保料{未納額}（納期限{納期限}）が未納です。{問合せ先}",
    )  # fmt: skip
    batch = create(supervisor, sms_campaign, template)
    unpaid = Installment.objects.filter(account__obligor=obligors[0], unpaid__gt=0)
    total = sum(row.unpaid for row in unpaid)
    oldest = min(row.due_date for row in unpaid)
    expected = (
        f"{obligors[0].name}様 国保料{yen(total)}（納期限{era_date(oldest)}）が未納です。"
        "江東区納付案内センター 03-0000-0000"
    )
    message = batch.messages.get()
    assert message.text == expected
    assert (message.encoding, message.segments) == ("UCS-2", count_segments(expected).segments)
    entry = AccessLogEntry.objects.get(
        action=AccessAction.CREATE, object_id=str(batch.pk), object_type="sms.smsbatch"
    )
    assert set(entry.fields) == {"phone", "name", "unpaid", "due_date"}


def test_a_template_with_personal_values_not_allowed_is_refused(supervisor, sms_campaign, center):
    sms_people(center, sms_campaign, 1)
    template = SmsTemplate.objects.create(
        municipality=center, name="不許可", revenue_type="nhi", body="{氏名}様 ご連絡ください"
    )
    with pytest.raises(ValidationError) as raised:
        create(supervisor, sms_campaign, template)
    assert "{氏名}" in raised.value.message_dict["template"][0]
    assert not SmsBatch.objects.exists()


def test_the_field_policy_is_asked_again_when_sending(
    supervisor, sms_campaign, center, settings, tmp_path
):
    policy = tmp_path / "policy.yaml"
    original = field_policy.policy_path().read_text(encoding="utf-8")
    policy.write_text(original.replace("      - installments\n", "", 2), encoding="utf-8")
    settings.FIELD_POLICY_FILE = str(policy)
    if "unpaid" in field_policy.allowed_fields("nhi", "calls"):
        pytest.fail("the test policy still lets nhi calls show unpaid amounts")
    sms_people(center, sms_campaign, 1)
    template = SmsTemplate.objects.create(
        municipality=center, name="金額", revenue_type="nhi", allows_personal_values=True,
        body="未納額{未納額}",
    )  # fmt: skip
    with pytest.raises(ValidationError) as raised:
        create(supervisor, sms_campaign, template)
    assert "{未納額}" in raised.value.message_dict["template"][0]


def test_a_text_over_the_maximum_is_not_sent_and_counted(
    supervisor, sms_campaign, center, settings
):
    settings.SMS_MAX_CHARACTERS = 70
    obligors, _ = sms_people(center, sms_campaign, 2)
    long_name = "ア" * 70
    obligors[0].name = long_name
    obligors[0].save()
    template = SmsTemplate.objects.create(
        municipality=center, name="氏名", revenue_type="nhi", allows_personal_values=True,
        body="{氏名}様 ご連絡ください",
    )  # fmt: skip
    assert count_segments(f"{long_name}様 ご連絡ください").characters > 70
    batch = create(supervisor, sms_campaign, template)
    assert batch.total == 1 and batch.skipped == {"too_long": 1}
    assert batch.messages.get().obligor_id == obligors[1].pk


def test_only_sms_campaigns_of_the_period_and_the_templates_revenue_type(
    supervisor, center, template
):
    call = CampaignFactory(municipality=center)
    with pytest.raises(ValidationError) as raised:
        create(supervisor, call, template)
    assert "手段が SMS ではありません" in raised.value.message_dict["campaign"][0]
    old = CampaignFactory(
        municipality=center, channel=CampaignChannel.SMS,
        starts_on=dt.date(2024, 4, 1), ends_on=dt.date(2025, 3, 31),
    )  # fmt: skip
    with pytest.raises(ValidationError) as raised:
        create(supervisor, old, template)
    assert "期間" in raised.value.message_dict["campaign"][0]
    tax = CampaignFactory(
        municipality=center, channel=CampaignChannel.SMS,
        conditions={"revenue_types": ["resident_tax"]},
    )  # fmt: skip
    with pytest.raises(ValidationError) as raised:
        create(supervisor, tax, template)
    assert "対象の税目にありません" in raised.value.message_dict["template"][0]


def test_the_rate_is_between_one_and_the_setting(supervisor, sms_campaign, template, settings):
    settings.SMS_RATE_PER_SECOND = 5
    sms_people(sms_campaign.municipality, sms_campaign, 1)
    for bad in (0, 6, "x"):
        with pytest.raises(ValidationError) as raised:
            create(supervisor, sms_campaign, template, rate_per_second=bad)
        assert "1〜5" in raised.value.message_dict["rate_per_second"][0]
    plan = batches.plan_sms_batch(acting_user=supervisor, campaign=sms_campaign, template=template)
    assert plan.rate_per_second == 5
    assert create(supervisor, sms_campaign, template, rate_per_second=2).rate_per_second == 2


def test_nobody_to_text_is_an_error_that_says_who_was_left_out(supervisor, sms_campaign, template):
    sms_people(sms_campaign.municipality, sms_campaign, 2, kind=PhoneKind.LANDLINE)
    with pytest.raises(ValidationError) as raised:
        create(supervisor, sms_campaign, template)
    assert "送信する SMS がありません（対象外: 携帯電話番号なし 2人）" in raised.value.messages


def test_operators_and_staff_may_not_make_batches(operator, staff, sms_campaign, template):
    sms_people(sms_campaign.municipality, sms_campaign, 1)
    for user in (operator, staff):
        with pytest.raises(PermissionDenied):
            create(user, sms_campaign, template)
    assert not SmsBatch.objects.exists()


def test_creating_queues_the_worker_once_and_logs_the_batch(
    supervisor, sms_campaign, template, django_capture_on_commit_callbacks
):
    sms_people(sms_campaign.municipality, sms_campaign, 3)
    with django_capture_on_commit_callbacks(execute=True):
        batch = create(supervisor, sms_campaign, template)
    tasks = DBTaskResult.objects.all()
    assert [(t.task_path, t.args_kwargs["args"]) for t in tasks] == [
        ("civicdesk.sms.tasks.send_sms_batch", [batch.pk])
    ]
    entry = AccessLogEntry.objects.get(
        action=AccessAction.CREATE, object_id=str(batch.pk), object_type="sms.smsbatch"
    )
    assert entry.fields == ["phone"] and entry.actor == supervisor


def test_pause_resume_and_cancel_follow_the_state(
    supervisor, sms_campaign, template, django_capture_on_commit_callbacks
):
    sms_people(sms_campaign.municipality, sms_campaign, 3)
    batch = create(supervisor, sms_campaign, template)
    batch = batches.pause_sms_batch(acting_user=supervisor, batch=batch)
    assert batch.status == SmsBatchStatus.PAUSED
    with pytest.raises(ValidationError):
        batches.pause_sms_batch(acting_user=supervisor, batch=batch)
    with django_capture_on_commit_callbacks(execute=True):
        batch = batches.resume_sms_batch(acting_user=supervisor, batch=batch)
    assert batch.status == SmsBatchStatus.QUEUED
    batch = batches.cancel_sms_batch(acting_user=supervisor, batch=batch)
    assert batch.status == SmsBatchStatus.CANCELLED
    assert set(batch.messages.values_list("status", flat=True)) == {SmsMessageStatus.CANCELLED}
    with pytest.raises(ValidationError) as raised:
        batches.resume_sms_batch(acting_user=supervisor, batch=batch)
    assert "再開できません" in raised.value.messages[0]
    changes = AccessLogEntry.objects.filter(
        action=AccessAction.CHANGE, object_id=str(batch.pk), object_type="sms.smsbatch"
    )
    assert [e.reason for e in changes.order_by("seq")] == [
        "SMS 送信の一時停止",
        "SMS 送信の再開",
        "SMS 送信の中止",
    ]


def test_resume_leaves_a_batch_a_live_worker_is_sending(supervisor, sms_campaign, template):
    sms_people(sms_campaign.municipality, sms_campaign, 1)
    batch = create(supervisor, sms_campaign, template)
    SmsBatch.objects.filter(pk=batch.pk).update(
        status=SmsBatchStatus.SENDING, runner_until=NOW + dt.timedelta(seconds=30)
    )
    with pytest.raises(ValidationError) as raised:
        batches.resume_sms_batch(acting_user=supervisor, batch=batch)
    assert "送信処理が動いている送信は再開できません" in raised.value.messages[0]


def test_sms_contacts_are_night_after_the_sms_calendars_regular_hours(center):
    evening = NOW.replace(hour=19, minute=30)
    late = NOW.replace(hour=20, minute=30)
    assert not contacts.is_night(ContactChannel.SMS, evening, municipality=center)
    assert contacts.is_night(ContactChannel.SMS, late, municipality=center)
    assert ContactParty.NONE  # the party of every sent SMS (nobody answered)
