"""URLs: reminder letters (催告書, issue 5 §3), under dunning/letters/."""

from django.urls import path

from civicdesk.dunning.views import letters as views

urlpatterns = [
    path("", views.letter_batches, name="letter_batches"),
    path("new/", views.letter_batch_new, name="letter_batch_new"),
    path("<int:pk>/", views.letter_batch, name="letter_batch"),
    path("<int:pk>/letters.pdf", views.letter_batch_pdf, name="letter_batch_pdf"),
    path("<int:pk>/list.xlsx", views.letter_batch_list, name="letter_batch_list"),
]
