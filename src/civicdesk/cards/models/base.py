"""What several card models share."""

from django.db import models

APPEND_ONLY = "この記録は追記のみです。変更・削除はできません（取消は新しい記録で行います）。"


class AppendOnlyError(Exception):
    pass


class AppendOnly(models.Model):
    """A record written once (target events): the ORM refuses updates and deletes; the purge
    removes rows with queryset deletes, which do not pass through here."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(APPEND_ONLY)
