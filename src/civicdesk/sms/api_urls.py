"""The machine API of SMS (/api/sms/): delivery receipts and replies from the provider."""

urlpatterns: list = []
