"""SMS batches (issue 6 §3): made from an ``sms`` campaign and a template, then paused,
resumed or cancelled by a supervisor. Sending is services.sending.

``plan_sms_batch`` checks everything first (campaign, template, field policy, rate, the sms
calendar, each text's length) and raises one ``ValidationError`` naming every problem; the
page's 「件数を確認」 shows its counts and one sample text. ``create_sms_batch`` writes the
batch and all its messages in one transaction with the access-log entry, and queues the
worker once the transaction has committed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core import calendar
from civicdesk.core.calendar import TOKYO, CalendarError, Service
from civicdesk.core.japanese import era_date, yen
from civicdesk.core.models import Municipality
from civicdesk.dunning.choices import CampaignChannel, CampaignStatus
from civicdesk.dunning.conditions import ConditionError, Conditions
from civicdesk.dunning.services.letter_documents import hours_summary
from civicdesk.privacy.field_policy import allowed_fields
from civicdesk.registry.selectors import scope_for
from civicdesk.sms import rendering, tasks
from civicdesk.sms.choices import (
    ENDED_BATCH_STATUSES,
    PENDING_MESSAGE_STATUSES,
    RUNNABLE_BATCH_STATUSES,
    SmsBatchStatus,
    SmsMessageStatus,
)
from civicdesk.sms.models import SmsBatch, SmsMessage, SmsTemplate
from civicdesk.sms.segments import count_segments
from civicdesk.sms.selectors import batches as selectors
from civicdesk.sms.services.sending import batch_fields


@dataclass
class BatchPlan:
    campaign: object
    template: SmsTemplate
    rate_per_second: int
    reason: str
    messages: list[SmsMessage] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    next_opening: dt.datetime | None = None

    @property
    def sample(self) -> SmsMessage | None:
        return self.messages[0] if self.messages else None

    @property
    def segments_total(self) -> int:
        return sum(message.segments for message in self.messages)


class _Errors(dict):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


# --- Making a batch --------------------------------------------------------------------------


def plan_sms_batch(
    *, acting_user, campaign, template, rate_per_second=None, reason: str = "", now=None
) -> BatchPlan:
    """Whom the batch texts and what each text says, or one ValidationError naming every
    problem. Nothing is written."""
    now = now or timezone.now()
    _check_permission(acting_user)
    errors = _Errors()
    rate = _checked_rate(errors, rate_per_second)
    _check_campaign(errors, acting_user, campaign, now)
    _check_template(errors, acting_user, template, campaign)
    if errors:
        raise ValidationError(dict(errors))
    plan = BatchPlan(
        campaign=campaign,
        template=template,
        rate_per_second=rate,
        reason=(reason or "").strip() or f"SMS 催告（{campaign.name}）",
    )
    plan.next_opening = _next_opening(errors, campaign.municipality, now)
    common = _common_values(errors, template, campaign.municipality, now)
    if errors:
        raise ValidationError(dict(errors))
    targets = selectors.campaign_targets(campaign, template.revenue_type, user=acting_user, now=now)
    plan.skipped = dict(targets.skipped)
    for target in targets.people:
        message = _message(template, target, common)
        if message is None:
            plan.skipped["too_long"] = plan.skipped.get("too_long", 0) + 1
        else:
            plan.messages.append(message)
    if not plan.messages:
        left_out = skipped_text(plan.skipped)
        errors.add(
            "__all__",
            "送信する SMS がありません" + (f"（対象外: {left_out}）" if left_out else "。"),
        )
        raise ValidationError(dict(errors))
    return plan


def create_sms_batch(
    *,
    acting_user,
    campaign,
    template,
    rate_per_second=None,
    reason: str = "",
    now=None,
) -> SmsBatch:
    """Make the batch and its messages (送信待ち) and queue the worker."""
    plan = plan_sms_batch(
        acting_user=acting_user,
        campaign=campaign,
        template=template,
        rate_per_second=rate_per_second,
        reason=reason,
        now=now,
    )
    with transaction.atomic():
        batch = SmsBatch.objects.create(
            municipality=campaign.municipality,
            campaign=campaign,
            template=template,
            revenue_type=template.revenue_type,
            body=template.body,
            provider=settings.SMS_PROVIDER,
            rate_per_second=plan.rate_per_second,
            total=len(plan.messages),
            skipped=plan.skipped,
            reason=plan.reason[: SmsBatch._meta.get_field("reason").max_length],
            created_by=acting_user,
        )
        for message in plan.messages:
            message.batch = batch
            message.key = message_key(batch.pk, message.obligor_id, message.number)
        SmsMessage.objects.bulk_create(plan.messages, batch_size=1000)
        record_access(
            acting_user=acting_user,
            action=AccessAction.CREATE,
            obj=batch,
            fields=batch_fields(batch),
            reason=plan.reason,
        )
        transaction.on_commit(lambda: _enqueue(batch.pk))
    return batch


def message_key(batch_id: int, obligor_id: int, number: str) -> str:
    """The idempotency key of (batch, obligor, phone), without the number itself."""
    digest = hashlib.sha256(number.encode()).hexdigest()[:16]
    return f"b{batch_id}-o{obligor_id}-{digest}"


def skipped_text(skipped: dict) -> str:
    """「携帯電話番号なし 2人、受信拒否 1人」 (empty when nobody was left out)."""
    return "、".join(
        f"{selectors.SKIP_LABELS.get(key, key)} {count:,}人"
        for key, count in skipped.items()
        if count
    )


def _enqueue(batch_id: int) -> None:
    tasks.send_sms_batch.enqueue(batch_id)


def _check_permission(acting_user) -> None:
    if not selectors.may_create_batches(acting_user):
        raise PermissionDenied("SMS を送信する権限がありません。")


def _checked_rate(errors: _Errors, value) -> int:
    limit = settings.SMS_RATE_PER_SECOND
    if value in (None, ""):
        return limit
    try:
        rate = int(value)
    except (TypeError, ValueError):
        rate = 0
    if not 1 <= rate <= limit:
        errors.add("rate_per_second", f"送信速度は 1〜{limit} 通／秒で指定してください。")
    return rate


def _check_campaign(errors: _Errors, acting_user, campaign, now: dt.datetime) -> None:
    municipality_id = Municipality.objects.id_for_user(acting_user)
    if campaign is None or campaign.municipality_id != municipality_id:
        errors.add("campaign", "催告計画が見つかりません。")
        return
    if campaign.channel != CampaignChannel.SMS:
        errors.add("campaign", f"催告計画「{campaign.name}」の手段が SMS ではありません。")
    if campaign.status != CampaignStatus.ACTIVE:
        errors.add(
            "campaign", f"催告計画「{campaign.name}」は{campaign.get_status_display()}です。"
        )
    today = timezone.localdate(now, TOKYO)
    if not campaign.starts_on <= today <= campaign.ends_on:
        errors.add(
            "campaign",
            f"催告計画「{campaign.name}」の期間（{campaign.starts_on:%Y/%m/%d}〜"
            f"{campaign.ends_on:%Y/%m/%d}）外です。",
        )


def _check_template(errors: _Errors, acting_user, template, campaign) -> None:
    if template is None or template.municipality_id != Municipality.objects.id_for_user(
        acting_user
    ):
        errors.add("template", "テンプレートが見つかりません。")
        return
    if not template.is_active:
        errors.add("template", f"テンプレート「{template.name}」は使用しない設定です。")
    scope = scope_for(acting_user)
    if scope is None or template.revenue_type not in scope.revenue_types:
        errors.add("template", "テンプレートの税目が担当の税目・保険料ではありません。")
    if campaign is not None:
        try:
            wanted = Conditions.from_json(campaign.conditions).revenue_types
        except ConditionError:
            wanted = ()
        if wanted and template.revenue_type not in wanted:
            errors.add(
                "template",
                f"テンプレートの税目（{template.get_revenue_type_display()}）が"
                "催告計画の対象の税目にありません。",
            )
    try:
        personal = rendering.personal_variables_in(template.body)
    except rendering.TemplateSyntaxProblem as problem:
        errors.add("template", str(problem))
        return
    if personal and not template.allows_personal_values:
        errors.add(
            "template",
            "テンプレートに個人の情報（"
            + "・".join("{" + name + "}" for name in personal)
            + "）がありますが、含めることが許可されていません。",
        )
    allowed = allowed_fields(template.revenue_type, "calls")
    refused = [name for name in personal if rendering.PERSONAL_FIELDS[name] not in allowed]
    if refused:
        errors.add(
            "template",
            "項目の取扱い方針で SMS に使えない変数があります: "
            + "・".join("{" + name + "}" for name in refused),
        )


def _next_opening(errors: _Errors, municipality, now: dt.datetime) -> dt.datetime | None:
    try:
        return calendar.next_open(Service.SMS, now, municipality=municipality)
    except CalendarError as error:
        errors.add("__all__", f"SMS の業務カレンダー: {error}")
        return None


def _common_values(errors: _Errors, template, municipality, now: dt.datetime) -> dict:
    """The values every message of the batch shares: the center and its hours."""
    used = set(rendering.variables_in(template.body))
    values = {}
    if rendering.CONTACT in used:
        values[rendering.CONTACT] = rendering.contact_text(municipality)
        if not (municipality.contact_center_phone or "").strip():
            errors.add(
                "__all__",
                f"{municipality.name}: 納付案内センターの電話番号が登録されていません"
                "（{問合せ先} に使います。管理画面の自治体で登録してください）。",
            )
    if rendering.HOURS in used:
        try:
            values[rendering.HOURS] = hours_summary(municipality, timezone.localdate(now, TOKYO))
        except CalendarError as error:
            errors.add("__all__", f"電話催告の業務カレンダー（{{受付時間}} に使います）: {error}")
    return values


def _message(template, target, common: dict) -> SmsMessage | None:
    """One person's message, or None when the text is over the maximum."""
    values = dict(common)
    if template.allows_personal_values:
        values[rendering.NAME] = target.name
        values[rendering.UNPAID] = yen(target.unpaid)
        values[rendering.DUE_DATE] = era_date(target.oldest_due_date)
    text = rendering.render(template.body, values)
    count = count_segments(text)
    if count.characters > settings.SMS_MAX_CHARACTERS:
        return None
    return SmsMessage(
        obligor_id=target.obligor_id,
        phone_id=target.phone_id,
        number=target.number,
        work_item_id=target.work_item_id,
        account_ids=target.account_ids,
        text=text,
        encoding=count.encoding,
        segments=count.segments,
    )


# --- Pause, resume, cancel -------------------------------------------------------------------


def pause_sms_batch(*, acting_user, batch: SmsBatch) -> SmsBatch:
    """Stop sending after the message being sent now; resume goes on from there."""
    return _change(acting_user, batch, RUNNABLE_BATCH_STATUSES, SmsBatchStatus.PAUSED, "一時停止")


def resume_sms_batch(*, acting_user, batch: SmsBatch) -> SmsBatch:
    """Send the rest: a paused or waiting batch, or one whose worker died (its lease ran out).
    A batch a live worker is sending is left to it."""
    now = timezone.now()
    no_live_worker = Q(runner_until__isnull=True) | Q(runner_until__lt=now)
    batch = _change(
        acting_user, batch, (SmsBatchStatus.PAUSED, *RUNNABLE_BATCH_STATUSES),
        SmsBatchStatus.QUEUED, "再開", only=no_live_worker,
    )  # fmt: skip
    transaction.on_commit(lambda: _enqueue(batch.pk))
    return batch


def cancel_sms_batch(*, acting_user, batch: SmsBatch) -> SmsBatch:
    """No more messages: those not yet sent are 取消; sent ones stay in the history."""
    with transaction.atomic():
        batch = _change(
            acting_user, batch, (SmsBatchStatus.PAUSED, *RUNNABLE_BATCH_STATUSES),
            SmsBatchStatus.CANCELLED, "中止",
        )  # fmt: skip
        SmsMessage.objects.filter(batch=batch, status__in=PENDING_MESSAGE_STATUSES).update(
            status=SmsMessageStatus.CANCELLED, updated_at=timezone.now()
        )
    return batch


def _change(acting_user, batch, allowed, status, label, only=None) -> SmsBatch:
    if not selectors.may_control_batches(acting_user):
        raise PermissionDenied("SMS の送信を操作する権限がありません。")
    with transaction.atomic():
        rows = SmsBatch.objects.filter(pk=batch.pk, status__in=allowed)
        if only is not None:
            rows = rows.filter(only)
        changed = rows.update(
            status=status,
            status_changed_by=acting_user,
            next_run_at=None,
            error="",
            finished_at=timezone.now() if status in ENDED_BATCH_STATUSES else None,
        )
        batch.refresh_from_db()
        if not changed:
            state = "送信処理が動いている" if only is not None else batch.get_status_display()
            raise ValidationError({"__all__": [f"{state}送信は{label}できません。"]})
        record_access(
            acting_user=acting_user,
            action=AccessAction.CHANGE,
            obj=batch,
            fields=["status"],
            reason=f"SMS 送信の{label}",
        )
    return batch
