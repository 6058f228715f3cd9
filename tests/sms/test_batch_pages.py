"""The SMS batch pages (送信, issue 6 §3): who may open and press what, 「件数を確認」 and
「送信を開始」, pause / resume / cancel, the progress fragment and the message list."""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.core.japanese import PhoneKind
from civicdesk.dunning.models import WorkItem
from civicdesk.sms.choices import SmsBatchStatus, SmsMessageStatus
from civicdesk.sms.models import SmsBatch
from tests.conftest import sign_in
from tests.factories import MunicipalityFactory
from tests.sms.factories import (
    OptOutFactory,
    SmsBatchFactory,
    SmsMessageFactory,
    SmsTemplateFactory,
)
from tests.sms.people import NOW, mobile, sms_people

TOKYO = dt.timezone(dt.timedelta(hours=9))
# Tuesday 21:00: the demo sms calendar (weekdays 9:00–20:00) is closed until Wednesday 9:00.
CLOSED = dt.datetime(2025, 6, 10, 21, 0, tzinfo=TOKYO)
TASK_PATH = "civicdesk.sms.tasks.send_sms_batch"
CONTACT = "江東区納付案内センター 03-0000-0000"  # the center as tests/sms/conftest.py sets it

ROLES = [
    "anonymous",
    "operator",
    "outsider",
    "visitor",
    "supervisor",
    "staff",
    "inspector",
    "admin",
]
VIEWERS = {"supervisor", "staff", "inspector"}
CONTROLS = ("sms:batch_pause", "sms:batch_resume", "sms:batch_cancel")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def users(users_by_role, outsider):
    return {**users_by_role, "outsider": outsider}


@pytest.fixture
def batch(sms_campaign, template):
    """A queued batch of three messages."""
    made = SmsBatchFactory(
        municipality=sms_campaign.municipality, campaign=sms_campaign, template=template, total=3
    )
    SmsMessageFactory.create_batch(3, batch=made)
    return made


@pytest.fixture
def people(center, sms_campaign):
    """Two people with a mobile, one with only a landline, one whose only mobile is opted out.
    Returns the numbers of the two who can be texted (in the order of their items)."""
    _, numbers = sms_people(center, sms_campaign, 2)
    sms_people(center, sms_campaign, 1, start=10, kind=PhoneKind.LANDLINE)
    _, opted_out = sms_people(center, sms_campaign, 1, start=20)
    OptOutFactory(municipality=center, number=opted_out[0], display=mobile(20)[1])
    return numbers


def new_form(campaign, template, action, **extra):
    return {
        "campaign": campaign.pk,
        "template": template.pk,
        "rate_per_second": "",
        "reason": "",
        "action": action,
        **extra,
    }


def text_of(page: str, name: str) -> str:
    """The text inside the element marked data-testid="name" (up to its first child's end)."""
    found = re.search(rf'data-testid="{name}"[^>]*>(.*?)</', page, re.S)
    assert found, f"{name} not on the page"
    return found.group(1).strip()


def status_count(page: str, status: str) -> int:
    found = re.search(
        rf'data-status="{status}"><th scope="row">[^<]+</th><td class="num">([\d,]+)<', page
    )
    assert found, f"no count for {status}"
    return int(found.group(1).replace(",", ""))


# --- Who may open and press what -------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_pages_for_supervisors_staff_and_inspectors_and_buttons_for_supervisors_only(
    client, users, batch, role
):
    if role != "anonymous":
        sign_in(client, users[role])
    pages = [
        reverse("sms:batches"),
        reverse("sms:batch", args=[batch.pk]),
        reverse("sms:batch_progress", args=[batch.pk]),
    ]
    actions = [reverse("sms:batch_new")] + [reverse(name, args=[batch.pk]) for name in CONTROLS]
    for url in pages:
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and "login" in response.url, url
        else:
            assert response.status_code == (200 if role in VIEWERS else 403), url
    for url in actions:
        response = client.post(url, {})
        if role == "anonymous":
            assert response.status_code == 302 and "login" in response.url, url
        elif role == "supervisor":
            # The empty form comes back with its errors; the buttons go back to the batch.
            assert response.status_code == (200 if url.endswith("/new/") else 302), url
        else:
            assert response.status_code == 403, url
        # The actions take POST only.
        assert client.get(url).status_code == (302 if role == "anonymous" else 405), url


def test_a_batch_of_another_municipality_is_not_found_nor_listed(client, supervisor, batch):
    other = SmsBatchFactory(municipality=MunicipalityFactory(code="999999", name="別の市"))
    sign_in(client, supervisor)
    assert client.get(reverse("sms:batch", args=[other.pk])).status_code == 404
    assert client.get(reverse("sms:batch_progress", args=[other.pk])).status_code == 404
    for name in CONTROLS:
        assert client.post(reverse(name, args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.status == SmsBatchStatus.QUEUED
    listing = client.get(reverse("sms:batches")).content.decode()
    assert f'data-testid="sms-batch-{batch.pk}"' in listing
    assert f'data-testid="sms-batch-{other.pk}"' not in listing


def test_staff_and_inspectors_see_the_batches_without_the_form_or_the_buttons(
    client, staff, inspector, batch
):
    for user in (staff, inspector):
        client.logout()
        sign_in(client, user)
        listing = client.get(reverse("sms:batches")).content.decode()
        assert batch.campaign.name in listing and "sms-batch-form" not in listing
        page = client.get(reverse("sms:batch", args=[batch.pk])).content.decode()
        assert "sms-controls" not in page
        assert not any(reverse(name, args=[batch.pk]) in page for name in CONTROLS)


# --- 「新しい送信」 --------------------------------------------------------------------------


def test_the_form_offers_sms_campaigns_and_active_templates_and_the_rate_setting(
    client, supervisor, sms_campaign, template, people, settings
):
    settings.SMS_RATE_PER_SECOND = 5
    retired = SmsTemplateFactory(municipality=sms_campaign.municipality, is_active=False)
    sign_in(client, supervisor)
    page = client.get(reverse("sms:batches")).content.decode()
    assert f'<option value="{sms_campaign.pk}">{sms_campaign.name}</option>' in page
    assert f'<option value="{template.pk}">' in page
    assert f'<option value="{retired.pk}">' not in page
    rate = re.search(r'<input[^>]*name="rate_per_second"[^>]*>', page).group(0)
    assert 'value="5"' in rate and 'max="5"' in rate and 'min="1"' in rate


def test_check_counts_shows_the_messages_and_who_is_left_out_by_reason_and_sends_nothing(
    client, supervisor, sms_campaign, template, people, frozen
):
    sign_in(client, supervisor)
    response = client.post(reverse("sms:batch_new"), new_form(sms_campaign, template, "plan"))

    assert response.status_code == 200
    page = response.content.decode()
    text = template.body.replace("{問合せ先}", CONTACT)
    # Japanese text goes as UCS-2: 70 characters in one message, 67 per part when split.
    parts = 1 if len(text) <= 70 else math.ceil(len(text) / 67)
    assert text_of(page, "sms-plan-count") == f"{len(people)} 通"
    assert text_of(page, "sms-plan-segments") == f"{len(people) * parts} 通"
    skipped = text_of(page, "sms-plan-skipped")
    assert "携帯電話番号なし 1人" in skipped and "受信拒否 1人" in skipped
    assert text_of(page, "sms-plan-sample") == text
    assert text_of(page, "sms-plan-sample-count") == f"UCS-2・{len(text)} 文字・{parts} 通に分割"
    assert "送信時間外" not in page
    assert not SmsBatch.objects.exists() and not DBTaskResult.objects.exists()
    # No personal value in the text: nothing to log for the sample.
    assert not AccessLogEntry.objects.filter(action=AccessAction.VIEW).exists()


def test_a_sample_with_personal_values_shows_the_first_person_and_is_logged(
    client, supervisor, center, sms_campaign, people, frozen
):
    personal = SmsTemplateFactory(
        municipality=center,
        name="国保 氏名入り",
        body="{氏名}様 国民健康保険料の納付が確認できません。{問合せ先}",
        allows_personal_values=True,
    )
    # The sample is the first person texted: the first item's (the items are made in order).
    first_person = WorkItem.objects.filter(campaign=sms_campaign).order_by("pk").first().obligor
    sign_in(client, supervisor)
    response = client.post(reverse("sms:batch_new"), new_form(sms_campaign, personal, "plan"))

    page = response.content.decode()
    assert text_of(page, "sms-plan-sample").startswith(f"{first_person.name}様 ")
    (entry,) = AccessLogEntry.objects.filter(action=AccessAction.VIEW)
    assert (entry.object_type, entry.object_id) == ("registry.obligor", str(first_person.pk))
    assert entry.fields == ["name"] and entry.actor == supervisor


def test_outside_the_sms_hours_the_check_says_when_sending_will_start(
    client, supervisor, sms_campaign, template, people
):
    with time_machine.travel(CLOSED, tick=False):
        sign_in(client, supervisor)
        response = client.post(reverse("sms:batch_new"), new_form(sms_campaign, template, "plan"))
    notice = text_of(response.content.decode(), "sms-plan-closed")
    assert "送信時間外" in notice and "令和7年6月11日 09:00 から送信します" in notice


def test_send_makes_the_batch_and_its_messages_and_queues_exactly_one_task(
    client, supervisor, sms_campaign, template, people, frozen, django_capture_on_commit_callbacks
):
    sign_in(client, supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("sms:batch_new"),
            new_form(sms_campaign, template, "send", rate_per_second="3", reason="6月の SMS 催告"),
        )

    made = SmsBatch.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("sms:batch", args=[made.pk])
    assert (made.status, made.total, made.rate_per_second) == ("queued", 2, 3)
    assert made.skipped == {"no_mobile": 1, "opted_out": 1}
    assert (made.created_by, made.reason) == (supervisor, "6月の SMS 催告")
    assert sorted(made.messages.values_list("number", flat=True)) == sorted(people)
    (task,) = DBTaskResult.objects.filter(task_path=TASK_PATH)
    assert task.args_kwargs["args"] == [made.pk]
    page = client.get(response.url).content.decode()
    assert "SMS の送信を受け付けました（2通）。" in page
    assert "携帯電話番号なし 1人" in text_of(page, "sms-skipped")


def test_form_errors_name_each_field_and_nothing_is_made(
    client, supervisor, sms_campaign, template, settings
):
    settings.SMS_RATE_PER_SECOND = 4
    sign_in(client, supervisor)
    response = client.post(
        reverse("sms:batch_new"),
        {"campaign": "", "template": "", "rate_per_second": "5", "action": "send"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="error-summary"' in page
    assert "催告計画を選んでください。" in page
    assert "テンプレートを選んでください。" in page
    assert "送信速度は 1〜4 通／秒で指定してください。" in page
    assert not SmsBatch.objects.exists()


def test_the_services_refusal_is_shown_and_nothing_is_made(
    client, supervisor, center, sms_campaign, template, frozen
):
    sms_people(center, sms_campaign, 2, kind=PhoneKind.LANDLINE)
    sign_in(client, supervisor)
    response = client.post(reverse("sms:batch_new"), new_form(sms_campaign, template, "send"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "送信する SMS がありません（対象外: 携帯電話番号なし 2人）" in page
    assert not SmsBatch.objects.exists() and not DBTaskResult.objects.exists()


# --- Pause, resume, cancel -------------------------------------------------------------------


def test_pause_resume_and_cancel_change_the_state_and_show_only_the_buttons_that_apply(
    client, supervisor, batch, django_capture_on_commit_callbacks
):
    url = reverse("sms:batch", args=[batch.pk])
    pause, resume, cancel = (reverse(name, args=[batch.pk]) for name in CONTROLS)
    sign_in(client, supervisor)
    page = client.get(url).content.decode()
    assert pause in page and cancel in page and resume not in page
    assert 'data-confirm="この送信を中止します。未送信の 3 通' in page  # 中止 asks first

    page = client.post(pause, follow=True).content.decode()
    batch.refresh_from_db()
    assert batch.status == SmsBatchStatus.PAUSED and batch.status_changed_by == supervisor
    assert "送信を一時停止しました" in page
    assert resume in page and pause not in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(resume)
    batch.refresh_from_db()
    assert batch.status == SmsBatchStatus.QUEUED
    assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == 1

    page = client.post(cancel, follow=True).content.decode()
    batch.refresh_from_db()
    assert batch.status == SmsBatchStatus.CANCELLED
    assert set(batch.messages.values_list("status", flat=True)) == {SmsMessageStatus.CANCELLED}
    assert "送信を中止しました" in page
    assert not any(action in page for action in (pause, resume, cancel))


def test_a_button_for_a_state_that_no_longer_allows_it_shows_the_reason(client, supervisor, batch):
    SmsBatch.objects.filter(pk=batch.pk).update(status=SmsBatchStatus.DONE)
    sign_in(client, supervisor)
    response = client.post(reverse("sms:batch_pause", args=[batch.pk]), follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("sms:batch", args=[batch.pk])
    assert re.search(r'message-error">[^<]*完了送信は一時停止できません。', page)
    batch.refresh_from_db()
    assert batch.status == SmsBatchStatus.DONE


def test_resume_is_offered_for_a_sending_batch_only_when_its_worker_is_gone(
    client, supervisor, batch
):
    resume = reverse("sms:batch_resume", args=[batch.pk])
    url = reverse("sms:batch_progress", args=[batch.pk])
    sign_in(client, supervisor)
    live = timezone.now() + dt.timedelta(seconds=30)
    SmsBatch.objects.filter(pk=batch.pk).update(status=SmsBatchStatus.SENDING, runner_until=live)
    assert resume not in client.get(url).content.decode()
    gone = timezone.now() - dt.timedelta(seconds=1)
    SmsBatch.objects.filter(pk=batch.pk).update(runner_until=gone)
    fragment = client.get(url).content.decode()
    assert resume in fragment and "送信処理が止まっています" in fragment


# --- Progress --------------------------------------------------------------------------------


def test_the_progress_fragment_shows_the_counts_and_polls_until_the_batch_is_over(
    client, staff, sms_campaign, template
):
    made = SmsBatchFactory(
        municipality=sms_campaign.municipality,
        campaign=sms_campaign,
        template=template,
        status=SmsBatchStatus.SENDING,
    )
    sent = SmsMessageFactory.create_batch(3, batch=made, sent=True)
    SmsMessageFactory(batch=made, status=SmsMessageStatus.FAILED, error_reason="番号が無効")
    SmsMessageFactory.create_batch(2, batch=made)
    total, done = 6, 4  # the two queued ones still need sending
    sign_in(client, staff)
    url = reverse("sms:batch_progress", args=[made.pk])

    fragment = client.get(url).content.decode()

    assert "<html" not in fragment
    assert f'max="{total}" value="{done}"' in fragment
    assert text_of(fragment, "sms-percent") == f"{done * 100 // total}%"
    assert text_of(fragment, "sms-sent") == "3"
    assert status_count(fragment, "sent") == 3
    assert status_count(fragment, "failed") == 1
    assert status_count(fragment, "queued") == 2
    assert 'hx-trigger="every 2s"' in fragment
    # No personal data in what is fetched every 2 seconds.
    for message in sent:
        assert message.number not in fragment and message.phone.display not in fragment
        assert message.obligor.name not in fragment and message.number[-4:] not in fragment

    SmsBatch.objects.filter(pk=made.pk).update(status=SmsBatchStatus.DONE)
    assert "hx-trigger" not in client.get(url).content.decode()


def test_a_waiting_batch_says_when_it_goes_on_and_a_stopped_one_why(client, supervisor, batch):
    at = dt.datetime(2025, 6, 11, 9, 0, tzinfo=TOKYO)
    SmsBatch.objects.filter(pk=batch.pk).update(status=SmsBatchStatus.WAITING, next_run_at=at)
    sign_in(client, supervisor)
    url = reverse("sms:batch_progress", args=[batch.pk])
    fragment = client.get(url).content.decode()
    assert "令和7年6月11日 09:00 に自動で再開します" in text_of(fragment, "sms-next-run")
    assert reverse("sms:batch_resume", args=[batch.pk]) in fragment

    SmsBatch.objects.filter(pk=batch.pk).update(
        status=SmsBatchStatus.PAUSED, next_run_at=None, error="SMS の業務カレンダー: 未設定"
    )
    fragment = client.get(url).content.decode()
    assert text_of(fragment, "sms-error") == "停止の理由: SMS の業務カレンダー: 未設定"


# --- The message list ------------------------------------------------------------------------


def test_the_message_list_masks_numbers_pages_by_100_and_is_logged(client, inspector, batch):
    SmsMessageFactory.create_batch(98, batch=batch)  # 101 with the batch's three
    numbers = list(batch.messages.order_by("pk").values_list("number", flat=True))
    sign_in(client, inspector)
    url = reverse("sms:batch", args=[batch.pk])

    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()

    rows = re.compile(r'<tr>\s*<td class="num">(\*\*\*-\*\*\*\*-\d{4})</td>')
    assert rows.findall(first) == [f"***-****-{n[-4:]}" for n in numbers[:100]]
    assert rows.findall(second) == [f"***-****-{numbers[100][-4:]}"]
    assert not any(number in first for number in numbers)
    entries = AccessLogEntry.objects.filter(action=AccessAction.VIEW).order_by("seq")
    assert [(e.object_type, e.object_id) for e in entries] == [("sms.smsbatch", str(batch.pk))] * 2
    assert all(e.fields == ["contacts", "phone"] for e in entries)
    assert "100件" in entries[0].reason and "2ページ・1件" in entries[1].reason


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_query_counts_do_not_grow_with_the_messages_or_the_batches(
    client, supervisor, sms_campaign, template
):
    made = SmsBatchFactory(
        municipality=sms_campaign.municipality, campaign=sms_campaign, template=template
    )
    SmsMessageFactory.create_batch(5, batch=made)
    sign_in(client, supervisor)
    urls = [
        reverse("sms:batch", args=[made.pk]),
        reverse("sms:batch_progress", args=[made.pk]),
        reverse("sms:batches"),
    ]
    few = [_queries(client, url) for url in urls]
    SmsMessageFactory.create_batch(45, batch=made, sent=True)
    for _ in range(4):
        other = SmsBatchFactory(
            municipality=sms_campaign.municipality, campaign=sms_campaign, template=template
        )
        SmsMessageFactory.create_batch(2, batch=other)
    assert made.messages.count() == 50
    assert [_queries(client, url) for url in urls] == few
