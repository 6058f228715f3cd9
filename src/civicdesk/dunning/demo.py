"""The dunning center's part of ``civicdesk demo``: a call campaign per team and a visit campaign
for the tax team over the towns with the most people, built through the real service by the
demo supervisor; the documents visitors leave; and the clean-up that ``--rebuild`` needs first.
Each campaign is made once; without obligors the part makes nothing and says so."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection
from django.db.models import Count

from civicdesk.accounts.models import Team
from civicdesk.core.demo_parts import DemoContext, DemoPart, Skipped
from civicdesk.dunning.choices import CampaignChannel, PriorityRule
from civicdesk.dunning.models import (
    Campaign,
    Contact,
    ContactAccount,
    HandOver,
    InboundCall,
    LeftNoticeTemplate,
    LetterBatch,
    Promise,
    ReminderLetter,
    StaffRequest,
    VisitList,
    VisitRecord,
    VisitStop,
    WorkItem,
)
from civicdesk.dunning.services.campaigns import create_campaign
from civicdesk.receivables.models import Account
from civicdesk.registry.models import Obligor

# name, team, revenue types
DEMO_CAMPAIGNS = [
    ("国保 電話催告（デモ）", "国保チーム", ["nhi"]),
    ("住民税・軽自動車税 電話催告（デモ）", "税チーム", ["resident_tax", "light_vehicle_tax"]),
]
TAX_TYPES = ["resident_tax", "light_vehicle_tax"]
DEMO_VISIT_CAMPAIGN = "住民税・軽自動車税 訪問催告（デモ）"
DEMO_VISIT_TOWNS = 3
# The documents the demo visitor can leave (seed 000 §8(1)②: 不在文書・納付案内パンフレット等).
DEMO_LEFT_NOTICES = [
    ("不在票", "ご不在のためお伺いした旨と、納付案内センターの連絡先"),
    ("納付案内パンフレット", "納付の方法（窓口・金融機関・コンビニ・スマートフォン決済）"),
    ("口座振替のご案内", "口座振替依頼書と記入例"),
]


def create_demo_campaigns(*, acting_user, municipality, today: date) -> list[Campaign]:
    """One call campaign per demo team over the unpaid arrears, unless it exists already."""
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
    visits = _create_visit_campaign(acting_user, municipality, today)
    if visits is not None:
        made.append(visits)
    create_left_notices(municipality)
    return made


def _create_visit_campaign(acting_user, municipality, today: date) -> Campaign | None:
    """The tax team visits the towns where most people owe tax (unless it exists already)."""
    if Campaign.objects.filter(municipality=municipality, name=DEMO_VISIT_CAMPAIGN).exists():
        return None
    towns = list(
        Obligor.objects.filter(municipality=municipality)
        .exclude(town="")
        .filter(pk__in=Account.objects.filter(revenue_type__in=TAX_TYPES).values("obligor_id"))
        .values("town")
        .annotate(n=Count("pk"))
        .order_by("-n", "town")
        .values_list("town", flat=True)[:DEMO_VISIT_TOWNS]
    )
    if not towns:
        return None
    return create_campaign(
        acting_user=acting_user,
        name=DEMO_VISIT_CAMPAIGN,
        channel=CampaignChannel.VISIT,
        starts_on=today,
        ends_on=today + timedelta(days=90),
        priority_rule=PriorityRule.LARGEST_UNPAID,
        conditions={"revenue_types": TAX_TYPES, "towns": towns},
        max_attempts=3,
        min_days_between_contacts=3,
        retry_rules={},
        script=DEMO_VISIT_NOTICE,
        teams=[Team.objects.get(municipality=municipality, name="税チーム")],
        operators=[],
    )


def create_left_notices(municipality) -> None:
    for order, (name, description) in enumerate(DEMO_LEFT_NOTICES, 1):
        LeftNoticeTemplate.objects.get_or_create(
            municipality=municipality,
            name=name,
            defaults={"description": description, "order": order},
        )


DEMO_VISIT_NOTICE = """\
納期限を過ぎた住民税・軽自動車税のお支払いについてのご案内です。
お支払いがまだの方は、お手元の納付書で至急お納めください。
納付書がない・お支払いが難しい場合は、納付案内センターへご連絡ください。
"""

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
    visit_list, batch = VisitList._meta.db_table, LetterBatch._meta.db_table
    statements = [
        # Issue 5: visits and letters refer to contacts, items and campaigns.
        f"DELETE FROM {VisitRecord.left_notices.through._meta.db_table} WHERE visitrecord_id IN "
        f"(SELECT id FROM {VisitRecord._meta.db_table} WHERE {of_contacts})",
        f"DELETE FROM {VisitRecord._meta.db_table} WHERE {of_contacts}",
        f"DELETE FROM {VisitStop._meta.db_table} WHERE visit_list_id IN "
        f"(SELECT id FROM {visit_list} WHERE municipality_id = %s)",
        f"DELETE FROM {visit_list} WHERE municipality_id = %s",
        f"DELETE FROM {ReminderLetter._meta.db_table} WHERE batch_id IN "
        f"(SELECT id FROM {batch} WHERE municipality_id = %s)",
        f"DELETE FROM {batch} WHERE municipality_id = %s",
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


# --- the part --------------------------------------------------------------------------------


def build(context: DemoContext) -> list[Campaign] | Skipped:
    municipality = context.municipality
    if not Obligor.objects.filter(municipality=municipality).exists():
        return Skipped("催告計画: 納付義務者がいないため作成しません。")
    made = create_demo_campaigns(
        acting_user=context.person("supervisor"), municipality=municipality, today=context.today
    )
    if not made:
        return Skipped("催告計画: 作成済みのため作りません。")
    for campaign in made:
        context.say(
            f"催告計画「{campaign.name}」を作成しました（対象 {campaign.items.count():,} 人）。"
        )
    return made


def remove(context: DemoContext) -> None:
    remove_demo_dunning(context.municipality.pk)


DEMO_PART = DemoPart(name="dunning", order=60, build=build, remove=remove)
