"""The demo municipality: one user per role, their TOTP secrets, the demo calendars, and
the synthetic residents in arrears (receivables.demo_data) loaded through the real importer.

Only for development (``civicdesk demo`` refuses in production). Re-running it keeps what
exists and re-applies the passwords written in var/demo-credentials.txt, so the file stays true;
the residents are loaded once and only rebuilt when asked (``--rebuild``).
"""

from __future__ import annotations

import json
import secrets
import time
from base64 import b32encode
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicdesk.accounts import roles
from civicdesk.accounts.models import Role, Team, User
from civicdesk.audit.models import AccessAction
from civicdesk.audit.services import record_access
from civicdesk.core.models import Municipality

DEMO_CODE = "131083"
DEMO_NAME = "江東区（デモ）"
DEMO_CENTER_NAME = "江東区納付案内センター（デモ）"
# Exchange 0000 is never assigned: the demo prints no real line on its letters.
DEMO_CENTER_PHONE = "03-0000-0000"

DEMO_TEAMS = {
    "税チーム": ["resident_tax", "light_vehicle_tax"],
    "国保チーム": ["nhi"],
    "後期高齢チーム": ["late_elderly"],
    "介護チーム": ["ltc"],
}

DEMO_OBLIGORS = 50_000
DEMO_SEED = 1
# Days of contact history `civicdesk demo` makes through the real services (issue 7); 0: none
# (the demo tests set it so, their own history test runs it once).
DEMO_HISTORY_DAYS = 90
# The demo user who loads the files: importing data is municipal staff work (DESIGN.md).
DEMO_IMPORTER = "staff"

# username, role, team, display name
DEMO_USERS = [
    ("operator", Role.OPERATOR, "国保チーム", "架電 太郎"),
    # A second operator of the same team: two browsers work one campaign side by side.
    ("operator2", Role.OPERATOR, "国保チーム", "架電 花子"),
    ("operator_tax", Role.OPERATOR, "税チーム", "架電 三郎"),
    ("visitor", Role.VISITOR, "税チーム", "訪問 花子"),
    ("supervisor", Role.SUPERVISOR, None, "責任 一郎"),
    ("staff", Role.STAFF, None, "区役 職子"),
    ("inspector", Role.INSPECTOR, None, "監督 次郎"),
    ("admin", Role.ADMIN, None, "管理 三郎"),
]


@dataclass
class DemoLogin:
    username: str
    password: str
    role: str
    totp_secret: str


def credentials_path() -> Path:
    return settings.VAR_DIR / "demo-credentials.txt"


def build_demo(*, acting_user=None) -> list[DemoLogin]:
    from civicdesk.core.services import setup_demo_calendars

    known = _read_logins()
    with transaction.atomic():
        municipality, _ = Municipality.objects.get_or_create(
            code=DEMO_CODE, defaults={"name": DEMO_NAME, "is_default": True}
        )
        if not municipality.contact_center_phone:
            municipality.contact_center_name = DEMO_CENTER_NAME
            municipality.contact_center_phone = DEMO_CENTER_PHONE
            municipality.save(update_fields=["contact_center_name", "contact_center_phone"])
        teams = {
            name: Team.objects.get_or_create(
                municipality=municipality, name=name, defaults={"revenue_types": types}
            )[0]
            for name, types in DEMO_TEAMS.items()
        }
        logins = [
            _demo_user(municipality, teams.get(team), username, role, name, known.get(username))
            for username, role, team, name in DEMO_USERS
        ]
        setup_demo_calendars(acting_user=acting_user, municipality=municipality)
        create_demo_rosters(municipality=municipality)
    _write_logins(logins)
    return logins


def _demo_user(municipality, team, username, role, display_name, known) -> DemoLogin:
    password = known["password"] if known else f"demo-{secrets.token_urlsafe(9)}"
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={"role": role, "municipality": municipality, "team": team},
    )
    user.role, user.municipality, user.team = role, municipality, team
    user.display_name = display_name
    user.set_password(password)
    user.save()
    roles.sync_role_group(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        key = known["totp_key_hex"] if known else None
        device = TOTPDevice.objects.create(
            user=user, name="デモ", confirmed=True, **({"key": key} if key else {})
        )
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return DemoLogin(username, password, str(role), secret)


# What each of the center's demo people does, as the roster (業務従事者名簿) names it.
DEMO_DUTIES = {Role.OPERATOR: "電話催告", Role.VISITOR: "訪問催告", Role.SUPERVISOR: "現場責任者"}


def create_demo_rosters(*, municipality: Municipality, today: date | None = None) -> list:
    """This month's staff roster, submitted (the center's demo people sign in only while on
    it), and next month's as a draft for the supervisor to submit; each made once, through
    the real services. A draft of this month (from an earlier run) is submitted."""
    from django.utils import timezone

    from civicdesk.accounts import roster as rosters
    from civicdesk.accounts.models import ROSTER_ROLES, Roster, RosterStatus
    from civicdesk.core.calendar import add_months

    today = today or timezone.localdate()
    supervisor = User.objects.get(username="supervisor")
    people = User.objects.filter(
        municipality=municipality,
        role__in=ROSTER_ROLES,
        is_active=True,
        username__in=[username for username, *_rest in DEMO_USERS],
    )
    this_month = today.replace(day=1)
    made = []
    for month, submit in ((this_month, True), (add_months(this_month, 1), False)):
        roster = Roster.objects.filter(municipality=municipality, month=month).first()
        if roster is None:
            roster = rosters.create_roster(acting_user=supervisor, month=month, today=today)
            for user in people:
                rosters.add_roster_entry(
                    acting_user=supervisor, roster=roster, user=user, duty=DEMO_DUTIES[user.role]
                )
        if submit and roster.status == RosterStatus.DRAFT and roster.entries.exists():
            roster = rosters.submit_roster(acting_user=supervisor, roster=roster)
        made.append(roster)
    return made


def _read_logins() -> dict[str, dict]:
    path = credentials_path().with_suffix(".json")
    if not path.exists():
        return {}
    return {row["username"]: row for row in json.loads(path.read_text(encoding="utf-8"))}


def _write_logins(logins: list[DemoLogin]) -> None:
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    devices = {
        d.user.username: d.key
        for d in TOTPDevice.objects.filter(user__username__in=[x.username for x in logins])
        .filter(confirmed=True)
        .select_related("user")
    }
    rows = [
        {
            "username": x.username,
            "password": x.password,
            "role": x.role,
            "totp_key_hex": devices.get(x.username),
        }
        for x in logins
    ]
    json_path = path.with_suffix(".json")
    json_path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    json_path.chmod(0o600)
    labels = dict(Role.choices)
    lines = [
        "CivicDesk デモのログイン情報（開発用。本番では使用しないこと）",
        "",
        "ログインには パスワード と 認証アプリの確認コード（TOTP）が必要です。",
        "認証アプリに下の秘密鍵を登録するか、次のコマンドで現在の確認コードを表示してください:",
        "  .venv/bin/civicdesk demo --codes",
        "",
    ]
    for login in logins:
        lines.append(
            f"{labels[login.role]:<10} ユーザーID: {login.username:<11} "
            f"パスワード: {login.password}  TOTP秘密鍵: {login.totp_secret}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)


# --- synthetic residents --------------------------------------------------------------------


class DemoDataError(Exception):
    """The generated files did not import; the message lists the first errors (Japanese)."""


@dataclass
class DemoDataLoad:
    paths: dict[str, Path]
    counts: dict[str, dict] = field(default_factory=dict)  # import kind → ImportResult.counts
    generate_seconds: float = 0.0
    import_seconds: float = 0.0
    removed_obligors: int = 0


def demo_data_dir() -> Path:
    return settings.VAR_DIR / "demo"


def demo_municipality() -> Municipality | None:
    return Municipality.objects.filter(code=DEMO_CODE).first()


def demo_obligor_count(municipality: Municipality) -> int:
    from civicdesk.registry.models import Obligor

    return Obligor.objects.filter(municipality=municipality).count()


def demo_importer() -> User:
    return User.objects.get(username=DEMO_IMPORTER)


def load_demo_data(
    *,
    acting_user,
    municipality: Municipality,
    obligors: int = DEMO_OBLIGORS,
    seed: int = DEMO_SEED,
    as_of: date | None = None,
    rebuild: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> DemoDataLoad:
    """Generate the demo files into var/demo/ and load them with the real importer.

    With ``rebuild`` the municipality's obligors, accounts and households go first, in the
    same transaction as the import, so a failed rebuild keeps the previous demo data.
    ``progress(kind, percent)`` follows each import.
    """
    # Imported here: core sits below receivables and registry, and only the demo needs them.
    from civicdesk.receivables import demo_data
    from civicdesk.receivables.services import import_file

    started = time.perf_counter()
    paths = demo_data.generate(demo_data_dir(), obligors, seed, as_of=as_of)
    load = DemoDataLoad(paths=paths, generate_seconds=time.perf_counter() - started)
    started = time.perf_counter()
    with transaction.atomic():
        if rebuild:
            load.removed_obligors = remove_demo_data(
                acting_user=acting_user, municipality=municipality
            )
        # Receivables first: they create the obligors and households the members join.
        for kind in ("receivables", "household"):
            result = import_file(
                acting_user=acting_user,
                municipality=municipality,
                kind=kind,
                path=paths[kind],
                encoding="cp932",
                display_name=paths[kind].name,
                progress=(lambda percent, kind=kind: progress(kind, percent)) if progress else None,
            )
            if result.error_count:
                shown = "\n".join(str(error) for error in result.errors[:10])
                raise DemoDataError(
                    "デモデータの取込みに失敗しました"
                    f"（エラー {result.error_count:,} 件）:\n{shown}"
                )
            load.counts[kind] = dict(result.counts)
    load.import_seconds = time.perf_counter() - started
    return load


def create_demo_campaigns(*, municipality: Municipality, today: date | None = None) -> list:
    """The demo supervisor plans one call campaign per team, a visit campaign and an SMS
    campaign with its templates (each skipped when it exists)."""
    from django.utils import timezone

    from civicdesk.dunning.demo import create_demo_campaigns as create
    from civicdesk.sms.demo import create_demo_sms

    supervisor = User.objects.get(username="supervisor")
    today = today or timezone.localdate()
    with transaction.atomic():
        made = create(acting_user=supervisor, municipality=municipality, today=today)
        sms = create_demo_sms(acting_user=supervisor, municipality=municipality, today=today)
        return [*made, sms] if sms is not None else made


def create_demo_history(*, municipality: Municipality, today: date | None = None) -> dict:
    """Three months of contacts, letters, SMS and payments (reports.demo_history), after
    create_demo_campaigns (it uses the SMS template). Skipped when contacts exist."""
    from django.utils import timezone

    from civicdesk.reports.demo_history import create_demo_history as create

    if not DEMO_HISTORY_DAYS:
        return {"skipped": True}
    with transaction.atomic():
        return create(
            municipality=municipality,
            today=today or timezone.localdate(),
            days=DEMO_HISTORY_DAYS,
            seed=DEMO_SEED,
        )


def remove_demo_data(*, acting_user, municipality: Municipality) -> int:
    """Delete the municipality's obligors with their accounts, installments, payments, phones
    and households (``--rebuild``). Returns the number of obligors removed."""
    from civicdesk.receivables.models import Account, Installment, Payment
    from civicdesk.registry.models import Household, HouseholdMember, Obligor, Phone

    account, installment = Account._meta.db_table, Installment._meta.db_table
    obligor, household = Obligor._meta.db_table, Household._meta.db_table
    of_municipality = "municipality_id = %s"
    # One statement per table, children first: Django's cascade would load the 400,000
    # installments into memory first (20 s instead of 2). Nothing is deleted behind anyone's
    # back: the database's own foreign keys refuse it if a later app refers to these rows.
    deletions = (
        (
            Payment,
            f"installment_id IN (SELECT i.id FROM {installment} i "
            f"JOIN {account} a ON a.id = i.account_id WHERE a.{of_municipality})",
        ),
        (Installment, f"account_id IN (SELECT id FROM {account} WHERE {of_municipality})"),
        (Account, of_municipality),
        (Phone, f"obligor_id IN (SELECT id FROM {obligor} WHERE {of_municipality})"),
        (HouseholdMember, f"household_id IN (SELECT id FROM {household} WHERE {of_municipality})"),
        (Obligor, of_municipality),
        (Household, of_municipality),
    )
    from civicdesk.dunning.demo import remove_demo_dunning
    from civicdesk.sms.demo import remove_demo_sms

    with transaction.atomic():
        count = demo_obligor_count(municipality)
        remove_demo_sms(municipality.pk)
        remove_demo_dunning(municipality.pk)
        with connection.cursor() as cursor:
            for model, condition in deletions:
                cursor.execute(
                    f"DELETE FROM {model._meta.db_table} WHERE {condition}", [municipality.pk]
                )
        record_access(
            acting_user=acting_user,
            action=AccessAction.DELETE,
            obj=municipality,
            reason=f"デモデータの作り直し（納付義務者 {count:,} 人を削除）",
        )
    return count
