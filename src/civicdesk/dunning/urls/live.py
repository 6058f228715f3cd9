"""URLs: live."""

urlpatterns: list = []
