"""URL patterns of the counter's requests pages (joined in counter/urls/__init__.py)."""

urlpatterns: list = []
