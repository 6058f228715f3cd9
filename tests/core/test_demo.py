"""`civicdesk demo`: a demo municipality, one user per role, credentials written to var/."""

from base64 import b32decode
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.oath import totp

from civicdesk.accounts.models import Role, User
from civicdesk.core import demo
from civicdesk.core.calendar import Service, is_open
from civicdesk.core.models import Municipality

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def credentials(var_dir):
    rows = {}
    for line in (var_dir / "demo-credentials.txt").read_text().splitlines():
        if "ユーザーID:" in line:
            parts = line.split()
            rows[parts[parts.index("ユーザーID:") + 1]] = {
                "password": parts[parts.index("パスワード:") + 1],
                "secret": parts[parts.index("TOTP秘密鍵:") + 1],
            }
    return rows


def test_demo_builds_one_user_per_role_who_can_sign_in(var_dir):
    call_command("demo", stdout=StringIO())
    municipality = Municipality.objects.default()
    assert municipality.name == demo.DEMO_NAME
    assert sorted(User.objects.values_list("role", flat=True)) == sorted(Role.values)
    written = credentials(var_dir)
    assert set(written) == set(User.objects.values_list("username", flat=True))
    for username, row in written.items():
        user = User.objects.get(username=username)
        assert user.check_password(row["password"]) and user.municipality == municipality
        device = user.totpdevice_set.get(confirmed=True)
        secret = row["secret"]
        key = b32decode(secret + "=" * (-len(secret) % 8))
        assert key == device.bin_key
    assert oct((var_dir / "demo-credentials.txt").stat().st_mode)[-3:] == "600"


def test_demo_has_the_four_calendars(var_dir):
    call_command("demo", stdout=StringIO())
    from datetime import datetime
    from zoneinfo import ZoneInfo

    wednesday_evening = datetime(2025, 4, 2, 18, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert is_open(Service.CALLS, wednesday_evening)
    assert not is_open(Service.VISITS, wednesday_evening)
    assert is_open(Service.SMS, wednesday_evening)


def test_running_demo_again_keeps_the_written_passwords(var_dir):
    call_command("demo", stdout=StringIO())
    first = credentials(var_dir)
    call_command("demo", stdout=StringIO())
    assert credentials(var_dir) == first
    assert User.objects.count() == len(Role.values)


def test_codes_prints_the_current_code_of_each_demo_user(var_dir):
    call_command("demo", stdout=StringIO())
    out = StringIO()
    call_command("demo", "--codes", stdout=out)
    codes = dict(line.split() for line in out.getvalue().splitlines())
    for username, row in credentials(var_dir).items():
        key = b32decode(row["secret"] + "=" * (-len(row["secret"]) % 8))
        assert codes[username] == f"{totp(key):06d}"


def test_demo_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="本番環境"):
        call_command("demo", stdout=StringIO())
    assert not User.objects.exists()
