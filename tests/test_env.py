"""Settings come from the environment, strictly: a bad value stops start-up with one clear line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from civicdesk import env

CIVICDESK = [sys.executable, "-m", "civicdesk"]


def run(tmp_path, *args, **variables):
    # The production settings, not the test run's (tests.settings is not importable there).
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CIVICDESK_", "DATABASE", "DJANGO_SETTINGS_MODULE"))
    }
    clean.pop("SECRET_KEY", None)
    clean.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    clean.update(CIVICDESK_VAR_DIR=str(tmp_path / "var"), **variables)
    return subprocess.run(
        [*CIVICDESK, *args], capture_output=True, text=True, env=clean, cwd=tmp_path, timeout=120
    )


def test_sqlite_is_the_default_under_var(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = env.database("DATABASE_URL", tmp_path / "db.sqlite3")
    assert config["ENGINE"].endswith("sqlite3") and config["NAME"] == str(tmp_path / "db.sqlite3")


@pytest.mark.parametrize(
    ("url", "name"),
    [("sqlite:///var/x.sqlite3", "var/x.sqlite3"), ("sqlite:////srv/x.sqlite3", "/srv/x.sqlite3")],
)
def test_sqlite_urls_relative_and_absolute(monkeypatch, url, name):
    monkeypatch.setenv("DATABASE_URL", url)
    assert env.database("DATABASE_URL", Path("unused"))["NAME"] == name


def test_postgres_url_is_split_into_django_settings(monkeypatch):
    monkeypatch.setenv(
        "DATABASE_URL", "postgresql://cd:p%40ss@db.local:5433/civicdesk?sslmode=require"
    )
    config = env.database("DATABASE_URL", Path("unused"))
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"]) == (
        "cd",
        "p@ss",
        "db.local",
        "5433",
    )
    assert config["NAME"] == "civicdesk" and config["OPTIONS"] == {"sslmode": "require"}


def test_unknown_database_scheme_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://u@h/db")
    with pytest.raises(env.ConfigError) as failure:
        env.database("DATABASE_URL", Path("unused"))
    assert failure.value.variable == "DATABASE_URL" and "mysql" in str(failure.value)


@pytest.mark.parametrize("value", ["maybe", "2", "ja"])
def test_bad_booleans_are_refused(monkeypatch, value):
    monkeypatch.setenv("CIVICDESK_DEBUG", value)
    with pytest.raises(env.ConfigError, match="CIVICDESK_DEBUG"):
        env.boolean("CIVICDESK_DEBUG", False)


def test_secrets_may_come_from_files(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s" * 40 + "\n")
    monkeypatch.setenv("SECRET_KEY_FILE", str(secret))
    assert env.secret_key("production", tmp_path).value == "s" * 40


def test_development_generates_a_secret_key_once(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY_FILE", raising=False)
    first = env.secret_key("development", tmp_path)
    again = env.secret_key("development", tmp_path)
    assert first.value == again.value and len(first.value) >= 50
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


def test_unknown_scheme_stops_the_command_with_one_line_and_no_traceback(tmp_path):
    result = run(tmp_path, "check", DATABASE_URL="mysql://u@h/db")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "civicdesk: 設定エラー: DATABASE_URL: スキーム 'mysql' は使用できません"
        "（使用可能: sqlite, postgres, postgresql）"
    ]


def test_production_without_secret_key_stops_with_one_line(tmp_path):
    result = run(tmp_path, "check", CIVICDESK_ENV="production", ALLOWED_HOSTS="cd.example.jp")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "SECRET_KEY" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_unknown_environment_name_is_refused(tmp_path):
    result = run(tmp_path, "check", CIVICDESK_ENV="staging")
    assert result.returncode == 2 and "CIVICDESK_ENV" in result.stderr


def test_production_settings_pass_check_deploy(tmp_path):
    result = run(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        CIVICDESK_ENV="production",
        SECRET_KEY="k" * 20 + "Zx9!" + "q" * 30,
        ALLOWED_HOSTS="civicdesk.example.lg.jp",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
