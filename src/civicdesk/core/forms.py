"""Forms of the core app: what every page form shares (add_service_errors, ServiceFormMixin)
and the admin inlines of the business calendar."""

from __future__ import annotations

from collections import Counter

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from civicdesk.core.japanese import fiscal_year_of
from civicdesk.core.models.calendar import DesignatedDay, designated_limit_message
from civicdesk.core.services import refuse_unless_closed


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, fields: dict[str, str | None] | None = None
) -> None:
    """Put a service's ValidationError on a page form: each error beside its field, the rest
    (no field, a field the form lacks or hides) at the top as non-field errors.

    ``fields`` maps a service's error key to the form's field name when they differ (None:
    show it at the top).
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    fields = fields or {}
    for key, messages in error.message_dict.items():
        name = fields.get(key, key)
        if name is not None and (name not in form.fields or form.fields[name].widget.is_hidden):
            name = None
        for message in messages:
            form.add_error(name, message)


class ServiceFormMixin:
    """A page form whose whole input is checked by a service: the service's errors go next to
    their fields (``add_service_errors``), and the error summary (partials/error_summary.html)
    links to each.

    ``service_error_fields`` maps a service's error key to a field name when they differ (None:
    show it at the top). Errors for fields the form lacks, or hides, go to the top.
    """

    service_error_fields: dict[str, str | None] = {}

    def add_service_errors(self, error: ValidationError) -> None:
        add_service_errors(self, error, self.service_error_fields)

    def error_links(self) -> list[tuple[str, str]]:
        """(anchor id, message) per error; a radio or checkbox group links to its first box."""
        links = [("", message) for message in self.non_field_errors()]
        for field in self:
            grouped = isinstance(
                field.field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)
            )
            anchor = f"{field.auto_id}_0" if grouped else field.auto_id
            links += [(anchor, message) for message in field.errors]
        return links


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
        self._refuse_open_days()
        per_year = Counter(fiscal_year_of(day) for day in [*kept_dates, *saved])
        for day in sorted(kept_dates):
            if per_year[fiscal_year_of(day)] > limit:
                raise ValidationError(designated_limit_message(limit, day))

    def _refuse_open_days(self) -> None:
        """The same rule as the staff page and the command: a designated day opens a day the
        calendar otherwise keeps closed (judged by the calendar's saved rules)."""
        if not self.instance.pk:
            return
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("date") and not data.get("DELETE") and form.has_changed():
                try:
                    refuse_unless_closed(self.instance, data["date"])
                except ValidationError as error:
                    raise ValidationError(error.message_dict["date"]) from error
