"""Who may open which URL: every URL pattern of the project, parameters included, for every role,
anonymous visitors and two outsiders, from ONE table (issue 8 §8).

Each row of ``TABLE`` is one URL name: the method, the object of the seeded world its
parameters point at, and the expected status per column of ``ROLES``. A URL pattern missing
from the table fails ``test_every_url_pattern_is_in_the_table`` with the rows to add.

Adding a row: ``"app:name": get(None, *row)`` for a page without parameters, or
``get("world key", *row)`` with the key of ``World.args`` its parameters come from; ``post``
for actions that only take POST (``PASS``: the role gets past the permission check, so any
answer but 401/403/404/405/5xx; a GET then answers 405). Columns (``ROLES``):

    anonymous operator outsider foreign visitor reception counter_clerk cashier supervisor staff
    inspector admin card_operator venue_clerk

- operator / visitor: of the NHI team; outsider: an operator of the tax team (same
  municipality); foreign: an operator of an NHI team in another municipality.
- anonymous: 302 to the sign-in page for HTML, 401/403 for the API.

Every refused answer (302, 401, 403, 404, 405) is searched for every obligor's personal data
(the sentinels of the seeded world): a refusal never carries any.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import NamedTuple

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from civicdesk.accounts.models import RosterChangeKind
from civicdesk.accounts.services import roster as rosters
from civicdesk.core.japanese import era_date, normalize_phone
from civicdesk.dunning.choices import (
    ContactChannel,
    ContactOutcome,
    ContactParty,
    HandOverReason,
    LetterSource,
    StaffRequestKind,
)
from civicdesk.dunning.models import (
    HandOver,
    InboundCall,
    LetterBatch,
    ReminderLetter,
    StaffRequest,
    VisitRecord,
)
from civicdesk.oversight.models import AccessAlert, AlertKind
from civicdesk.oversight.services import purge, status_report
from civicdesk.privacy.models.registers import ExportRequestStatus
from civicdesk.privacy.services import export_requests, incidents, roster_export
from civicdesk.receivables.models import ImportKind, ImportRun, ImportStatus
from civicdesk.sms.models import SmsReply
from tests.cards.world import build_cards_world
from tests.conftest import sign_in
from tests.counter.world import build_counter_world
from tests.dunning.factories import (
    CampaignFactory,
    ContactFactory,
    VisitListFactory,
    VisitStopFactory,
    WorkItemFactory,
    cover,
    make_promise,
)
from tests.factories import MunicipalityFactory, TeamFactory, UserFactory
from tests.registry.factories import (
    AccountFactory,
    HouseholdFactory,
    HouseholdMemberFactory,
    InstallmentFactory,
    ObligorFactory,
    PhoneFactory,
)
from tests.sms.factories import (
    OptOutFactory,
    SmsBatchFactory,
    SmsMessageFactory,
    SmsTemplateFactory,
)

pytestmark = pytest.mark.django_db

# --- The seeded world: one obligor per revenue type and one with several, every personal
# field a distinct sentinel -------------------------------------------------------------------

# (tag, revenue types): the tag makes each obligor's sentinels distinct (甲 … 己).
OBLIGORS = [
    ("甲", ["resident_tax"]),
    ("乙", ["light_vehicle_tax"]),
    ("丙", ["nhi"]),
    ("丁", ["late_elderly"]),
    ("戊", ["ltc"]),
    ("己", ["nhi", "late_elderly", "resident_tax"]),
]
KANA_TAGS = {"甲": "コウ", "乙": "オツ", "丙": "ヘイ", "丁": "テイ", "戊": "ボ", "己": "キ"}


class Sentinel(NamedTuple):
    """One personal value as stored, the field-policy field it belongs to, the obligor, and the
    revenue types whose policy governs it (the account's type; for a person's own fields,
    every type the person has: any one that allows the field allows it)."""

    value: object
    field: str
    obligor_tag: str
    revenue_types: tuple[str, ...]

    def renderings(self) -> set[str]:
        """Every way a screen, a file or a context may spell the value."""
        value = self.value
        if isinstance(value, dt.date):
            return {
                value.isoformat(),
                value.strftime("%Y/%m/%d"),
                f"{value.year}年{value.month}月{value.day}日",
                era_date(value),
                era_date(value, "short"),
            }
        if isinstance(value, int):
            return {str(value), f"{value:,}"}
        text = str(value)
        if self.field == "phone":
            return {text, normalize_phone(text), text.replace("-", "")}
        return {text}


@dataclass
class World:
    municipality: object
    users: dict[str, object]
    obligors: dict[str, object]
    sentinels: list[Sentinel] = field(default_factory=list)
    # world key -> the positional URL arguments of the object it names.
    args: dict[str, list] = field(default_factory=dict)
    # Extra pages the walker opens (url name, args) beyond one per table row.
    pages: list[tuple[str, list]] = field(default_factory=list)

    def sentinel_texts(self) -> set[str]:
        return {text for sentinel in self.sentinels for text in sentinel.renderings()}


PASSWORD = "correct-horse-battery-42"


def appears_in(rendering: str, text: str) -> bool:
    """Whether ``text`` shows ``rendering`` as a value of its own, not inside a longer run of
    letters and digits: a CSRF token, a file's hash or a download link is random and spells a
    four-digit amount now and then (a token did, once in CI)."""
    if rendering not in text:
        return False
    before = r"(?<![0-9A-Za-z])" if rendering[0].isascii() and rendering[0].isalnum() else ""
    after = r"(?![0-9A-Za-z])" if rendering[-1].isascii() and rendering[-1].isalnum() else ""
    return re.search(before + re.escape(rendering) + after, text) is not None


def _user(username, role, municipality, team=None):
    return UserFactory(
        username=username, role=role, municipality=municipality, team=team, password=PASSWORD
    )


def _people(municipality):
    nhi = TeamFactory(municipality=municipality, name="国保チーム", revenue_types=["nhi"])
    tax = TeamFactory(
        municipality=municipality,
        name="税チーム",
        revenue_types=["resident_tax", "light_vehicle_tax"],
    )
    elderly = TeamFactory(
        municipality=municipality, name="後期チーム", revenue_types=["late_elderly"]
    )
    elsewhere = MunicipalityFactory(code="132012", name="八王子市（テスト）")
    elsewhere_team = TeamFactory(municipality=elsewhere, name="国保チーム", revenue_types=["nhi"])
    return {
        "operator": _user("operator1", "operator", municipality, nhi),
        "outsider": _user("operator_tax", "operator", municipality, tax),
        "foreign": _user("operator_elsewhere", "operator", elsewhere, elsewhere_team),
        "visitor": _user("visitor1", "visitor", municipality, nhi),
        "visitor_elderly": _user("visitor_elderly", "visitor", municipality, elderly),
        "reception": _user("reception1", "reception", municipality),
        "counter_clerk": _user("clerk1", "counter_clerk", municipality),
        "cashier": _user("cashier1", "cashier", municipality),
        "supervisor": _user("supervisor1", "supervisor", municipality),
        "staff": _user("staff1", "staff", municipality),
        "inspector": _user("inspector1", "inspector", municipality),
        "admin": _user("admin1", "admin", municipality),
        "card_operator": _user("cardop1", "card_operator", municipality),
        "venue_clerk": _user("venue1", "venue_clerk", municipality),
    }


def _seed_obligor(world: World, index: int, tag: str, revenue_types: list[str]):
    """One person with a distinct sentinel in every personal field the models hold."""
    kana = KANA_TAGS[tag]
    types = tuple(revenue_types)
    household = HouseholdFactory(
        municipality=world.municipality, household_no=f"HH{index}0{index}7"
    )
    obligor = ObligorFactory(
        municipality=world.municipality,
        resident_no=f"{index}7{index}3{index}9{index}",
        name=f"試験氏名{tag}",
        name_kana=f"シケン{kana}",
        alias_name=f"通称名{tag}",
        birth_date=dt.date(1931, 2, 10 + index),
        postal_code=f"135-08{index}3",
        address=f"東京都江東区東陽{index}丁目住所{tag}",
        address_extra=f"方書{tag}",
        household=household,
    )
    phone = PhoneFactory(obligor=obligor, display=f"090-73{index}1-{index}8{index}2")
    member = HouseholdMemberFactory(
        household=household,
        name=f"世帯員{tag}",
        name_kana=f"セタイイン{kana}",
        birth_date=dt.date(1933, 6, 10 + index),
    )
    person = [
        ("name", obligor.name),
        ("name_kana", obligor.name_kana),
        ("alias_name", obligor.alias_name),
        ("birth_date", obligor.birth_date),
        ("postal_code", obligor.postal_code),
        ("address", obligor.address),
        ("address_extra", obligor.address_extra),
        ("phone", phone.display),
        ("household_no", household.household_no),
        ("household_member_name", member.name),
        ("household_member_name", member.name_kana),
        ("household_member_birth_date", member.birth_date),
    ]
    world.sentinels += [Sentinel(value, name, tag, types) for name, value in person]
    accounts = [
        _seed_account(world, index, slot, tag, obligor, rt) for slot, rt in enumerate(types)
    ]
    world.obligors[tag] = obligor
    return obligor, phone, accounts


def _seed_account(world: World, index: int, slot: int, tag: str, obligor, revenue_type: str):
    n = index * 10 + slot  # distinct per account
    account = AccountFactory(
        obligor=obligor,
        revenue_type=revenue_type,
        case_no=f"CASE{n:03d}",
        insured_no=f"HIHO{n:03d}X",
        demand_notice_on=dt.date(2021, 1, 1) + dt.timedelta(days=7 * n + 1),
        reminder_on=dt.date(2021, 6, 1) + dt.timedelta(days=7 * n + 2),
        account_transfer=False,
    )
    installment = InstallmentFactory(
        account=account,
        fiscal_year=2024,
        period="3",
        due_date=dt.date(2022, 1, 3) + dt.timedelta(days=7 * n),
        # Seven digits: no id in a link of a long test session reaches them.
        assessed=8_000_000 + 1_013 * n + 7,
        paid=3_100_000 + 17 * n + 3,
        late_charge=1_059_000 + 31 * n + 1,
        last_paid_on=dt.date(2023, 1, 4) + dt.timedelta(days=7 * n),
    )
    installment.refresh_from_db()
    values = [
        ("insured_no", account.insured_no),
        ("demand_notice_on", account.demand_notice_on),
        ("reminder_on", account.reminder_on),
        ("due_date", installment.due_date),
        ("assessed", installment.assessed),
        ("paid", installment.paid),
        ("unpaid", installment.unpaid),
        ("late_charge", installment.late_charge),
        ("last_paid_on", installment.last_paid_on),
    ]
    world.sentinels += [Sentinel(v, name, tag, (revenue_type,)) for name, v in values]
    return account


def build_world(municipality, *, privacy_records: bool = True) -> World:
    """Everything the pages need to show something: contacts, promises, hand-overs, a staff
    request, visit lists and stops, a visit record, letters, SMS messages and a reply, an
    inbound call, an import run, an access alert, for the six obligors of ``OBLIGORS``; and
    the privacy records (roster, export request, hand-over, incident, half-year report, purge
    plans) through their services, unless ``privacy_records`` is False (their PDFs take a
    second to render: tests that open no privacy page skip them)."""
    users = _people(municipality)
    world = World(municipality, users, {})
    # Executed before anyone is seeded: every revenue type has an obligor in the world, so a
    # purge executed later would take one of them (and the pages showing them) away.
    purged = _executed_purge_plan(users) if privacy_records else None
    seeded = {
        tag: _seed_obligor(world, i, tag, types) for i, (tag, types) in enumerate(OBLIGORS, 1)
    }
    now = timezone.now()
    call_campaign = CampaignFactory(
        municipality=municipality,
        conditions={"revenue_types": ["nhi", "late_elderly", "resident_tax"]},
    )
    for tag, (obligor, phone, accounts) in seeded.items():
        contact = cover(
            ContactFactory(
                obligor=obligor,
                user=users["operator"],
                phone=phone,
                campaign=call_campaign,
                note=f"折衝メモ{tag}",
                at=now - dt.timedelta(hours=2),
            ),
            *accounts,
        )
        world.sentinels.append(
            Sentinel(contact.note, "contacts", tag, tuple(a.revenue_type for a in accounts))
        )
        make_promise(
            contact,
            *accounts,
            amount=7_000 + 1_000 * len(world.pages),
            promised_on=timezone.localdate() + dt.timedelta(days=7),
        )
        world.pages += [
            ("dunning:case", [obligor.pk]),
            ("registry:obligor", [obligor.pk]),
            ("dunning:hand_over_new", [obligor.pk]),
        ]
    nhi, _, nhi_accounts = seeded["丙"]
    elderly, _, _ = seeded["丁"]
    several, _, several_accounts = seeded["己"]
    hand_over = HandOver.objects.create(
        municipality=municipality,
        obligor=nhi,
        revenue_types=["nhi"],
        reason=HandOverReason.HARDSHIP,
        note="納付が難しいとのこと",
        created_by=users["operator"],
    )
    elderly_hand_over = HandOver.objects.create(
        municipality=municipality,
        obligor=elderly,
        revenue_types=["late_elderly"],
        reason=HandOverReason.HARDSHIP,
        note="分納の相談",
        created_by=users["visitor_elderly"],
    )
    staff_request = StaffRequest.objects.create(
        municipality=municipality,
        kind=StaffRequestKind.SLIP_REISSUE,
        obligor=nhi,
        created_by=users["operator"],
    )
    staff_request.accounts.set(nhi_accounts)
    leased = WorkItemFactory(
        campaign=call_campaign,
        obligor=several,
        revenue_types=["nhi", "late_elderly", "resident_tax"],
        lease_owner=users["operator"],
        lease_expires_at=now + dt.timedelta(minutes=30),
    )
    stop = _visit_stop(municipality, users["visitor"], nhi, ["nhi"])
    elderly_stop = _visit_stop(municipality, users["visitor_elderly"], elderly, ["late_elderly"])
    several_stop = _visit_stop(
        municipality, users["visitor_elderly"], several, ["late_elderly"], elderly_stop.visit_list
    )
    _visited(several_stop, several_accounts, users["visitor_elderly"], now)
    letters = LetterBatch.objects.create(
        municipality=municipality, source=LetterSource.CAMPAIGN, campaign=call_campaign
    )
    for page, (tag, revenue_type) in enumerate([("丙", "nhi"), ("丁", "late_elderly")], 1):
        ReminderLetter.objects.create(
            batch=letters, obligor=seeded[tag][0], revenue_type=revenue_type, page=page,
            unpaid_total=seeded[tag][2][0].installments.get().unpaid,
        )  # fmt: skip
    sms = _sms(municipality, seeded)
    inbound = InboundCall.objects.create(
        municipality=municipality,
        caller=seeded["丙"][1].number,
        caller_display=seeded["丙"][1].display,
        received_at=now - dt.timedelta(minutes=1),
        operator=users["operator"],
    )
    inbound.matches.set([nhi])
    import_run = ImportRun.objects.create(
        municipality=municipality,
        kind=ImportKind.RECEIVABLES,
        file_name="滞納データ.csv",
        sha256="0" * 64,
        status=ImportStatus.DONE,
        dry_run=True,
        acting_user=users["staff"],
    )
    alert = AccessAlert.objects.create(
        day=timezone.localdate(),
        kind=AlertKind.CASES_PER_HOUR,
        user=users["operator"],
        count=61,
        detail="一時間に 61 件の案件を閲覧",
    )
    today = timezone.localdate()
    world.args = {
        "obligor": [nhi.pk],
        "campaign": [call_campaign.pk],
        "leased_item": [leased.pk],
        "hand_over": [hand_over.pk],
        "request": [staff_request.pk],
        "visit_list": [stop.visit_list_id],
        "visit_stop": [stop.pk],
        "letter_batch": [letters.pk],
        "sms_batch": [sms["batch"].pk],
        "sms_template": [sms["template"].pk],
        "opt_out": [sms["opt_out"].pk],
        "import_run": [import_run.pk],
        "alert": [alert.pk],
        "day": [today.isoformat()],
        "month": [today.strftime("%Y-%m")],
        "fy_text": [str(today.year if today.month >= 4 else today.year - 1)],
        "fiscal_year": [today.year if today.month >= 4 else today.year - 1],
        "daily": ["daily", today.isoformat()],
        "monthly": ["monthly", today.strftime("%Y-%m")],
        "daily_xlsx": ["daily", today.isoformat(), "xlsx"],
    }
    world.pages += [
        ("dunning:hand_over", [elderly_hand_over.pk]),
        ("dunning:visit_list", [elderly_stop.visit_list_id]),
        ("dunning:visit_list_sheet", [elderly_stop.visit_list_id]),
        ("dunning:visit_stop", [elderly_stop.pk]),
        ("dunning:visit_stop", [several_stop.pk]),
        ("dunning:case", [nhi.pk], {"inbound": inbound.pk}),
    ]
    world.args |= build_counter_world(municipality, users)
    world.args |= build_cards_world(municipality, users)
    if privacy_records:
        world.args |= {"purged_plan": [purged.pk], **_privacy_records(users, today)}
        world.pages.append(("privacy:purge_plan", [purged.pk]))
    return world


def _visit_stop(municipality, visitor, obligor, revenue_types, visit_list=None):
    if visit_list is None:
        visit_list = VisitListFactory(
            municipality=municipality,
            visitor=visitor,
            campaign__conditions={"revenue_types": revenue_types},
        )
    return VisitStopFactory(
        visit_list=visit_list, work_item__obligor=obligor, work_item__revenue_types=revenue_types
    )


def _visited(stop, accounts, visitor, now):
    contact = cover(
        ContactFactory(
            obligor=stop.work_item.obligor,
            channel=ContactChannel.VISIT,
            party=ContactParty.NONE,
            outcome=ContactOutcome.ABSENT,
            user=visitor,
            campaign=stop.visit_list.campaign,
            work_item=stop.work_item,
            at=now - dt.timedelta(hours=1),
        ),
        *accounts,
    )
    VisitRecord.objects.create(
        contact=contact, result="absent", client_key=uuid.uuid4(), visited_at=contact.at
    )
    stop.contact = contact
    stop.save(update_fields=["contact"])


def _sms(municipality, seeded):
    template = SmsTemplateFactory(municipality=municipality)
    batch = SmsBatchFactory(municipality=municipality, template=template)
    messages = [
        SmsMessageFactory(batch=batch, obligor=seeded[tag][0], phone=seeded[tag][1], sent=True)
        for tag in ("丙", "己")
    ]
    nhi_phone = seeded["丙"][1]
    SmsReply.objects.create(
        municipality=municipality,
        number=nhi_phone.number,
        display=nhi_phone.display,
        text="払いました",
        received_at=timezone.now(),
        message=messages[0],
        obligor=seeded["丙"][0],
    )
    return {
        "template": template,
        "batch": batch,
        "opt_out": OptOutFactory(municipality=municipality),
    }


def _executed_purge_plan(users):
    """A purge drafted by the supervisor, approved by staff and executed: its certificate."""
    plan = purge.plan_purge(
        acting_user=users["supervisor"],
        scope="revenue_type",
        revenue_type="ltc",
        planned_on=purge.today(),
        reason="介護保険料の委託終了",
    )
    plan = purge.approve_purge_plan(acting_user=users["staff"], plan=plan)
    return purge.execute_purge(acting_user=users["supervisor"], plan=plan)


def _privacy_records(users, today) -> dict[str, list]:
    """The privacy section's objects, made by their services; world key -> URL arguments."""
    supervisor, staff = users["supervisor"], users["staff"]
    roster, entry = _submitted_roster(users, today)
    exported = _exported_roster(supervisor, staff, roster)
    hand_over = export_requests.hand_over_export(
        acting_user=supervisor, record=exported.record, receiver="収納課 江東 太郎"
    )
    incident = incidents.record_incident(
        acting_user=supervisor,
        occurred_at=timezone.now() - dt.timedelta(days=2),
        discovered_at=timezone.now() - dt.timedelta(days=1),
        place="納付案内センター 架電室",
        content="架電リスト1枚",
        affected_count=3,
        circumstances="退勤時の点検で所在不明と判明した。",
    )
    incidents.report_incident(acting_user=supervisor, incident=incident)  # the PDF exists
    half_year = status_report.last_ended(today)
    report = status_report.make_report(acting_user=supervisor, half_year=half_year)
    draft = purge.plan_purge(
        acting_user=supervisor,
        scope="all",
        planned_on=purge.today(),
        reason="委託契約の終了",
    )
    return {
        "roster": [roster.pk],
        "entry": [roster.pk, entry.pk],
        "export_request": [exported.pk],
        # No request has this link: every signed-in user gets 410, as for a used one.
        "download": ["unknown-link"],
        "delivered": [hand_over.pk],
        "incident": [incident.pk],
        "half_year": [half_year.text],
        "status_report": [report.pk],
        "purge_plan": [draft.pk],
    }


def _submitted_roster(users, today):
    """This month's roster, submitted, with a temporary addition not yet reported."""
    supervisor = users["supervisor"]
    roster = rosters.create_roster(acting_user=supervisor, month=today.replace(day=1))
    entries = [
        rosters.add_roster_entry(acting_user=supervisor, roster=roster, user=users[name])
        for name in ("operator", "visitor", "visitor_elderly", "supervisor")
    ]
    roster = rosters.submit_roster(acting_user=supervisor, roster=roster)
    rosters.record_roster_change(
        acting_user=supervisor,
        roster=roster,
        user=users["outsider"],
        kind=RosterChangeKind.ADDED,
        effective_from=today,
        reason="税チームから応援",
    )
    return roster, entries[0]


def _exported_roster(supervisor, staff, roster):
    """The supervisor's export of the roster, made and downloaded (so no file is left behind
    in VAR_DIR), awaiting its 返却確認."""
    item = export_requests.request_export(
        acting_user=supervisor,
        exporter=roster_export.EXPORTER,
        params={"roster": roster.pk},
        reason="自治体への名簿提出のため",
    )
    if item.status == ExportRequestStatus.PENDING:  # CIVICDESK_EXPORT_APPROVAL_REQUIRED
        export_requests.approve_export(acting_user=staff, export_request=item)
    made = export_requests.make_export(acting_user=supervisor, export_request=item)
    export_requests.take_download(acting_user=supervisor, token=made.token).stream.close()
    return made.request


# --- The table -----------------------------------------------------------------------------

ROLES = (
    "anonymous",
    "operator",
    "outsider",
    "foreign",
    "visitor",
    "reception",
    "counter_clerk",
    "cashier",
    "supervisor",
    "staff",
    "inspector",
    "admin",
    "card_operator",
    "venue_clerk",
)
# For POST rows: the role gets past the permission check (any answer but 401/403/404/405/5xx).
OK = "ok"


class Row(NamedTuple):
    method: str
    world_key: str | None
    statuses: dict[str, object]


def _row(method, world_key, statuses) -> Row:
    if len(statuses) != len(ROLES):
        raise ValueError(f"{len(statuses)} statuses for {len(ROLES)} roles: {statuses}")
    return Row(method, world_key, dict(zip(ROLES, statuses, strict=True)))


def get(world_key, *statuses) -> Row:
    return _row("GET", world_key, statuses)


def post(world_key, *statuses) -> Row:
    return _row("POST", world_key, statuses)


def api(*statuses) -> Row:
    """A machine endpoint (POST, token or signature): no session helps; anonymous is 401."""
    return _row("API", None, statuses)


# fmt: off
# Columns: anon operator outsider foreign visitor reception clerk cashier supervisor staff
#          inspector admin card_operator venue_clerk
TABLE: dict[str, Row] = {
    # The admin site sends everyone but the admin to its sign-in (which is ours).
    "admin:index": get(None, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 200, 302, 302),
    # The staff roster (業務従事者名簿): this month's, submitted; changes to its entries are
    # refused with a message past the permission check.
    "accounts:roster": get("roster", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "accounts:roster_change_add": post("roster", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "accounts:roster_changes_reported": post("roster", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "accounts:roster_entry_add": post("roster", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "accounts:roster_entry_remove": post("entry", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    # GET: the export request form; POST asks for the export.
    "privacy:roster_export": get("roster", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    "accounts:roster_new": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403),
    "accounts:roster_submit": post("roster", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "accounts:rosters": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "core:calendar": get(None, 302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "core:home": get(None, 302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "counter:congestion": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    "counter:congestion_panel": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    "counter:desk": get(None, 302, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403, 403, 403),
    "counter:desk_counter": post(None, 302, 403, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403, 403, 403),
    "counter:desk_finish": post("counter_ticket", 302, 403, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403, 403, 403),
    "counter:desk_next": post(None, 302, 403, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403, 403, 403),
    "counter:desk_no_show": post("counter_ticket", 302, 403, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403, 403, 403),
    "counter:desk_park": post("counter_ticket", 302, 403, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403, 403, 403),
    "counter:desk_pickup": post("counter_ticket", 302, 403, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403, 403, 403),
    "counter:desk_recall": post("counter_ticket", 302, 403, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403, 403, 403),
    "counter:desk_resume": post("counter_ticket", 302, 403, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403, 403, 403),
    "counter:desk_start": post("counter_ticket", 302, 403, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403, 403, 403),
    "counter:desk_transfer": post("counter_ticket", 302, 403, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403, 403, 403),
    "counter:desk_waiting": get(None, 302, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403, 403, 403),
    "counter:display": get("display_key", 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "counter:display_revoke": post("display_device", 302, 403, 403, 403, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403),
    "counter:display_state": get("display_key", 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "counter:displays": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    "counter:index": get(None, 302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 200, 403, 403, 403),
    "counter:reception": get(None, 302, 403, 403, 403, 403, 200, 403, 403, 200, 403, 403, 403, 403, 403),
    "counter:reception_ticket": get("counter_ticket", 302, 403, 403, 403, 403, 200, 403, 403, 200, 403, 403, 403, 403, 403),
    "counter:ticket_slip": get("counter_ticket", 302, 403, 403, 403, 403, 200, 403, 403, 200, 403, 403, 403, 403, 403),
    "counter:bereavement_answers": get("bereavement_case", 302, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 403, 403),
    "counter:bereavement_book": get(None, 302, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403, 403, 403, 403),
    "counter:bereavement_cancel": post("bereavement_case", 302, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403, 403, 403, 403),
    "counter:bereavement_case": get("bereavement_case", 302, 403, 403, 403, 403, 403, 200, 403, 200, 200, 403, 403, 403, 403),
    "counter:bereavement_cases": get(None, 302, 403, 403, 403, 403, 403, 200, 403, 200, 200, 403, 403, 403, 403),
    "counter:bereavement_check_in": post("bereavement_case", 302, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403, 403, 403, 403),
    "counter:bereavement_finish": post("bereavement_case", 302, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403, 403, 403),
    "counter:bereavement_notices": get("bereavement_case", 302, 403, 403, 403, 403, 403, 200, 403, 200, 200, 403, 403, 403, 403),
    "counter:bereavement_notify": post("bereavement_case", 302, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403, 403, 403),
    "counter:bereavement_pack": get("bereavement_case", 302, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 403, 403),
    "counter:bereavement_reception": get(None, 302, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403, 403, 403, 403),
    "counter:bereavement_slots": get(None, 302, 403, 403, 403, 403, 200, 200, 403, 200, 200, 403, 403, 403, 403),
    "counter:bereavement_task_done": post("bereavement_task", 302, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403, 403, 403),
    "counter:cashier": get(None, 302, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 403),
    "counter:cashier_ticket": get("pickup_ticket", 302, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 403),
    "counter:day_close": get(None, 302, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403, 403),
    "counter:day_close_confirm": post("day_close", 302, 403, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403),
    "counter:day_total_pdf": get(None, 302, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403, 403),
    "counter:fee_add": post("procedure", 302, 403, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403),
    "counter:fee_receipt": get("fee_entry", 302, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403, 403),
    "counter:fee_reverse": get("fee_entry", 302, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 403),
    "counter:hours": get(None, 302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 403, 403, 403, 403),
    "counter:paper": get(None, 302, 403, 403, 403, 403, 403, 200, 200, 200, 200, 403, 403, 403, 403),
    "counter:plate_lend": get("permit_request", 302, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 403, 403),
    "counter:plate_return": post("plate_loan", 302, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403, 403, 403),
    "counter:plates": get(None, 302, 403, 403, 403, 403, 403, 200, 403, 200, 200, 403, 403, 403, 403),
    "counter:procedure": get("procedure", 302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 403, 403, 403, 403),
    "counter:procedures": get(None, 302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 403, 403, 403, 403),
    "counter:request_detail": get("counter_request", 302, 403, 403, 403, 403, 403, 200, 200, 200, 200, 403, 403, 403, 403),
    "counter:request_edit": get("counter_request", 302, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 403, 403),
    "counter:request_issue": post("counter_request", 302, 403, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403, 403, 403),
    "counter:request_new": get("counter_ticket", 302, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 403, 403),
    "counter:request_new_postal": get(None, 302, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 403, 403),
    "counter:request_review": get("counter_request", 302, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403),
    "counter:request_settle": post("counter_request", 302, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403, 403),
    "counter:request_submit": post("counter_request", 302, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403, 403, 403),
    "counter:request_withdraw": post("counter_request", 302, 403, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403, 403, 403),
    "counter:requests": get(None, 302, 403, 403, 403, 403, 403, 200, 200, 200, 200, 403, 403, 403, 403),
    "counter:reviews": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403),
    "counter:ticket_receipts": get("settled_ticket", 302, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403, 403),
    "reports:counter_annual": get("fy_text", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "reports:counter_daily": get("day", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "reports:counter_download": get("daily_xlsx", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "reports:counter_index": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "reports:counter_monthly": get("month", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "dunning:campaign_detail": get("campaign", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "dunning:campaign_new": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403),
    "dunning:campaign_rebuild": post("campaign", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "dunning:campaign_status": post("campaign", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "dunning:campaigns": get(None, 302, 200, 200, 200, 200, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "dunning:case": get("obligor", 302, 200, 404, 404, 200, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    # The hand-over was written by `operator`: other operators and visitors do not see it.
    "dunning:hand_over": get("hand_over", 302, 200, 404, 404, 404, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    "dunning:hand_over_new": get("obligor", 302, 200, 404, 404, 200, 403, 403, 403, 200, 403, 403, 403, 403, 403),
    "dunning:hand_overs": get(None, 302, 200, 200, 200, 200, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    "dunning:inbound": get(None, 302, 200, 200, 200, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403),
    "dunning:inbound_banner": get(None, 302, 200, 200, 200, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403),
    "dunning:inbound_pops": get(None, 302, 200, 200, 200, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403),
    "dunning:inbound_record": post("obligor", 302,  OK, 404, 404, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "dunning:letter_batch": get("letter_batch", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    # GET: the export request form (a reason; privacy.exports); POST makes the file.
    "dunning:letter_batch_list": get("letter_batch", 302, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403),
    "dunning:letter_batch_new": post(None, 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "dunning:letter_batch_pdf": get("letter_batch", 302, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403),
    "dunning:letter_batches": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "dunning:live": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    "dunning:live_panel": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    "dunning:no_effect": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    "dunning:staff_request_done": post("request", 302, 403, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403),
    "dunning:staff_requests": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    "dunning:staff_requests_export": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    "dunning:visit_list": get("visit_list", 302, 403, 403, 403, 200, 403, 403, 403, 200, 403, 403, 403, 403, 403),
    "dunning:visit_list_new": get(None, 302, 403, 403, 403, 200, 403, 403, 403, 200, 403, 403, 403, 403, 403),
    "dunning:visit_list_release": post("visit_list", 302, 403, 403, 403,  OK, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "dunning:visit_list_sheet": get("visit_list", 302, 403, 403, 403, 200, 403, 403, 403, 200, 403, 403, 403, 403, 403),
    "dunning:visit_lists": get(None, 302, 403, 403, 403, 200, 403, 403, 403, 200, 403, 403, 403, 403, 403),
    # The stop is on `visitor`'s list: supervisors see every list but record only on theirs.
    "dunning:visit_stop": get("visit_stop", 302, 403, 403, 403, 200, 403, 403, 403, 404, 403, 403, 403, 403, 403),
    "dunning:work": get(None, 302, 200, 200, 200, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403),
    "dunning:work_next": post(None, 302,  OK,  OK,  OK, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "dunning:work_release": post("leased_item", 302,  OK, 404, 404, 403, 403, 403, 403, 404, 403, 403, 403, 403, 403),
    "privacy:access_log": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403),
    "privacy:alert": get("alert", 302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403),
    "privacy:alerts": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403),
    # The supervisor's export request, made and downloaded, not yet returned.
    "privacy:export_approve": post("export_request", 302, 403, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403),
    "privacy:export_download": get("download", 302, 410, 410, 410, 410, 410, 410, 410, 410, 410, 410, 410, 410, 410),
    # Inspectors and admins see the request but may neither hand over nor confirm its return.
    "privacy:export_hand_over": post("export_request", 302, 403, 403, 403, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403),
    "privacy:export_inbox": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403),
    "privacy:export_make": post("export_request", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "privacy:export_reject": post("export_request", 302, 403, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403),
    "privacy:export_request": get("export_request", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 200, 403, 403),
    "privacy:export_requests": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 200, 403, 403),
    "privacy:export_return": post("export_request", 302, 403, 403, 403, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403),
    "privacy:handover_confirm": post("delivered", 302, 403, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403),
    "privacy:handover_register": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 200, 403, 403),
    # The incident was reported once (its PDF exists); the half-year report is of the last
    # ended half-year.
    "privacy:incident": get("incident", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "privacy:incident_close": post("incident", 302, 403, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403),
    "privacy:incident_edit": get("incident", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    "privacy:incident_new": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    "privacy:incident_pdf": get("incident", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "privacy:incident_report": post("incident", 302, 403, 403, 403, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403),
    "privacy:incidents": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "privacy:index": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 200, 403, 403),
    # "purge_plan": the supervisor's draft; "purged_plan": executed, so its certificate exists.
    "privacy:purge_certificate": get("purged_plan", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "privacy:purge_plan": get("purge_plan", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "privacy:purge_plan_approve": post("purge_plan", 302, 403, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403),
    "privacy:purge_plan_new": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    "privacy:purge_plans": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "privacy:status_report_make": post("half_year", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "privacy:status_report_pdf": get("status_report", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "privacy:status_reports": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "receivables:import_execute": post("import_run", 302, 403, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403),
    "receivables:import_run": get("import_run", 302, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403),
    "receivables:imports": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403),
    "registry:obligor": get("obligor", 302, 200, 404, 404, 200, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    "registry:search": get(None, 302, 200, 200, 200, 200, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    "reports:annual": get("fy_text", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "reports:correct": post("daily", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "reports:daily": get("day", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "reports:dashboard": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "reports:dashboard_panel": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "reports:download": get("daily_xlsx", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "reports:finalise": post("daily", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "reports:index": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "reports:monthly": get("month", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "reports:night": get("month", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "reports:save": post("daily", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "reports:targets": get("fiscal_year", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "sms:batch": get("sms_batch", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "sms:batch_cancel": post("sms_batch", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "sms:batch_new": post(None, 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "sms:batch_pause": post("sms_batch", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "sms:batch_progress": get("sms_batch", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "sms:batch_resume": post("sms_batch", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "sms:batches": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "sms:optout_delete": post("opt_out", 302, 403, 403, 403, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403),
    "sms:optouts": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "sms:replies": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "sms:template_edit": get("sms_template", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "sms:template_new": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    "sms:template_preview": post(None, 302, 403, 403, 403, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403),
    "sms:templates": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    # --- My Number card issuance (issue 18) ---
    "cards:index": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 200, 200),
    "cards:targets": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 200, 200),
    "cards:target": get("card_target", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403, 200, 200),
    "cards:target_import": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    "cards:target_move_out": post("card_target", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "cards:call_center": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403, 200, 403),
    "cards:call_center_target": get("card_target", 302, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403, 200, 403),
    "cards:call_center_reserve": post("card_target", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403,  OK, 403),
    "cards:call_center_cancel": post("card_target", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403,  OK, 403),
    "cards:call_center_target_call": post("card_target", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403,  OK, 403),
    "cards:call_center_call": post(None, 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403,  OK, 403),
    "cards:calls": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403),
    "cards:slots": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 200, 200),
    "cards:slots_open": post(None, 302, 403, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403),
    "cards:slot_capacity": post("card_slot", 302, 403, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403),
    "cards:mailings": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "cards:mailing": get("card_mailing", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "cards:mailing_download": post("card_mailing", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "cards:mailing_mailed": post("card_mailing", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "cards:receipts": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "cards:transfers": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 200),
    "cards:transfer": get("card_transfer", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 200),
    "cards:transfer_ledger": post("card_transfer", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403,  OK),
    "cards:transfer_receive": post("card_transfer", 302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403,  OK),
    "cards:venue_desk": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200),
    "cards:venue_desk_issue": post("card_target", 302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403,  OK),
    "cards:venue_desk_return": post("card_target", 302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403,  OK),
    "cards:venue_desk_fail": post("card_target", 302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403,  OK),
    "cards:venue_day": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 200),
    "cards:reconciliation": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "cards:recordings": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "cards:recording": get("card_recording", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "cards:recording_audio": get("card_recording", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    "cards:recording_extend": post("card_recording", 302, 403, 403, 403, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403),
    "cards:recording_hold": post("card_recording", 302, 403, 403, 403, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403),
    "cards:recording_release": post("card_recording", 302, 403, 403, 403, 403, 403, 403, 403,  OK,  OK, 403, 403, 403, 403),
    "cards:recording_erase": post("card_recording", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "cards:recordings_purge": post(None, 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "cards:recording_erasure_certificate": get("card_erasure", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "cards:disclosures": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "cards:disclosure_new": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403),
    "cards:disclosure": get("card_disclosure", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "cards:disclosure_decide": post("card_disclosure", 302, 403, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403),
    "cards:disclosure_hand_over": post("card_disclosure", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "cards:disclosure_report": post("card_disclosure", 302, 403, 403, 403, 403, 403, 403, 403,  OK, 403, 403, 403, 403, 403),
    "reports:cards_index": get(None, 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "reports:cards_daily": get("day", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "reports:cards_monthly": get("month", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "reports:cards_download": get("daily_xlsx", 302, 403, 403, 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
}
# fmt: on
# The sign-in flow: anonymous users get the login form; everything else is the flow's own
# redirects (tests/accounts/test_login.py tests the flow itself).
SIGN_IN_FLOW = {"accounts:login", "accounts:verify", "accounts:enrol", "accounts:logout"}
PUBLIC = {"core:healthz"}  # the load balancer's probe
# The machine API authenticates with a token or a signature, never with a session: 401 for
# anyone without them, signed in or not (tests/dunning/test_inbound_api.py, tests/api/).
API = {"api-calls-inbound", "api-sms-receipts"}
# The OpenAPI schema: every signed-in user; DRF answers 403 (not a redirect) to anyone else.
SCHEMA = "api-schema"
# The public reservation site (cards.public, mounted here for a single-host install): residents
# sign in with their own number, not a staff account; every staff role gets what anyone gets.
RESERVATION_SITE = {
    "yoyaku:signin": 200,
    "yoyaku:home": 302,
    "yoyaku:slots": 302,
    "yoyaku:cancel": 302,
    "yoyaku:book": 405,
    "yoyaku:change": 405,
    "yoyaku:signout": 405,
}
NOT_IN_TABLE = SIGN_IN_FLOW | PUBLIC | API | {SCHEMA} | set(RESERVATION_SITE)
REFUSED = {302, 401, 403, 404, 405}


# --- Every URL pattern ----------------------------------------------------------------------


def url_names(resolver=None, namespace=""):
    """Every named URL pattern of the project (the admin's own stand for themselves: their
    index is in the table); unnamed patterns (the admin's login redirect) cannot be reversed."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            if ns == "admin":
                yield "admin:index"
                continue
            yield from url_names(pattern, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def url_for(world: World, url_name: str) -> str:
    row = TABLE[url_name]
    return reverse(url_name, args=world.args[row.world_key] if row.world_key else None)


@pytest.fixture
def world(municipality, settings, tmp_path):
    # The roster rule has its own tests (tests/accounts/): here every account may sign in.
    settings.ROSTER_REQUIRED = False
    settings.VAR_DIR = tmp_path / "var"  # the export files
    settings.CARDS_RECORDINGS_DIR = None  # the recordings: under VAR_DIR
    return build_world(municipality)


@pytest.fixture
def people_world(municipality, settings, tmp_path):
    """The world without the privacy records, for tests that open none of the table's pages."""
    settings.ROSTER_REQUIRED = False
    settings.VAR_DIR = tmp_path / "var"
    settings.CARDS_RECORDINGS_DIR = None
    return build_world(municipality, privacy_records=False)


def client_for(client, world: World, role: str):
    if role != "anonymous":
        sign_in(client, world.users[role])
    return client


# --- The tests --------------------------------------------------------------------------------


def test_every_url_pattern_is_in_the_table():
    patterns = set(url_names())
    missing = sorted(patterns - set(TABLE) - NOT_IN_TABLE)
    stale = sorted(set(TABLE) - patterns)
    lines = [f'    "{name}": get(None or "world key", {", ".join(ROLES)}),' for name in missing]
    assert not missing, (
        "URL patterns missing from tests/test_access_matrix.py TABLE (one line each; add an "
        "object to build_world and a key to World.args for a pattern with parameters):\n"
        + "\n".join(lines)
    )
    assert not stale, f"rows for URL patterns that no longer exist: {stale}"


def test_the_table_has_a_status_for_every_role_and_a_world_object_for_every_parameter(world):
    for url_name, row in TABLE.items():
        assert set(row.statuses) == set(ROLES), url_name
        assert url_for(world, url_name).startswith("/"), url_name


def _personal_data_in(world: World, body: bytes) -> list[str]:
    text = body.decode("utf-8", errors="replace")
    return sorted(sentinel for sentinel in world.sentinel_texts() if appears_in(sentinel, text))


def _check(client, world: World, role: str, url_name: str, row: Row) -> list[str]:
    url = url_for(world, url_name)
    expected = row.statuses[role]
    response = client.post(url) if row.method == "POST" else client.get(url)
    problems = []
    status = response.status_code
    if expected == OK:
        if status in REFUSED - {302} or status >= 500:
            problems.append(f"POST {url_name}: {status}, expected to pass the permission check")
        elif role != "anonymous" and client.get(url).status_code != 405:
            problems.append(f"GET {url_name}: expected 405 for a POST-only action")
    elif status != expected:
        problems.append(f"{row.method} {url_name}: {status}, expected {expected}")
    anonymous_redirect = status == 302 and expected == 302 and role == "anonymous"
    # /admin/login/ is a redirect to the same sign-in page (civicdesk/urls.py).
    if anonymous_redirect and not response.url.startswith(("/accounts/login/", "/admin/login/")):
        problems.append(f"{url_name}: anonymous sent to {response.url}, not to sign-in")
    if status in REFUSED:
        leaked = _personal_data_in(world, response.content)
        if leaked:
            problems.append(f"{url_name}: the refusal ({status}) carries {leaked}")
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_table_says_and_refusals_carry_no_personal_data(
    client, world, role
):
    client_for(client, world, role)
    # Pages first, then actions: an action (pause, release) may change what a page shows.
    ordered = sorted(TABLE.items(), key=lambda item: (item[1].method == "POST", item[0]))
    problems = [p for name, row in ordered for p in _check(client, world, role, name, row)]
    assert not problems, f"{role}:\n" + "\n".join(problems)


@pytest.mark.parametrize("url_name", sorted(PUBLIC))
def test_public_urls_answer_without_sign_in(client, url_name):
    assert client.get(reverse(url_name)).status_code == 200


def test_the_sign_in_page_is_for_anonymous_users_and_the_rest_of_the_flow_needs_it(
    client, people_world
):
    assert client.get(reverse("accounts:login")).status_code == 200
    for name in ("accounts:verify", "accounts:enrol"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response.url
    sign_in(client, people_world.users["operator"])
    assert client.get(reverse("accounts:login")).status_code == 302
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302


@pytest.mark.parametrize("role", ROLES)
def test_the_reservation_site_answers_every_staff_role_as_it_answers_anyone(
    client, people_world, role
):
    client_for(client, people_world, role)
    for url_name, status in RESERVATION_SITE.items():
        response = client.get(reverse(url_name))
        assert response.status_code == status, url_name
        if status == 302:
            assert response.url == reverse("yoyaku:signin"), url_name
        assert not _personal_data_in(people_world, response.content), url_name


@pytest.fixture
def api_credentials(settings):
    settings.PBX_API_TOKEN = "p" * 40
    settings.SMS_WEBHOOK_SECRET = "s" * 40


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", sorted(API))
def test_the_machine_api_answers_401_without_its_credentials_whatever_the_session(
    client, people_world, api_credentials, url_name, role
):
    client_for(client, people_world, role)
    response = client.post(reverse(url_name), {}, content_type="application/json")
    assert response.status_code == 401
    assert not _personal_data_in(people_world, response.content)
    assert client.get(reverse(url_name)).status_code in (401, 405)


@pytest.mark.parametrize("role", ROLES)
def test_the_api_schema_is_for_signed_in_users(client, people_world, role):
    client_for(client, people_world, role)
    response = client.get(reverse(SCHEMA))
    if role == "anonymous":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert b"/api/calls/inbound" in response.content
