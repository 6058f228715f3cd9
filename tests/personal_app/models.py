from django.db import models


class LibraryCard(models.Model):
    """A library card: a holder's number and name, a note, and whether it is being processed."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+"
    )
    holder_no = models.CharField(max_length=20)
    holder_name = models.CharField(max_length=100)
    note = models.TextField(blank=True)
    processing = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.holder_no
