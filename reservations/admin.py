from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from core.exceptions import DomainError
from core.read_only_admin import ReadOnlyModelAdmin

from . import services
from .models import Reservation


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyModelAdmin):
    """Read-only: reservations change only through the rules, here as actions (R23, R25)."""

    list_display = [
        "id",
        "customer",
        "book",
        "status",
        "days",
        "requested_at",
        "starts_at",
        "ends_at",
        "price",
        "discount",
        "end_reason",
        "book_holders",
    ]
    list_filter = ["status", "end_reason", "customer__tier", "book__genre", "requested_at"]
    search_fields = ["=id", "customer__user__username", "customer__user__phone", "book__title", "book__isbn"]
    list_select_related = ["customer__user", "book"]
    date_hierarchy = "requested_at"
    actions = ["end_early", "remove_from_queue"]

    @admin.display(description="Book's holders and queue")
    def book_holders(self, reservation: Reservation) -> str:
        url = reverse("admin:catalog_book_holders", args=[reservation.book_id])
        return format_html('<a href="{}">Holders and queue</a>', url)

    def _apply(self, request, queryset, service, done: str) -> None:
        count = 0
        for reservation in queryset:
            try:
                service(reservation=reservation)
                count += 1
            except DomainError as error:
                self.message_user(request, f"#{reservation.pk}: {error.message}", messages.ERROR)
        if count:
            self.message_user(request, f"{count} reservation(s) {done}.", messages.SUCCESS)

    @admin.action(description="End the selected active reservations early (R25)")
    def end_early(self, request, queryset):
        self._apply(request, queryset, services.end_reservation_by_admin, "ended; their queues were served")

    @admin.action(description="Remove the selected entries from their queue (R25)")
    def remove_from_queue(self, request, queryset):
        self._apply(request, queryset, services.remove_from_queue_by_admin, "removed from the queue")
