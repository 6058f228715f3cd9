"""URLs: SMS batches, under sms/."""

urlpatterns: list = []
