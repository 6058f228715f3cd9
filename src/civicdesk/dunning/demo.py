"""The dunning center's part of ``civicdesk demo``: a campaign per team, built through the real
service by the demo supervisor, and the clean-up that ``--rebuild`` needs first."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection

from civicdesk.dunning.choices import CampaignChannel, PriorityRule
from civicdesk.dunning.models import (
    Campaign,
    Contact,
    ContactAccount,
    HandOver,
    InboundCall,
    Promise,
    StaffRequest,
    WorkItem,
)
from civicdesk.registry.models import Obligor

# name, team, revenue types
DEMO_CAMPAIGNS = [
    ("国保 電話催告（デモ）", "国保チーム", ["nhi"]),
    ("住民税・軽自動車税 電話催告（デモ）", "税チーム", ["resident_tax", "light_vehicle_tax"]),
]


def create_demo_campaigns(*, acting_user, municipality, today: date) -> list[Campaign]:
    """One call campaign per demo team over the unpaid arrears, unless it exists already."""
    from civicdesk.accounts.models import Team
    from civicdesk.dunning.services.campaigns import create_campaign

    made = []
    for name, team_name, revenue_types in DEMO_CAMPAIGNS:
        if Campaign.objects.filter(municipality=municipality, name=name).exists():
            continue
        team = Team.objects.get(municipality=municipality, name=team_name)
        made.append(
            create_campaign(
                acting_user=acting_user,
                name=name,
                channel=CampaignChannel.CALL,
                starts_on=today,
                ends_on=today + timedelta(days=90),
                priority_rule=PriorityRule.NEWEST_ARREARS,
                conditions={"revenue_types": revenue_types},
                max_attempts=5,
                min_days_between_contacts=3,
                retry_rules={},
                script=DEMO_SCRIPT,
                teams=[team],
                operators=[],
            )
        )
    return made


DEMO_SCRIPT = """\
お忙しいところ失礼いたします。こちらは江東区 納付案内センターです。
{ご本人確認} 恐れ入りますが、○○様ご本人でいらっしゃいますか。
{用件} 納期限を過ぎた保険料（税）のお支払いについてご案内のお電話です。
{約束} いつ頃お支払いいただけますでしょうか。（金額・日付を確認）
{相談} お支払いが難しい場合は、区の担当者から分納のご相談をご案内します。
"""


def remove_demo_dunning(municipality_id: int) -> None:
    """Delete the municipality's dunning rows (``demo --rebuild``), children first, in SQL:
    the database's foreign keys would refuse to delete the obligors under them."""
    obligor = Obligor._meta.db_table
    contact, promise = Contact._meta.db_table, Promise._meta.db_table
    item, campaign = WorkItem._meta.db_table, Campaign._meta.db_table
    request, call = StaffRequest._meta.db_table, InboundCall._meta.db_table
    of_contacts = (
        f"contact_id IN (SELECT c.id FROM {contact} c "
        f"JOIN {obligor} o ON o.id = c.obligor_id WHERE o.municipality_id = %s)"
    )
    of_campaigns = f"campaign_id IN (SELECT id FROM {campaign} WHERE municipality_id = %s)"
    statements = [
        f"DELETE FROM {ContactAccount._meta.db_table} WHERE {of_contacts}",
        f"DELETE FROM {Promise.accounts.through._meta.db_table} WHERE promise_id IN "
        f"(SELECT p.id FROM {promise} p JOIN {contact} c ON c.id = p.contact_id "
        f"JOIN {obligor} o ON o.id = c.obligor_id WHERE o.municipality_id = %s)",
        f"DELETE FROM {StaffRequest.accounts.through._meta.db_table} WHERE staffrequest_id IN "
        f"(SELECT id FROM {request} WHERE municipality_id = %s)",
        f"DELETE FROM {request} WHERE municipality_id = %s",
        f"DELETE FROM {HandOver._meta.db_table} WHERE municipality_id = %s",
        f"DELETE FROM {InboundCall.matches.through._meta.db_table} WHERE inboundcall_id IN "
        f"(SELECT id FROM {call} WHERE municipality_id = %s)",
        f"DELETE FROM {call} WHERE municipality_id = %s",
        f"DELETE FROM {WorkItem.accounts.through._meta.db_table} WHERE workitem_id IN "
        f"(SELECT id FROM {item} WHERE {of_campaigns})",
        f"UPDATE {item} SET follow_up_of_id = NULL WHERE {of_campaigns}",
        f"DELETE FROM {promise} WHERE {of_contacts}",
        f"DELETE FROM {contact} WHERE obligor_id IN "
        f"(SELECT id FROM {obligor} WHERE municipality_id = %s)",
        f"DELETE FROM {item} WHERE {of_campaigns}",
        f"DELETE FROM {Campaign.teams.through._meta.db_table} WHERE {of_campaigns}",
        f"DELETE FROM {Campaign.operators.through._meta.db_table} WHERE {of_campaigns}",
        f"DELETE FROM {campaign} WHERE municipality_id = %s",
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, [municipality_id])
