"""The call-recording and disclosure pages (別紙④), joined in urls/__init__.py (namespace
``cards``)."""

from django.urls import path

from civicdesk.cards.views import recordings as views

urlpatterns = [
    path("recordings/", views.recording_list, name="recordings"),
    path("recordings/purge/", views.recordings_purge, name="recordings_purge"),
    path("recordings/<int:pk>/", views.recording_detail, name="recording"),
    path("recordings/<int:pk>/audio/", views.recording_audio, name="recording_audio"),
    path("recordings/<int:pk>/extend/", views.recording_extend, name="recording_extend"),
    path("recordings/<int:pk>/hold/", views.recording_hold, name="recording_hold"),
    path("recordings/<int:pk>/release/", views.recording_release, name="recording_release"),
    path("recordings/<int:pk>/erase/", views.recording_erase, name="recording_erase"),
    path(
        "recordings/erasures/<int:pk>/certificate.pdf",
        views.erasure_certificate,
        name="recording_erasure_certificate",
    ),
    path("disclosures/", views.disclosure_list, name="disclosures"),
    path("disclosures/new/", views.disclosure_new, name="disclosure_new"),
    path("disclosures/<int:pk>/", views.disclosure_detail, name="disclosure"),
    path("disclosures/<int:pk>/decide/", views.disclosure_decide, name="disclosure_decide"),
    path(
        "disclosures/<int:pk>/hand-over/", views.disclosure_hand_over, name="disclosure_hand_over"
    ),
    path("disclosures/<int:pk>/report/", views.disclosure_report, name="disclosure_report"),
]
