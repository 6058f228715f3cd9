"""URLs: visits (issue 5), under dunning/visits/."""

urlpatterns: list = []
