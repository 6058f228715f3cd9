"""The accounts pages: sign-in (password, TOTP, enrolment, sign-out) and the staff roster."""

from civicdesk.accounts.urls import roster, sign_in

app_name = "accounts"

urlpatterns = [*sign_in.urlpatterns, *roster.urlpatterns]
