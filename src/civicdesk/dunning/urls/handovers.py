"""URLs: handovers."""

urlpatterns: list = []
