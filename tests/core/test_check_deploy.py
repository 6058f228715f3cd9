"""`civicdesk check --deploy` is clean with production settings (issue 8 §7): no warning, no
error, nothing silenced but axes.W006 (settings.py says why)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

CIVICDESK = [sys.executable, "-m", "civicdesk"]
HOST = "civicdesk.example.lg.jp"


def production(tmp_path, *args, **variables) -> subprocess.CompletedProcess:
    # The environment of a production host: only what docs/operations.md requires.
    # The production settings, not the test run's (tests.settings is not importable there).
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CIVICDESK_", "DATABASE", "DJANGO_SETTINGS_MODULE"))
    }
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        clean.pop(name, None)
    clean.update(
        CIVICDESK_ENV="production",
        CIVICDESK_VAR_DIR=str(tmp_path / "var"),
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        **variables,
    )
    return subprocess.run(
        [*CIVICDESK, *args], capture_output=True, text=True, env=clean, cwd=tmp_path, timeout=120
    )


def test_check_deploy_finds_nothing_with_production_settings(tmp_path):
    result = production(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (1 silenced)." in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


def test_the_check_would_see_a_weakened_setting(tmp_path):
    # The check above can fail: HSTS switched off is reported (security.W004).
    result = production(
        tmp_path, "check", "--deploy", "--fail-level", "WARNING", CIVICDESK_HSTS_SECONDS="0"
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


def settings_of(tmp_path, expression: str, **variables) -> str:
    code = f"from django.conf import settings as s; print({expression})"
    result = production(tmp_path, "shell", "--no-imports", "-c", code, **variables)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_runs_without_debug_and_with_secure_cookies(tmp_path):
    expression = "s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT"
    assert settings_of(tmp_path, expression) == "False True True True"


def test_production_refuses_debug(tmp_path):
    result = production(tmp_path, "check", CIVICDESK_DEBUG="true")
    assert result.returncode == 2
    assert "CIVICDESK_DEBUG" in result.stderr


def test_production_installs_the_policy_and_the_limits(tmp_path):
    middleware = settings_of(tmp_path, "*s.MIDDLEWARE").split()
    assert "civicdesk.core.middleware.ContentSecurityPolicyMiddleware" in middleware
    assert "civicdesk.core.ratelimit.RateLimitMiddleware" in middleware
