"""The machine API (/api/): PBX/CTI and, later, SMS receipts and core-system links."""

urlpatterns: list = []
