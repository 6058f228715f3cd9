"""Forms of the core app (admin inlines of the business calendar)."""

from __future__ import annotations

from collections import Counter

from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from civicdesk.core.japanese import fiscal_year_of
from civicdesk.core.models.calendar import DesignatedDay, designated_limit_message


class DesignatedDayFormSet(BaseInlineFormSet):
    """Checks the yearly limit over the whole inline at once.

    Each row's model clean() only sees rows already saved, so adding several designated
    days in one admin save could pass the limit; this counts saved and new rows together.
    """

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        limit = self.instance.designated_day_limit
        kept_dates = []
        edited_pks = set()
        for form in self.forms:
            if form.instance.pk:
                edited_pks.add(form.instance.pk)
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("date") and not data.get("DELETE"):
                kept_dates.append(data["date"])
        saved = []
        if self.instance.pk:
            saved = (
                DesignatedDay.objects.filter(calendar=self.instance)
                .exclude(pk__in=edited_pks)
                .values_list("date", flat=True)
            )
        per_year = Counter(fiscal_year_of(day) for day in [*kept_dates, *saved])
        for day in sorted(kept_dates):
            if per_year[fiscal_year_of(day)] > limit:
                raise ValidationError(designated_limit_message(limit, day))
