"""Reservations in the admin site, and the books' admin with their holders and queue (R25, R28)."""

from dataclasses import replace

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.admin import tier_name
from catalog.admin import BookAdmin
from catalog.filters import MAX_ID
from catalog.models import Book
from core.exceptions import DomainError
from core.formatting import persian_digits, toman
from core.read_only_admin import ReadOnlyModelAdmin

from . import services
from .models import Reservation, Status
from .selectors import holders_and_queue

# What the buttons of the holders view do: each calls the reservation service (R25) once
# the admin confirms it on a page of its own (the question, the button's label).
HOLDER_ACTIONS = {
    "end": (services.end_reservation_by_admin, gettext_lazy("Reservation #%(id)s of %(customer)s ended early.")),
    "remove": (
        services.remove_from_queue_by_admin,
        gettext_lazy("Reservation #%(id)s of %(customer)s removed from the queue."),
    ),
}
CONFIRMATIONS = {
    "end": (
        gettext_lazy("End this loan early? The book goes to the next in the queue."),
        gettext_lazy("Yes, end it early"),
    ),
    "remove": (
        gettext_lazy("Remove this entry from the queue? The customer is told."),
        gettext_lazy("Yes, remove it"),
    ),
}


def number_sign(pk: int) -> str:
    """A reservation's id as messages write it after "#": Persian digits on a Persian page."""
    return persian_digits(str(pk))


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyModelAdmin):
    """Read-only: reservations change only through the rules, here as actions (R23, R25). Implements R23 and R25."""

    list_display = [
        "id",
        "customer",
        "book",
        "status",
        "days",
        "requested_at",
        "starts_at",
        "ends_at",
        "price_toman",
        "discount",
        "end_reason",
        "book_holders",
    ]
    list_filter = ["status", "end_reason", "customer__tier", "book__genre", "requested_at"]
    search_fields = ["=id", "customer__user__username", "customer__user__phone", "book__title", "book__isbn"]
    list_select_related = ["customer__user", "book"]
    date_hierarchy = "requested_at"
    actions = ["end_early", "remove_from_queue"]

    @admin.display(description=gettext_lazy("Price"), ordering="price")
    def price_toman(self, reservation: Reservation) -> str | None:
        return None if reservation.price is None else toman(reservation.price)

    @admin.display(description=gettext_lazy("Book's holders and queue"))
    def book_holders(self, reservation: Reservation) -> str:
        url = reverse("admin:catalog_book_holders", args=[reservation.book_id])
        return format_html('<a href="{}">{}</a>', url, _("Holders and queue"))

    def _apply(self, request, queryset, service, done: str) -> None:
        """Call `service` on each reservation, then say so: `done` is the message, with the count as %(count)s."""
        count = 0
        for reservation in queryset:
            try:
                service(reservation=reservation)
                count += 1
            except DomainError as error:
                self.message_user(request, f"#{number_sign(reservation.pk)}: {error.message}", messages.ERROR)
        if count:
            self.message_user(request, done % {"count": persian_digits(str(count))}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("End the selected active reservations early"))
    def end_early(self, request, queryset):
        """End the selected active reservations early; their units serve the queue (R25)."""
        done = _("%(count)s reservation(s) ended; their queues were served.")
        self._apply(request, queryset, services.end_reservation_by_admin, done)

    @admin.action(description=gettext_lazy("Remove the selected entries from their queue"))
    def remove_from_queue(self, request, queryset):
        """Remove the selected queued reservations from their queue, telling the customers (R25)."""
        done = _("%(count)s reservation(s) removed from the queue.")
        self._apply(request, queryset, services.remove_from_queue_by_admin, done)


@admin.register(Book)
class LendingBookAdmin(BookAdmin):
    """catalog's BookAdmin with each book's holders and queue (R25), deleting as R28 says. Implements R25."""

    list_display = [*BookAdmin.list_display, "holders_link"]

    @admin.display(description=gettext_lazy("Holders and queue"))
    def holders_link(self, book: Book) -> str:
        url = reverse("admin:catalog_book_holders", args=[book.pk])
        return format_html('<a href="{}">{}</a>', url, _("Holders and queue"))

    def get_deleted_objects(self, objs, request):
        # A book goes with its finished reservations (services.delete_book);
        # only live ones, held or queued, keep it from being deleted.
        to_delete, model_count, perms_needed, _protected = super().get_deleted_objects(objs, request)
        now = timezone.now()  # a loan past its end blocks nothing (R16): delete_book expires it
        live = Reservation.objects.filter(book__in=list(objs)).live_at(now).select_related("book", "customer__user")
        protected = [
            _("%(book)s: reservation #%(id)s of %(customer)s (%(status)s)")
            % {
                "book": r.book,
                "id": number_sign(r.pk),
                "customer": r.customer,
                "status": r.get_status_display().lower(),
            }
            for r in live
        ]
        # Django counts the protected reservations as needing a delete permission; they are
        # never deleted here but by delete_book, which the admin's right to delete books covers.
        perms_needed.discard(Reservation._meta.verbose_name)
        return to_delete, model_count, perms_needed, protected

    def _delete_or_withdraw(self, request, book: Book) -> None:
        """Delete the book, or withdraw it if it was ever lent (R28), and say which."""
        if not services.delete_book(book=book):
            self.message_user(
                request,
                _(
                    "“%(book)s” was lent before, so it was withdrawn from the catalog instead of deleted: "
                    "its reservations stay in the customers' history. The action “Bring back” restores it."
                )
                % {"book": book},
                messages.WARNING,
            )

    def delete_model(self, request, obj):
        self._delete_or_withdraw(request, obj)

    def response_delete(self, request, obj_display, obj_id):
        if Book.objects.filter(pk=obj_id).exists():  # withdrawn, not deleted: said so already
            return redirect(reverse("admin:catalog_book_changelist"))
        return super().response_delete(request, obj_display, obj_id)

    def delete_queryset(self, request, queryset):
        for book in queryset:
            try:
                self._delete_or_withdraw(request, book)
            except DomainError as error:
                self.message_user(request, f"{book}: {error.message}", messages.ERROR)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:  # a reservation came in after the confirmation page
            self.message_user(request, error.message, messages.ERROR)
            return redirect(reverse("admin:catalog_book_change", args=[object_id]))

    def get_urls(self):
        holders = path(
            "<path:object_id>/holders/",
            self.admin_site.admin_view(self.holders_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_holders",
        )
        return [holders, *super().get_urls()]

    def holders_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The book's holders and its queue in R12 order; buttons end a loan or remove an entry (R25)."""
        book = self.get_object(request, unquote(object_id))
        if book is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, book):
            raise PermissionDenied
        if request.method == "POST":
            chosen = self._chosen_reservation(request, book)
            if chosen is not None and request.POST.get("confirmed") != "yes":
                return self._confirmation(request, book, *chosen)
            if chosen is not None:
                self._act_on_reservation(request, book, *chosen)
            return redirect(request.path)
        now = timezone.now()
        entries = holders_and_queue(book, now)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Holders and queue: %(title)s") % {"title": book.title},
            "opts": self.opts,
            "book": book,
            "original": book,
            # Each tier as people read it (Plus, پلاس), not its stored value.
            "holders": [replace(entry, tier=tier_name(entry.tier)) for entry in entries["holders"]],
            "queue": [replace(entry, tier=tier_name(entry.tier)) for entry in entries["queue"]],
        }
        return TemplateResponse(request, "admin/catalog/book/holders.html", context)

    def _chosen_reservation(self, request: HttpRequest, book: Book) -> tuple[str, Reservation] | None:
        """The action and the reservation of `book` the admin's POST names, or None with a message."""
        # The same right as the actions on the reservation list, which call these services too.
        if not request.user.has_perm("reservations.view_reservation"):
            raise PermissionDenied
        action = request.POST.get("action", "")
        try:
            pk = forms.IntegerField(min_value=1, max_value=MAX_ID).clean(request.POST.get("reservation"))
        except forms.ValidationError:  # also "²", which passes str.isdigit() but not int() (R26)
            pk = None
        reservation = (
            Reservation.objects.filter(pk=pk, book=book).select_related("customer__user").first() if pk else None
        )
        if action not in HOLDER_ACTIONS or reservation is None:
            self.message_user(request, _("Choose a reservation of this book and an action."), messages.ERROR)
            return None
        return action, reservation

    def _confirmation(self, request: HttpRequest, book: Book, action: str, reservation: Reservation) -> HttpResponse:
        """The page that asks before an admin ends a loan or removes an entry (issue 17)."""
        question, confirm_label = CONFIRMATIONS[action]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Holders and queue: %(title)s") % {"title": book.title},
            "opts": self.opts,
            "book": book,
            "original": book,
            "reservation": reservation,
            "action": action,
            "question": question,
            "confirm_label": confirm_label,
        }
        return TemplateResponse(request, "admin/catalog/book/holders_confirm.html", context)

    def _act_on_reservation(self, request: HttpRequest, book: Book, action: str, reservation: Reservation) -> None:
        """End a loan early or remove a queued entry of `book`; say what happened as a message."""
        service, done = HOLDER_ACTIONS[action]
        waiting = list(Reservation.objects.filter(book=book).queued().values_list("pk", flat=True))
        try:
            service(reservation=reservation)
        except DomainError as error:
            self.message_user(request, f"#{number_sign(reservation.pk)}: {error.message}", messages.ERROR)
            return
        done = done % {"id": number_sign(reservation.pk), "customer": reservation.customer}
        self.message_user(request, done, messages.SUCCESS)
        served = Reservation.objects.filter(pk__in=waiting, status__in=(Status.ACTIVE, Status.DROPPED))
        for entry in served.select_related("customer__user").order_by("ended_at", "starts_at", "pk"):
            if entry.status == Status.ACTIVE:
                told = _("Next in the queue, %(customer)s now holds the book (#%(id)s).")
                told %= {"customer": entry.customer, "id": number_sign(entry.pk)}
                self.message_user(request, told, messages.INFO)
            else:  # skipped by the queue (R13), and told so by a notification
                reason = entry.get_end_reason_display().lower()
                told = _("Dropped from the queue: %(customer)s, %(reason)s (#%(id)s).")
                self.message_user(
                    request,
                    told % {"customer": entry.customer, "reason": reason, "id": number_sign(entry.pk)},
                    messages.WARNING,
                )
