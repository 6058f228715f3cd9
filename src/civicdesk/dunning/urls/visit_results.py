"""URLs: visit_results (issue 5), under dunning/visits/."""

urlpatterns: list = []
