"""URLs: queue."""

urlpatterns: list = []
