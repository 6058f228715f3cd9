from django.urls import path

from civicdesk.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("login/verify/", views.verify, name="verify"),
    path("login/enrol/", views.enrol, name="enrol"),
    path("logout/", views.logout, name="logout"),
]
