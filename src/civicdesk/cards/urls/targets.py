"""The cards pages of this subdomain (joined in urls/__init__.py)."""

urlpatterns: list = []
