"""ROOT_URLCONF of the public host (civicdesk.public_settings): /yoyaku/ and nothing else — no
admin, accounts, API or staff page exists on that host (tests/cards/test_public_urlconf.py
walks it). ``/`` leads to the sign-in. Static files are served by the web server in front
(nginx); ``runserver`` and the test server serve them through django.contrib.staticfiles."""

from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("yoyaku/", include("civicdesk.cards.public.urls")),
    path("", RedirectView.as_view(pattern_name="yoyaku:signin", permanent=False)),
]

handler403 = "civicdesk.cards.public.views.forbidden"
handler404 = "civicdesk.cards.public.views.not_found"
handler500 = "civicdesk.cards.public.views.server_error"
