"""The accounts part of ``civicdesk demo``: the demo teams, one user per role (and two more
operators) with a TOTP device, this month's staff roster submitted and next month's drafted,
and the credentials file var/demo-credentials.txt (mode 600).

Re-running keeps what exists and re-applies the passwords written in the file (and its JSON
twin), so the file stays true. ``civicdesk demo --codes`` prints each user's current code.
"""

from __future__ import annotations

import json
import secrets
from base64 import b32encode
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicdesk.accounts import roles
from civicdesk.accounts.models import ROSTER_ROLES, Role, Roster, RosterStatus, Team, User
from civicdesk.accounts.services import roster as rosters
from civicdesk.core.calendar import add_months
from civicdesk.core.demo_parts import DemoContext, DemoError, DemoPart
from civicdesk.core.models import Municipality

DEMO_TEAMS = {
    "税チーム": ["resident_tax", "light_vehicle_tax"],
    "国保チーム": ["nhi"],
    "後期高齢チーム": ["late_elderly"],
    "介護チーム": ["ltc"],
}

# username, role, team, display name
DEMO_USERS = [
    ("operator", Role.OPERATOR, "国保チーム", "架電 太郎"),
    # A second operator of the same team: two browsers work one campaign side by side.
    ("operator2", Role.OPERATOR, "国保チーム", "架電 花子"),
    ("operator_tax", Role.OPERATOR, "税チーム", "架電 三郎"),
    ("visitor", Role.VISITOR, "税チーム", "訪問 花子"),
    # The service counters (seed 003): reception, two clerks, the cashier.
    ("reception", Role.RECEPTION, None, "受付 和子"),
    ("clerk", Role.COUNTER_CLERK, None, "窓口 一郎"),
    ("clerk2", Role.COUNTER_CLERK, None, "窓口 二葉"),
    ("cashier", Role.CASHIER, None, "会計 三枝"),
    # My Number card issuance (seed 004): the card call center and a venue's counter.
    ("cardop", Role.CARD_OPERATOR, None, "予約 受付子"),
    ("venue", Role.VENUE_CLERK, None, "会場 交付子"),
    ("supervisor", Role.SUPERVISOR, None, "責任 一郎"),
    ("staff", Role.STAFF, None, "区役 職子"),
    ("inspector", Role.INSPECTOR, None, "監督 次郎"),
    ("admin", Role.ADMIN, None, "管理 三郎"),
]

# What each of the center's demo people does, as the roster (業務従事者名簿) names it.
DEMO_DUTIES = {Role.OPERATOR: "電話催告", Role.VISITOR: "訪問催告", Role.SUPERVISOR: "現場責任者"}


@dataclass
class DemoLogin:
    username: str
    password: str
    role: str
    totp_secret: str


def credentials_path() -> Path:
    return settings.VAR_DIR / "demo-credentials.txt"


def build_demo_accounts(*, municipality: Municipality, today: date) -> list[DemoLogin]:
    """Teams, users, devices and rosters in one transaction, then the credentials file."""
    known = _read_logins()
    with transaction.atomic():
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
        create_demo_rosters(municipality=municipality, today=today)
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


def create_demo_rosters(*, municipality: Municipality, today: date) -> list[Roster]:
    """This month's staff roster, submitted (the center's demo people sign in only while on
    it), and next month's as a draft for the supervisor to submit; each made once, through
    the real services. A draft of this month (from an earlier run) is submitted."""
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


def current_codes() -> list[str]:
    """One line per demo user: the username and the TOTP code valid now."""
    devices = TOTPDevice.objects.filter(
        user__username__in=[username for username, *_rest in DEMO_USERS], confirmed=True
    ).select_related("user")
    return [
        f"{device.user.username:<11} "
        f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
        for device in devices.order_by("user__username")
    ]


def build(context: DemoContext) -> list[DemoLogin]:
    if context.municipality is None:
        raise DemoError("デモの自治体がまだ作成されていません。")
    logins = build_demo_accounts(municipality=context.municipality, today=context.today)
    context.people.update(
        (user.username, user)
        for user in User.objects.filter(username__in=[login.username for login in logins])
    )
    context.say(
        f"デモのユーザー {len(logins)} 名（今月の業務従事者名簿に記載）を用意しました。"
        f" ログイン情報: {credentials_path()}"
    )
    return logins


DEMO_PART = DemoPart(name="accounts", order=20, build=build, codes=current_codes)
