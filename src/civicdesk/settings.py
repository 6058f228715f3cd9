"""Django settings, read strictly from the environment (civicdesk.env, docs/operations.md)."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from civicdesk import env
from civicdesk.sms import config as sms_settings

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env.read("CIVICDESK_VAR_DIR", str(Path.cwd() / "var"))).resolve()

ENVIRONMENT = env.choice("CIVICDESK_ENV", env.ENVIRONMENTS, "development")
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env.boolean("CIVICDESK_DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise env.ConfigError("CIVICDESK_DEBUG", "本番環境では true にできません")

SECRET_KEY = env.secret_key(ENVIRONMENT, VAR_DIR).value
ALLOWED_HOSTS = env.string_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise env.ConfigError("ALLOWED_HOSTS", "本番環境では必須です（例: civicdesk.example.lg.jp）")
CSRF_TRUSTED_ORIGINS = env.string_list("CSRF_TRUSTED_ORIGINS", [])
# Client networks that may reach the application at all (empty: no restriction), and the
# proxies whose X-Real-IP header is believed (core.middleware).
ALLOWED_NETWORKS = env.networks("CIVICDESK_ALLOWED_NETWORKS")
TRUSTED_PROXIES = env.networks("CIVICDESK_TRUSTED_PROXIES") or [
    ipaddress.ip_network("127.0.0.1/32"),
    ipaddress.ip_network("::1/128"),
]

DATABASES = {"default": env.database("DATABASE_URL", VAR_DIR / "civicdesk.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "civicdesk.audit",
    "civicdesk.core",
    "civicdesk.accounts",
    "civicdesk.privacy",
    "civicdesk.registry",
    "civicdesk.receivables",
    "civicdesk.dunning",
    "civicdesk.sms",
    "civicdesk.counter",
    "civicdesk.cards",
    "civicdesk.reports",
    "civicdesk.oversight",
    "civicdesk.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response, refusals below included (docs/adr/0015).
    "civicdesk.core.middleware.ContentSecurityPolicyMiddleware",
    "civicdesk.core.middleware.AllowedNetworksMiddleware",
    # The client's address for the access log while the request is served (audit.context).
    "civicdesk.core.middleware.ClientAddressMiddleware",
    # Sign-in and API rate limits, counted in the database before sessions (docs/adr/0015).
    "civicdesk.core.ratelimit.RateLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "civicdesk.accounts.middleware.RequireVerifiedLoginMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "civicdesk.urls"
WSGI_APPLICATION = "civicdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civicdesk.accounts.context_processors.shell",
                "civicdesk.dunning.context_processors.shell",
            ],
        },
    }
]

# Accounts: custom user from the first migration, Argon2, TOTP for every login, lock-out.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
OTP_TOTP_ISSUER = env.read("CIVICDESK_OTP_ISSUER", "CivicDesk")

AXES_FAILURE_LIMIT = env.integer("CIVICDESK_LOCKOUT_FAILURES", 5, minimum=1)
# Lock the account, not the terminal: call-center seats share one NAT address.
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 wants the IP address in the lock-out key; we lock the account on purpose (above).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
_cooloff_minutes = env.integer("CIVICDESK_LOCKOUT_MINUTES", 0, minimum=0)
# 0 = stays locked until an administrator unlocks it (civicdesk axes_reset_username).
AXES_COOLOFF_TIME = None if _cooloff_minutes == 0 else _cooloff_minutes / 60
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "civicdesk.accounts.views.sign_in.locked_out"
AXES_VERBOSE = False

# Rate limits (docs/operations.md「Rate limits」): POSTs of the sign-in steps per client address,
# and API requests per token (or address), counted in the database for every worker; "off": none.
LOGIN_RATE = env.rate("CIVICDESK_LOGIN_RATE", "200/10m")
API_RATE = env.rate("CIVICDESK_API_RATE", "600/1m")

SESSION_COOKIE_AGE = env.integer("CIVICDESK_SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True  # the age is idle time: every request pushes expiry forward
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = Path(env.read("CIVICDESK_STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_ROOT = Path(env.read("CIVICDESK_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"

# The field policy (privacy/field_policy.yaml by default): what may be held per revenue type.
FIELD_POLICY_FILE = env.read("CIVICDESK_FIELD_POLICY")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Dunning center (docs/operations.md): work-queue leases, callbacks, promises.
DUNNING_LEASE_MINUTES = env.integer("CIVICDESK_LEASE_MINUTES", 10, minimum=1)
DUNNING_CALLBACK_GRACE_MINUTES = env.integer("CIVICDESK_CALLBACK_GRACE_MINUTES", 15, minimum=0)
DUNNING_PROMISE_MAX_DAYS = env.integer("CIVICDESK_PROMISE_MAX_DAYS", 31, minimum=1)
DUNNING_PROMISE_GRACE_DAYS = env.integer("CIVICDESK_PROMISE_GRACE_DAYS", 5, minimum=0)
# Visit lists (ADR 0008): how many people a list takes when the visitor does not say.
DUNNING_VISIT_LIST_SIZE = env.integer("CIVICDESK_VISIT_LIST_SIZE", 30, minimum=1)
# PDF layout runs in this many processes (letters); default: the machine's cores, at most 4.
PDF_WORKERS = env.integer("CIVICDESK_PDF_WORKERS", min(os.cpu_count() or 1, 4), minimum=1)
# The PBX/CTI's bearer token for POST /api/calls/inbound; unset: the endpoint refuses all.
PBX_API_TOKEN = env.read("CIVICDESK_PBX_API_TOKEN")
if PBX_API_TOKEN is not None and len(PBX_API_TOKEN) < 32:
    raise env.ConfigError("CIVICDESK_PBX_API_TOKEN", "32 文字以上にしてください")

# SMS reminders (docs/operations.md「SMS」): the provider and its options, limits, receipts.
SMS_PROVIDER = env.choice("CIVICDESK_SMS_PROVIDER", ("console", "file", "http", "twilio"), "file")
SMS_SENDER = env.read("CIVICDESK_SMS_SENDER", "")
SMS_PROVIDER_OPTIONS = sms_settings.provider_options(SMS_PROVIDER, VAR_DIR, SMS_SENDER)
SMS_MAX_CHARACTERS = env.integer("CIVICDESK_SMS_MAX_CHARACTERS", 660, minimum=70)
SMS_RATE_PER_SECOND = env.integer("CIVICDESK_SMS_RATE_PER_SECOND", 10, minimum=1)
if SMS_RATE_PER_SECOND > 10_000:  # SmsBatch.rate_per_second is a small integer
    raise env.ConfigError("CIVICDESK_SMS_RATE_PER_SECOND", "10000 以下にしてください")
SMS_MAX_ATTEMPTS = env.integer("CIVICDESK_SMS_MAX_ATTEMPTS", 5, minimum=1)
SMS_RETRY_SECONDS = env.decimal_number("CIVICDESK_SMS_RETRY_SECONDS", 30.0, minimum=0.01)
SMS_WEBHOOK_SECRET = env.read("CIVICDESK_SMS_WEBHOOK_SECRET")
if SMS_WEBHOOK_SECRET is not None and len(SMS_WEBHOOK_SECRET) < 32:
    raise env.ConfigError("CIVICDESK_SMS_WEBHOOK_SECRET", "32 文字以上にしてください")
SMS_STOP_WORDS = env.string_list(
    "CIVICDESK_SMS_STOP_WORDS", ["配信停止", "送信停止", "受信拒否", "停止", "STOP"]
)

# Card issuance (docs/cards.md, seed 004): the public site's booking window in calendar days
# ahead (first and last day offered), the web cut-off for changes, where call recordings are
# kept, and how many days after a disclosure its report to the 区民課長 is due.
CARDS_WEB_FIRST_DAY = env.integer("CIVICDESK_CARDS_WEB_FIRST_DAY", 3, minimum=0)
CARDS_WEB_LAST_DAY = env.integer("CIVICDESK_CARDS_WEB_LAST_DAY", 45, minimum=1)
if CARDS_WEB_LAST_DAY < CARDS_WEB_FIRST_DAY:
    raise env.ConfigError(
        "CIVICDESK_CARDS_WEB_LAST_DAY", "CIVICDESK_CARDS_WEB_FIRST_DAY 以上にしてください"
    )
CARDS_WEB_CUTOFF_DAYS = env.integer("CIVICDESK_CARDS_WEB_CUTOFF_DAYS", 2, minimum=0)
# Unset: VAR_DIR/recordings (cards.selectors.recordings.recordings_dir).
_recordings = env.read("CIVICDESK_RECORDINGS_DIR")
CARDS_RECORDINGS_DIR = Path(_recordings) if _recordings else None
CARDS_DISCLOSURE_REPORT_DAYS = env.integer("CIVICDESK_CARDS_DISCLOSURE_REPORT_DAYS", 7, minimum=1)

# Reports (docs/reports.md): payments this many days after a reached contact count as paid
# after contact.
REPORT_PAID_DAYS = env.integer("CIVICDESK_REPORT_PAID_DAYS", 30, minimum=1)

# Access-log analysis (docs/operations.md「Access log」): what the daily check flags.
ALERT_CASES_PER_HOUR = env.integer("CIVICDESK_ALERT_CASES_PER_HOUR", 60, minimum=1)
ALERT_SEARCH_MINUTES = env.integer("CIVICDESK_ALERT_SEARCH_MINUTES", 30, minimum=1)
ALERT_SEARCHES_WITHOUT_CONTACT = env.integer(
    "CIVICDESK_ALERT_SEARCHES_WITHOUT_CONTACT", 5, minimum=1
)

# Staff roster (docs/operations.md「Staff roster」): the center's people sign in only while on
# the current month's submitted roster (seed 000 §14(3)).
ROSTER_REQUIRED = env.boolean("CIVICDESK_ROSTER_REQUIRED", True)

# Exports with personal data (docs/operations.md「Exports」): staff approve before the file
# is made; encryption (a password-protected archive) can be required for every export.
EXPORT_APPROVAL_REQUIRED = env.boolean("CIVICDESK_EXPORT_APPROVAL_REQUIRED", False)
EXPORT_ENCRYPTION = env.choice("CIVICDESK_EXPORT_ENCRYPTION", ("optional", "required"), "optional")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CivicDesk API",
    "DESCRIPTION": "PBX/CTI・SMS 配信結果・基幹システム連携のための API",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # DRF views skip LoginRequiredMiddleware: the schema asks for a signed-in session itself.
    "SERVE_AUTHENTICATION": ["rest_framework.authentication.SessionAuthentication"],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# Nothing personal reaches the server log: no request bodies, no SQL parameters.
# Nothing personal reaches the server log: no query strings, request bodies, exception messages
# or SQL parameters (civicdesk.core.logging, on every handler that writes).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_personal_data": {"()": "civicdesk.core.logging.PersonalDataFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["no_personal_data"]},
    },
    "root": {"handlers": ["console"], "level": env.read("CIVICDESK_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own defaults would print these through handlers without the filter.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.boolean("CIVICDESK_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env.integer("CIVICDESK_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
