"""Orders in the admin site: read-only, changed only by the actions that call the shop's services (R27, R36)."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import DomainError
from core.formatting import persian_digits, toman
from core.read_only_admin import ReadOnlyModelAdmin

from .models import Order, OrderLine
from .orders import cancel_order, fulfil_order


class OrderLineInline(admin.TabularInline):
    """An order's lines with the prices paid; never edited (R35's snapshot)."""

    model = OrderLine
    fields = ["book", "quantity", "unit_price_toman", "line_total_toman"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("Unit price"))
    def unit_price_toman(self, line: OrderLine) -> str:
        return toman(line.unit_price)

    @admin.display(description=gettext_lazy("Line total"))
    def line_total_toman(self, line: OrderLine) -> str:
        return toman(line.line_total)


@admin.register(Order)
class OrderAdmin(ReadOnlyModelAdmin):
    """All orders, read-only; money, status and stock change only through the actions (R27, R36).

    Implements R36.
    """

    list_display = ["id", "customer", "status", "total_toman", "created_at", "closed_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["=id", "customer__user__username", "customer__user__phone", "lines__book__title"]
    list_select_related = ["customer__user"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline]
    actions = ["cancel_and_refund", "mark_fulfilled"]

    @admin.display(description=gettext_lazy("Total"), ordering="total")
    def total_toman(self, order: Order) -> str:
        return toman(order.total)

    def _apply(self, request, queryset, service, done: str) -> None:
        """Call `service` on each order, then say so: `done` is the message, with the count as %(count)s."""
        count = 0
        for order in queryset.order_by("pk"):
            try:
                service(order=order)
                count += 1
            except DomainError as error:
                self.message_user(request, f"#{persian_digits(str(order.pk))}: {error.message}", messages.ERROR)
        if count:
            self.message_user(request, done % {"count": persian_digits(str(count))}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Cancel and refund"))
    def cancel_and_refund(self, request, queryset):
        """Cancel the selected placed orders: refund, stock back, customers told (R36)."""
        self._apply(request, queryset, cancel_order, _("%(count)s order(s) cancelled and refunded."))

    @admin.action(description=gettext_lazy("Mark fulfilled"))
    def mark_fulfilled(self, request, queryset):
        """Mark the selected placed orders fulfilled (R36)."""
        self._apply(request, queryset, fulfil_order, _("%(count)s order(s) marked fulfilled."))
