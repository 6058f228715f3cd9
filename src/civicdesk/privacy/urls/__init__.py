"""The privacy app's pages (namespace ``privacy``, with the oversight pages: civicdesk/urls.py
joins both into the section 個人情報管理)."""

from django.urls import path

from civicdesk.privacy.urls import exports, incidents
from civicdesk.privacy.views import index as views

urlpatterns = [
    path("", views.index, name="index"),
    path("access-log/", views.access_log, name="access_log"),
    *exports.urlpatterns,
    *incidents.urlpatterns,
]
