"""URLs: cases."""

urlpatterns: list = []
