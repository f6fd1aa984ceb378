from django.contrib import admin

from .models import WalletTransaction


@admin.register(WalletTransaction)
class WalletTransactionAdmin(admin.ModelAdmin):
    """The ledger is append-only: it is written by the wallet services alone (R19)."""

    list_display = ["created_at", "customer", "kind", "amount", "balance_after", "reference"]
    list_filter = ["kind"]
    search_fields = ["customer__user__username", "reference", "idempotency_key"]
    list_select_related = ["customer__user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
