"""SMS in ``civicdesk demo``: one template per revenue type (no personal values: the default
most municipalities keep) and an SMS campaign for the NHI team, made by the demo supervisor
through the real services. Nothing is sent: the supervisor starts a batch on the SMS page
and the demo's ``file`` provider writes the texts to the outbox. ``remove_demo_sms`` is the
clean-up ``--rebuild`` needs before the dunning rows go. Without anyone the campaign could text
(no obligors, or none with a mobile and at most two NHI periods unpaid) the part makes no campaign
and says so in one line."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection

from civicdesk.accounts.models import Team
from civicdesk.core.choices import RevenueType
from civicdesk.core.demo_parts import DemoContext, DemoPart, Skipped
from civicdesk.dunning.choices import CampaignChannel, PriorityRule
from civicdesk.dunning.conditions import obligor_groups
from civicdesk.dunning.models import Campaign
from civicdesk.dunning.services.campaigns import create_campaign
from civicdesk.sms.models import OptOut, SmsBatch, SmsMessage, SmsReply, SmsTemplate
from civicdesk.sms.services.templates import save_sms_template

DEMO_SMS_CAMPAIGN = "国保 SMS催告（デモ）"
DEMO_TEMPLATE_BODY = (
    "【{問合せ先}】{税目}の納付が確認できていません。お手元の納付書でお納めいただくか、"
    "納付が難しい場合はご連絡ください。受付: {受付時間}"
)
SUBJECTS = {
    RevenueType.RESIDENT_TAX: "住民税",
    RevenueType.LIGHT_VEHICLE_TAX: "軽自動車税",
    RevenueType.NHI: "国民健康保険料",
    RevenueType.LATE_ELDERLY: "後期高齢者医療保険料",
    RevenueType.LTC: "介護保険料",
}


# People with a number and at most two periods unpaid: early reminders by text.
DEMO_SMS_CONDITIONS = {"revenue_types": ["nhi"], "has_phone": True, "overdue_periods_max": 2}


def create_demo_templates(*, acting_user, municipality) -> int:
    """One template per revenue type, unless it exists; returns how many were made."""
    made = 0
    for revenue_type, subject in SUBJECTS.items():
        name = f"{subject} 納付のお願い（デモ）"
        if not SmsTemplate.objects.filter(municipality=municipality, name=name).exists():
            save_sms_template(
                acting_user=acting_user,
                name=name,
                revenue_type=revenue_type,
                body=DEMO_TEMPLATE_BODY.replace("{税目}", subject),
                allows_personal_values=False,
            )
            made += 1
    return made


def create_demo_sms(*, acting_user, municipality, today: date) -> Campaign | None:
    """The NHI team's SMS campaign, unless it exists (None then)."""
    if Campaign.objects.filter(municipality=municipality, name=DEMO_SMS_CAMPAIGN).exists():
        return None
    return create_campaign(
        acting_user=acting_user,
        name=DEMO_SMS_CAMPAIGN,
        channel=CampaignChannel.SMS,
        starts_on=today,
        ends_on=today + timedelta(days=90),
        priority_rule=PriorityRule.NEWEST_ARREARS,
        conditions=DEMO_SMS_CONDITIONS,
        max_attempts=1,
        min_days_between_contacts=3,
        retry_rules={},
        script="",
        teams=[Team.objects.get(municipality=municipality, name="国保チーム")],
        operators=[],
    )


def remove_demo_sms(municipality_id: int) -> None:
    """Delete the municipality's SMS rows (they refer to contacts, items and campaigns)."""
    statements = [
        f"DELETE FROM {SmsReply._meta.db_table} WHERE municipality_id = %s",
        f"DELETE FROM {OptOut._meta.db_table} WHERE municipality_id = %s",
        f"DELETE FROM {SmsMessage._meta.db_table} WHERE batch_id IN "
        f"(SELECT id FROM {SmsBatch._meta.db_table} WHERE municipality_id = %s)",
        f"DELETE FROM {SmsBatch._meta.db_table} WHERE municipality_id = %s",
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, [municipality_id])


# --- the part --------------------------------------------------------------------------------


def build(context: DemoContext) -> Campaign | Skipped:
    supervisor, municipality = context.person("supervisor"), context.municipality
    templates = create_demo_templates(acting_user=supervisor, municipality=municipality)
    made = f"（テンプレート {templates} 件を用意しました）" if templates else ""
    if Campaign.objects.filter(municipality=municipality, name=DEMO_SMS_CAMPAIGN).exists():
        return Skipped(f"SMS: 催告計画は作成済みのため作りません{made}。")
    if not obligor_groups(DEMO_SMS_CONDITIONS, municipality, today=context.today):
        return Skipped(f"SMS: 対象者がいないため催告計画を作成しません{made}。")
    campaign = create_demo_sms(
        acting_user=supervisor, municipality=municipality, today=context.today
    )
    templates_made = f"SMS テンプレート {templates} 件と" if templates else ""
    context.say(
        f"{templates_made}催告計画「{campaign.name}」を作成しました"
        f"（対象 {campaign.items.count():,} 人）。"
    )
    return campaign


def remove(context: DemoContext) -> None:
    remove_demo_sms(context.municipality.pk)


DEMO_PART = DemoPart(name="sms", order=70, build=build, remove=remove)
