"""URL patterns of the counter's hours pages (joined in counter/urls/__init__.py)."""

urlpatterns: list = []
