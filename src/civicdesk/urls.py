from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from civicdesk.oversight import urls as oversight_urls
from civicdesk.privacy import urls as privacy_urls

admin.site.site_header = "CivicDesk 管理"
admin.site.site_title = "CivicDesk 管理"
admin.site.index_title = "管理メニュー"

urlpatterns = [
    # The admin signs in through the same password + TOTP flow as every other page.
    path("admin/login/", RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
    path("admin/", admin.site.urls),
    path("accounts/", include("civicdesk.accounts.urls")),
    # 個人情報管理: the privacy pages and the oversight pages above them, one section.
    path(
        "privacy/",
        include(([*privacy_urls.urlpatterns, *oversight_urls.urlpatterns], "privacy")),
    ),
    path("obligors/", include("civicdesk.receivables.urls.obligors")),
    path("receivables/", include("civicdesk.receivables.urls")),
    path("dunning/", include("civicdesk.dunning.urls")),
    path("sms/", include("civicdesk.sms.urls")),
    path("counter/", include("civicdesk.counter.urls")),
    path("cards/", include("civicdesk.cards.urls")),
    # The public reservation site, for a single-host install; in production it runs on its own
    # host (civicdesk.public_wsgi, docs/operations.md) and this mount is closed by nginx.
    path("yoyaku/", include("civicdesk.cards.public.urls")),
    path("reports/", include("civicdesk.reports.urls")),
    # The OpenAPI schema of the machine API, for signed-in users (SPECTACULAR_SETTINGS).
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/", include("civicdesk.dunning.api_urls")),
    path("api/sms/", include("civicdesk.sms.api_urls")),
    path("", include("civicdesk.core.urls")),
]
