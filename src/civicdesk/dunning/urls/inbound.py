"""URLs: inbound."""

urlpatterns: list = []
