"""The privacy app's pages (namespace ``privacy``, with the oversight pages: civicdesk/urls.py
joins both into the section 個人情報管理)."""

from django.urls import path

from civicdesk.privacy.urls import exports, incidents
from civicdesk.privacy.views import index as views
from civicdesk.privacy.views import roster_export

urlpatterns = [
    path("", views.index, name="index"),
    path("access-log/", views.access_log, name="access_log"),
    # The roster is kept in accounts; its file leaves through the export requests.
    path("rosters/<int:pk>/export/", roster_export.roster_export, name="roster_export"),
    *exports.urlpatterns,
    *incidents.urlpatterns,
]
