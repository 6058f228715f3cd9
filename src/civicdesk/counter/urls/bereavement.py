"""URL patterns of the counter's bereavement pages (joined in counter/urls/__init__.py)."""

urlpatterns: list = []
