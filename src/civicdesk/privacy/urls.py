from django.urls import path

from civicdesk.privacy import alert_urls, export_urls, incident_urls, purge_urls, views

app_name = "privacy"

urlpatterns = [
    path("", views.index, name="index"),
    path("access-log/", views.access_log, name="access_log"),
    *alert_urls.urlpatterns,
    *export_urls.urlpatterns,
    *incident_urls.urlpatterns,
    *purge_urls.urlpatterns,
]
