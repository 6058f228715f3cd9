"""The oversight pages: purge plans, the alert inbox and the semi-annual status report. They
belong to the section 個人情報管理 and share its namespace ``privacy`` (civicdesk/urls.py)."""

from civicdesk.oversight.urls import alerts, purge, status_reports

urlpatterns = [
    *alerts.urlpatterns,
    *purge.urlpatterns,
    *status_reports.urlpatterns,
]
