"""Strict parsing of the environment variables that configure CivicDesk.

Every variable is documented in docs/operations.md. A bad value raises ConfigError with a
one-line message naming the variable; ``civicdesk`` prints it and exits 2, so an operator
never has to read a traceback to find a typo.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


class ConfigError(Exception):
    """A setting from the environment is missing or malformed."""

    def __init__(self, variable: str, reason: str):
        self.variable = variable
        self.reason = reason
        super().__init__(f"設定エラー: {variable}: {reason}")


ENVIRONMENTS = ("development", "production")
SQLITE_SCHEMES = ("sqlite",)
POSTGRES_SCHEMES = ("postgres", "postgresql")


def read(name: str, default: str | None = None) -> str | None:
    """The value of NAME, or of the file named by NAME_FILE (for secrets)."""
    file_var = f"{name}_FILE"
    if os.environ.get(file_var):
        path = Path(os.environ[file_var])
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(file_var, f"ファイルを読めません: {path} ({exc.strerror})") from None
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value


def choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = read(name, default)
    if value not in choices:
        raise ConfigError(name, f"'{value}' は使用できません（使用可能: {', '.join(choices)}）")
    return value


def boolean(name: str, default: bool) -> bool:
    value = read(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(name, f"'{value}' は真偽値ではありません（true / false）")


def integer(name: str, default: int, *, minimum: int | None = None) -> int:
    value = read(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(name, f"'{value}' は整数ではありません") from None
    if minimum is not None and number < minimum:
        raise ConfigError(name, f"{number} は小さすぎます（{minimum} 以上）")
    return number


def string_list(name: str, default: list[str]) -> list[str]:
    value = read(name)
    if value is None:
        return default
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise ConfigError(name, f"'{value}' に空の項目があります（カンマ区切りで指定）")
    return items


def mapping(name: str, default: dict[str, str], *, keys: tuple[str, ...]) -> dict[str, str]:
    """``a=x,b=y`` → {"a": "x", "b": "y"} over ``default``; only ``keys`` may be named."""
    value = read(name)
    if value is None:
        return dict(default)
    result = dict(default)
    for item in value.split(","):
        key, sep, target = (part.strip() for part in item.partition("="))
        if not sep or not key:
            raise ConfigError(name, f"'{item.strip()}' は 名前=値 の形ではありません")
        if key not in keys:
            raise ConfigError(name, f"'{key}' は指定できません（指定可能: {', '.join(keys)}）")
        result[key] = target
    return result


def decimal_number(name: str, default: float, *, minimum: float) -> float:
    value = read(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(name, f"'{value}' は数値ではありません") from None
    if not number >= minimum:
        raise ConfigError(name, f"{value} は小さすぎます（{minimum} 以上）")
    return number


def database(name: str, default_sqlite_path: Path) -> dict:
    """Django DATABASES['default'] from a URL: sqlite:///path or postgresql://user:pw@host:port/db."""
    url = read(name)
    if url is None:
        return _sqlite(default_sqlite_path)
    parts = urlsplit(url)
    if parts.scheme in SQLITE_SCHEMES:
        path = unquote(parts.path)
        if not path or path == "/":
            raise ConfigError(
                name, "SQLite のファイルパスがありません（例: sqlite:///var/civicdesk.sqlite3）"
            )
        # sqlite:///relative.db has path "/relative.db"; sqlite:////abs.db has "//abs.db".
        return _sqlite(Path(path[1:]))
    if parts.scheme in POSTGRES_SCHEMES:
        return _postgres(name, parts)
    known = ", ".join(SQLITE_SCHEMES + POSTGRES_SCHEMES)
    raise ConfigError(name, f"スキーム '{parts.scheme}' は使用できません（使用可能: {known}）")


def _sqlite(path: Path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        # IMMEDIATE makes every write transaction take the lock at BEGIN, so two
        # writers never both read the same chain head or work item.
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
    }


def _postgres(name: str, parts) -> dict:
    database_name = unquote(parts.path.lstrip("/"))
    if not database_name:
        raise ConfigError(
            name, "データベース名がありません（例: postgresql://user@host/civicdesk）"
        )
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    try:
        port = parts.port
    except ValueError:
        raise ConfigError(name, "ポート番号が不正です") from None
    host = unquote(parts.hostname or "") or query.pop("host", "")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": database_name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(port or ""),
        "CONN_MAX_AGE": integer("CIVICDESK_DB_CONN_MAX_AGE", 60, minimum=0),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": query,
    }


@dataclass(frozen=True)
class SecretKey:
    value: str
    generated_at: Path | None = None


def secret_key(environment: str, var_dir: Path) -> SecretKey:
    value = read("SECRET_KEY")
    if value is not None:
        if len(value) < 32:
            raise ConfigError("SECRET_KEY", "短すぎます（32 文字以上）")
        return SecretKey(value)
    if environment == "production":
        raise ConfigError(
            "SECRET_KEY", "本番環境（CIVICDESK_ENV=production）では必須です（SECRET_KEY_FILE も可）"
        )
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return SecretKey(path.read_text(encoding="utf-8").strip(), generated_at=path)


def networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """``10.0.0.0/8,192.168.1.10`` → networks (a bare address is a network of one); empty or
    unset → [] (no restriction). A malformed entry stops start-up naming it."""
    result = []
    for item in string_list(name, []):
        try:
            result.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            reason = f"'{item}' は IP アドレスまたはネットワーク（CIDR）ではありません"
            raise ConfigError(name, reason) from None
    return result


@dataclass(frozen=True)
class Rate:
    """At most ``limit`` requests per ``seconds`` (a fixed window); ``limit`` 0: no limit."""

    limit: int
    seconds: int

    @property
    def enabled(self) -> bool:
        return self.limit > 0


RATE_UNITS = {"s": 1, "m": 60, "h": 3600}
_RATE = re.compile(r"(?P<limit>[0-9]+)/(?P<count>[0-9]*)(?P<unit>[smh])")


def rate(name: str, default: str) -> Rate:
    """``20/10m`` → 20 requests per 10 minutes (units s, m, h; ``600/m`` = per minute);
    ``off`` → no limit. Anything else stops start-up naming the variable."""
    value = read(name, default).strip()
    if value.lower() == "off":
        return Rate(0, 0)
    match = _RATE.fullmatch(value)
    if match is None:
        raise ConfigError(
            name, f"'{value}' は 回数/期間 の形ではありません（例: 20/10m、600/1m、off）"
        )
    limit = int(match["limit"])
    count = int(match["count"] or "1")
    if limit < 1 or count < 1:
        raise ConfigError(
            name, f"'{value}' の回数と期間は 1 以上にしてください（無効にするなら off）"
        )
    return Rate(limit, count * RATE_UNITS[match["unit"]])
