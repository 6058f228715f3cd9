"""Settings of the test run: CivicDesk's own, plus a test-only app with personal data
(tests/personal_app) that purge and verification must reach through its declaration alone."""

from civicdesk.settings import *  # noqa: F403
from civicdesk.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.personal_app"]
