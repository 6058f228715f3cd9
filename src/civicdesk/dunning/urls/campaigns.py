"""URLs: campaigns."""

urlpatterns: list = []
