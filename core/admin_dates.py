"""Date and time columns in the admin's change lists, written as the site writes them (R40).

Django's admin formats a ``DateTimeField`` with the language's ``DATETIME_FORMAT``, which
is always Gregorian ("Dec. 2, 2026, 2:29 a.m." in English, Gregorian with Persian month
names in Persian). ``LocalDatesAdmin`` shows each date or datetime column of
``list_display`` through ``core.formatting`` instead: ``2026-12-02 02:29`` in English, the
Jalali ``۱۴۰۵/۰۹/۱۱ ۰۲:۲۹`` in Persian, the same as on the site. The column keeps its
header and still sorts by the field.

Left as Django draws them: ``date_hierarchy`` (Gregorian years and months) and the date
inputs of a change form.

Implements R40.
"""

from collections.abc import Callable

from django.db import models

from .formatting import local_date, local_time


def local_column(field: models.Field) -> Callable:
    """A change-list column showing `field` (a date or datetime) as the site does."""
    write = local_time if isinstance(field, models.DateTimeField) else local_date

    def column(obj):
        value = getattr(obj, field.attname)
        return write(value) if value else None  # None: the admin's "-" for empty

    column.short_description = field.verbose_name
    column.admin_order_field = field.name
    column.__name__ = field.name
    return column


class LocalDatesAdmin:
    """A ModelAdmin mixin: its date and datetime columns in the site's format. Implements R40."""

    def get_list_display(self, request):
        columns = getattr(self, "_local_date_columns", None)
        if columns is None:
            columns = self._local_date_columns = {
                field.name: local_column(field)
                for field in self.model._meta.concrete_fields
                if isinstance(field, models.DateField)  # DateTimeField is a DateField too
            }
        return [
            columns.get(name, name) if isinstance(name, str) else name for name in super().get_list_display(request)
        ]
