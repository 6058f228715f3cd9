"""The public reservation site's WSGI entry point (civicdesk.public_settings):
``gunicorn civicdesk.public_wsgi:application`` on the host that faces the internet."""

import os

from django.core.wsgi import get_wsgi_application

# Forced, not a default: this entry point must never serve the staff site, whatever the
# environment says.
os.environ["DJANGO_SETTINGS_MODULE"] = "civicdesk.public_settings"
application = get_wsgi_application()
