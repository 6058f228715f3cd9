"""URLs: SMS replies, under sms/."""

urlpatterns: list = []
