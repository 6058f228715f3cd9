"""URLs: letters (issue 5), under dunning/letters/."""

urlpatterns: list = []
