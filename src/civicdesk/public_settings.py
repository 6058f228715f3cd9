"""Settings of the public reservation site (/yoyaku/, issue 18 §3): CivicDesk's own settings,
served through a URLconf that holds the public pages only, on a host that faces the internet.

    DJANGO_SETTINGS_MODULE=civicdesk.public_settings gunicorn civicdesk.public_wsgi:application

What differs from the staff site:
- ROOT_URLCONF holds /yoyaku/ and nothing else (no admin, accounts, API or staff page);
- no staff middleware: no user authentication, TOTP, roster, lock-out or login-required
  redirect (there are no accounts here), no staff sign-in rate limit (the site counts its own
  failures, cards.public.signin), and no network allow-list (residents come from anywhere);
- its own cookie names, so a browser holding both sites' cookies never mixes them;
- no staff context processors (menus, banners) in the templates.
"""

from civicdesk import env
from civicdesk.settings import *  # noqa: F403
from civicdesk.settings import (
    ALLOWED_HOSTS,
    CSRF_TRUSTED_ORIGINS,
    INSTALLED_APPS,
    SILENCED_SYSTEM_CHECKS,
    TEMPLATES,
)

ROOT_URLCONF = "civicdesk.cards.public.site_urls"
WSGI_APPLICATION = "civicdesk.public_wsgi.application"

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "django.contrib.admin"]

# axes stays installed (its tables belong to the shared database) but locks no account here:
# there are none; the site counts its own failures.
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "axes.W002"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "civicdesk.core.middleware.ContentSecurityPolicyMiddleware",
    "civicdesk.core.middleware.ClientAddressMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        **TEMPLATES[0],
        "OPTIONS": {
            **TEMPLATES[0]["OPTIONS"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# The public host's own names (unset: the staff site's, for a single-host install).
ALLOWED_HOSTS = env.string_list("CIVICDESK_PUBLIC_ALLOWED_HOSTS", ALLOWED_HOSTS)
CSRF_TRUSTED_ORIGINS = env.string_list(
    "CIVICDESK_PUBLIC_CSRF_TRUSTED_ORIGINS", CSRF_TRUSTED_ORIGINS
)
SESSION_COOKIE_NAME = "yoyaku_session"
CSRF_COOKIE_NAME = "yoyaku_csrftoken"
SESSION_COOKIE_AGE = env.integer("CIVICDESK_PUBLIC_SESSION_MINUTES", 15, minimum=1) * 60
SESSION_COOKIE_SAMESITE = "Strict"
# The session lives SESSION_COOKIE_AGE from sign-in (time enough to book); not written again
# on every page as the staff site's idle timeout needs.
SESSION_SAVE_EVERY_REQUEST = False

# Sign-in failures allowed per client address and per 予約管理番号 (cards.public.signin), and
# the proof of work (cards.public.altcha): the largest secret number and a challenge's life.
CARDS_PUBLIC_ADDRESS_RATE = env.rate("CIVICDESK_PUBLIC_ADDRESS_RATE", "10/15m")
CARDS_PUBLIC_NUMBER_RATE = env.rate("CIVICDESK_PUBLIC_NUMBER_RATE", "5/1h")
CARDS_PUBLIC_ALTCHA_MAX_NUMBER = env.integer(
    "CIVICDESK_PUBLIC_ALTCHA_MAX_NUMBER", 100_000, minimum=1
)
CARDS_PUBLIC_ALTCHA_SECONDS = env.integer("CIVICDESK_PUBLIC_ALTCHA_SECONDS", 600, minimum=30)

# A refused CSRF token (an old tab, cookies off) gets the site's own Japanese page.
CSRF_FAILURE_VIEW = "civicdesk.cards.public.views.forbidden"
