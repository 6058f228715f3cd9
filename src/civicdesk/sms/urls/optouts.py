"""URLs: SMS optouts, under sms/."""

urlpatterns: list = []
