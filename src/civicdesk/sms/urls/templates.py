"""URLs: SMS templates, under sms/."""

urlpatterns: list = []
