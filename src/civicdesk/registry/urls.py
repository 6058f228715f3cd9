from django.urls import path

from civicdesk.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.search, name="search"),
    path("<int:pk>/", views.obligor_detail, name="obligor"),
]
