"""An admin page that shows rows and never adds, changes or deletes them."""

from django.contrib import admin

from .admin_dates import LocalDatesAdmin


class ReadOnlyModelAdmin(LocalDatesAdmin, admin.ModelAdmin):
    """For rows that only services write (the ledger, reservations, charge claims): R19, R23.

    Actions that call a service stay available; Django's own add, change and delete do not.
    Date columns are written as the site writes them (``LocalDatesAdmin``, R40).
    """

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
