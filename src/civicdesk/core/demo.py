"""The demo municipality: one user per role, their TOTP secrets, and the demo calendars.

Only for development (``civicdesk demo`` refuses in production). Re-running it keeps what
exists and re-applies the passwords written in var/demo-credentials.txt, so the file stays true.
"""

from __future__ import annotations

import json
import secrets
from base64 import b32encode
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicdesk.accounts import roles
from civicdesk.accounts.models import Role, Team, User
from civicdesk.core.models import Municipality

DEMO_CODE = "131083"
DEMO_NAME = "江東区（デモ）"

DEMO_TEAMS = {
    "税チーム": ["resident_tax", "light_vehicle_tax"],
    "国保チーム": ["nhi"],
    "後期高齢チーム": ["late_elderly"],
    "介護チーム": ["ltc"],
}

# username, role, team, display name
DEMO_USERS = [
    ("operator", Role.OPERATOR, "国保チーム", "架電 太郎"),
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
