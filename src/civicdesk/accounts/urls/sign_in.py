from django.urls import path

from civicdesk.accounts.views import sign_in as views

urlpatterns = [
    path("login/", views.login, name="login"),
    path("login/verify/", views.verify, name="verify"),
    path("login/enrol/", views.enrol, name="enrol"),
    path("logout/", views.logout, name="logout"),
]
