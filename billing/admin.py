from django.contrib import admin
from django.utils.translation import gettext_lazy

from core.formatting import toman
from core.read_only_admin import ReadOnlyModelAdmin

from .models import GatewayCharge, WalletTransaction


@admin.register(WalletTransaction)
class WalletTransactionAdmin(ReadOnlyModelAdmin):
    """The ledger is append-only: it is written by the wallet services alone (R19)."""

    list_display = ["created_at", "customer", "kind", "amount_toman", "balance_after_toman", "reference"]
    list_filter = ["kind", "created_at", "customer__tier"]
    search_fields = ["=id", "customer__user__username", "customer__user__phone", "reference", "idempotency_key"]
    list_select_related = ["customer__user"]
    date_hierarchy = "created_at"

    @admin.display(description=gettext_lazy("Amount"), ordering="amount")
    def amount_toman(self, transaction: WalletTransaction) -> str:
        return toman(transaction.amount)

    @admin.display(description=gettext_lazy("Balance after"), ordering="balance_after")
    def balance_after_toman(self, transaction: WalletTransaction) -> str:
        return toman(transaction.balance_after)


@admin.register(GatewayCharge)
class GatewayChargeAdmin(ReadOnlyModelAdmin):
    """Claims on gateway charges, for looking into a stuck or failed charge; written by charge_wallet alone (R17)."""

    list_display = ["created_at", "customer", "amount_toman", "status", "attempts", "attempted_at", "gateway_reference"]
    list_filter = ["status", "created_at"]
    search_fields = ["=id", "customer__user__username", "idempotency_key", "gateway_reference"]
    list_select_related = ["customer__user"]
    raw_id_fields = ["customer", "transaction"]
    date_hierarchy = "created_at"

    @admin.display(description=gettext_lazy("Amount"), ordering="amount")
    def amount_toman(self, charge: GatewayCharge) -> str:
        return toman(charge.amount)
