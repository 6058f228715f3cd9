"""`civicdesk demo` (civicdesk.demo, from the apps' parts): a demo municipality, one user per
role, credentials written to var/, and the synthetic residents in arrears loaded through the
real importer; re-runs keep what exists, --rebuild goes through each part's remove."""

import csv
from base64 import b32decode
from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.oath import totp

from civicdesk.accounts.demo import DEMO_USERS
from civicdesk.accounts.models import Role, User
from civicdesk.audit.models import AccessLogEntry
from civicdesk.core.calendar import Service, is_open
from civicdesk.core.demo import DEMO_CODE, DEMO_NAME
from civicdesk.core.models import Municipality
from civicdesk.privacy.models import HandOverRecord
from civicdesk.receivables import demo_data
from civicdesk.receivables.demo import DEMO_IMPORTER
from civicdesk.receivables.models import Account, ImportRun, Installment
from civicdesk.registry.models import Household, HouseholdMember, Obligor, Phone

pytestmark = pytest.mark.django_db

AS_OF = "2025-11-01"


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def run_demo(*args) -> str:
    """`civicdesk demo` without contact history (tests/reports/test_demo_history.py makes it)."""
    out = StringIO()
    call_command("demo", "--as-of", AS_OF, "--history-days", "0", *args, stdout=out)
    return out.getvalue()


def users_only() -> str:
    return run_demo("--obligors", "0")


def data_rows(path) -> list[dict]:
    with path.open(encoding="cp932", newline="") as handle:
        return list(csv.DictReader(handle))


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
    users_only()
    municipality = Municipality.objects.default()
    assert municipality.name == DEMO_NAME
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert User.objects.count() == len(DEMO_USERS)
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
    users_only()
    wednesday_evening = datetime(2025, 4, 2, 18, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert is_open(Service.CALLS, wednesday_evening)
    assert not is_open(Service.VISITS, wednesday_evening)
    assert is_open(Service.SMS, wednesday_evening)


def test_running_demo_again_keeps_the_written_passwords(var_dir):
    users_only()
    first = credentials(var_dir)
    users_only()
    assert credentials(var_dir) == first
    assert User.objects.count() == len(DEMO_USERS)


def test_codes_prints_the_current_code_of_each_demo_user(var_dir):
    users_only()
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


# --- the synthetic residents ----------------------------------------------------------------


def test_demo_imports_the_generated_files_for_exactly_the_obligors_asked(var_dir):
    output = run_demo("--obligors", "120", "--seed", "3")
    municipality = Municipality.objects.get(code=DEMO_CODE)
    receivables = data_rows(var_dir / "demo" / "receivables.csv")
    members = data_rows(var_dir / "demo" / "household.csv")
    assert Obligor.objects.filter(municipality=municipality).count() == 120
    assert Installment.objects.filter(account__municipality=municipality).count() == len(
        receivables
    )
    cases = {(row["税目"], row["整理番号"]) for row in receivables}
    assert Account.objects.filter(municipality=municipality).count() == len(cases)
    assert HouseholdMember.objects.filter(household__municipality=municipality).count() == len(
        members
    )
    assert Household.objects.filter(municipality=municipality).count() == len(
        {row["世帯番号"] for row in members}
    )
    numbers = {n for row in receivables for n in row["電話番号"].split(";") if n}
    assert Phone.objects.filter(obligor__municipality=municipality).exists() == bool(numbers)
    assert "納付義務者 120 人" in output and f"期別 {len(receivables):,} 件" in output


def test_demo_import_is_recorded_as_staff_work(var_dir):
    run_demo("--obligors", "40")
    staff = User.objects.get(username=DEMO_IMPORTER)
    runs = ImportRun.objects.filter(acting_user=staff, dry_run=False)
    assert sorted(runs.values_list("kind", flat=True)) == ["household", "receivables"]
    assert set(runs.values_list("status", flat=True)) == {"done"}
    assert HandOverRecord.objects.filter(handler=staff).count() == 2


def test_second_run_keeps_the_loaded_data_and_says_so(var_dir):
    run_demo("--obligors", "30")
    written = (var_dir / "demo" / "receivables.csv").stat().st_mtime_ns
    runs = ImportRun.objects.count()
    output = run_demo("--obligors", "50")
    assert "読み込み済み" in output and "--rebuild" in output
    assert ImportRun.objects.count() == runs
    assert Obligor.objects.count() == 30
    assert (var_dir / "demo" / "receivables.csv").stat().st_mtime_ns == written


def test_rebuild_replaces_the_residents_and_logs_the_deletion(var_dir):
    run_demo("--obligors", "30", "--seed", "1")
    before = set(Obligor.objects.values_list("resident_no", "name"))
    output = run_demo("--obligors", "20", "--seed", "2", "--rebuild")
    after = set(Obligor.objects.values_list("resident_no", "name"))
    assert len(after) == 20 and after != before
    assert "30 人）を削除" in output
    entry = AccessLogEntry.objects.filter(action="delete").get()
    assert entry.actor.username == DEMO_IMPORTER and "30 人" in entry.reason


def test_a_failed_rebuild_keeps_the_previous_demo_data(var_dir, monkeypatch):
    run_demo("--obligors", "30")
    before = set(Obligor.objects.values_list("resident_no", flat=True))
    real_generate = demo_data.generate

    def broken(out_dir, obligors, seed, *, as_of=None):
        paths = real_generate(out_dir, obligors, seed, as_of=as_of)
        text = paths["receivables"].read_bytes().decode("cp932")
        lines = text.split("\r\n")
        cells = lines[1].split(",")
        cells[21] = str(int(cells[21]) + 1)  # 未納額 no longer 調定額 − 納付額
        lines[1] = ",".join(cells)
        paths["receivables"].write_bytes("\r\n".join(lines).encode("cp932"))
        return paths

    monkeypatch.setattr(demo_data, "generate", broken)
    with pytest.raises(CommandError, match="デモデータの取込みに失敗しました") as failure:
        run_demo("--obligors", "20", "--seed", "5", "--rebuild")
    assert "receivables.csv:2:未納額" in str(failure.value)
    assert set(Obligor.objects.values_list("resident_no", flat=True)) == before


@pytest.mark.parametrize(
    "args, message",
    [
        (("--obligors", "-1"), "--obligors には 0 以上の整数"),
        (("--obligors", "many"), "--obligors には 0 以上の整数"),
        (("--obligors", "500001"), "--obligors には 0 以上 500,000 以下の整数"),
        (("--history-days", "-3"), "--history-days には 0 以上の整数"),
        (("--as-of", "2025/13/01"), "--as-of は YYYY-MM-DD"),
    ],
)
def test_bad_options_are_refused_in_japanese_before_anything_is_made(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("demo", *args, stdout=StringIO())
    assert not Municipality.objects.exists() and not User.objects.exists()
