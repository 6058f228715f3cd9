"""URL patterns of the counter's tickets pages (joined in counter/urls/__init__.py)."""

urlpatterns: list = []
