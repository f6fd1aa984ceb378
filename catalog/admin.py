"""The catalog in the admin site: genres and books, with each book's holders and queue (R25)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from core.exceptions import DomainError
from reservations.models import Reservation, Status
from reservations.selectors import holders_and_queue
from reservations.services import (
    delete_book,
    end_reservation_by_admin,
    remove_from_queue_by_admin,
)

from .filters import MAX_ID
from .models import Book, Genre
from .selectors import with_availability
from .services import EDITABLE_FIELDS, restore_book, update_book

# The fields of the change form that update_book writes; authors are saved by save_related.
BOOK_FIELDS = (*EDITABLE_FIELDS, "units")

# What the buttons of the holders view do: each calls the reservation service (R25).
HOLDER_ACTIONS = {
    "end": (end_reservation_by_admin, "ended early"),
    "remove": (remove_from_queue_by_admin, "removed from the queue"),
}


class BookAdminForm(forms.ModelForm):
    class Meta:
        model = Book
        fields = ["title", "isbn", "price", "genre", "description", "units", "authors"]

    def clean_units(self):
        units = self.cleaned_data["units"]
        if self.instance.pk and units < self.instance.units_on_loan:
            raise forms.ValidationError(f"{self.instance.units_on_loan} units are on loan; units cannot go below that.")
        return units


class CatalogFilter(admin.SimpleListFilter):
    title = "in the catalog"
    parameter_name = "withdrawn"

    def lookups(self, request, model_admin):
        return [("no", "In the catalog"), ("yes", "Withdrawn (R28)")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(withdrawn_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(withdrawn_at__isnull=False)
        return queryset


class AvailabilityFilter(admin.SimpleListFilter):
    title = "availability"
    parameter_name = "availability"

    def lookups(self, request, model_admin):
        return [
            ("free", "Has a free unit"),
            ("none_free", "No free unit"),
            ("queued", "Has a queue"),
        ]

    def queryset(self, request, queryset):
        # available_units and queue_length are annotated by BookAdmin.get_queryset.
        value = self.value()
        if value == "free":
            return queryset.filter(available_units__gt=0)
        if value == "none_free":
            return queryset.filter(available_units__lte=0)
        if value == "queued":
            return queryset.filter(queue_length__gt=0)
        return queryset


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "book_count"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(book_count=Count("books"))

    @admin.display(description="Books", ordering="book_count")
    def book_count(self, genre: Genre) -> int:
        return genre.book_count


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "isbn",
        "genre",
        "author_names",
        "units",
        "available_units",
        "queue_length",
        "price",
        "withdrawn_at",
        "holders_link",
    ]
    list_filter = [CatalogFilter, AvailabilityFilter, "genre"]
    search_fields = [
        "title",
        "isbn",
        "description",
        "authors__user__username",
        "authors__user__first_name",
        "authors__user__last_name",
    ]
    filter_horizontal = ["authors"]
    readonly_fields = ["units_on_loan", "withdrawn_at"]
    list_select_related = ["genre"]
    form = BookAdminForm
    actions = ["restore"]

    def get_queryset(self, request):
        return with_availability(super().get_queryset(request), timezone.now()).prefetch_related("authors__user")

    @admin.display(description="Authors")
    def author_names(self, book: Book) -> str:
        return ", ".join(str(author) for author in book.authors.all())

    @admin.display(description="Available now", ordering="available_units")
    def available_units(self, book: Book) -> int:
        return book.available_units

    @admin.display(description="Queued", ordering="queue_length")
    def queue_length(self, book: Book) -> int:
        return book.queue_length

    @admin.display(description="Holders and queue")
    def holders_link(self, book: Book) -> str:
        return format_html('<a href="{}">Holders and queue</a>', reverse("admin:catalog_book_holders", args=[book.pk]))

    def save_model(self, request, obj, form, change):
        """A change goes through update_book, under the book's lock (R13, R27).

        The form's instance was read without that lock: saving it whole would write back
        the units on loan it read while loans start and end. update_book writes only the
        fields the admin changed, and raised units serve the queue.
        """
        if not change:
            super().save_model(request, obj, form, change)
            return
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in BOOK_FIELDS}
        locked = update_book(book=obj, by=request.user, data=data)
        obj.units, obj.units_on_loan = locked.units, locked.units_on_loan

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:  # e.g. more units went on loan after the form was checked
            self.message_user(request, error.message, messages.ERROR)
            return redirect(request.path)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.refresh_search_document()  # authors are searchable

    def get_deleted_objects(self, objs, request):
        # A book goes with its finished reservations (reservations.services.delete_book);
        # only live ones, held or queued, keep it from being deleted.
        to_delete, model_count, perms_needed, _ = super().get_deleted_objects(objs, request)
        now = timezone.now()  # a loan past its end blocks nothing (R16): delete_book expires it
        live = (
            Reservation.objects.filter(book__in=list(objs))
            .filter(Q(status=Status.QUEUED) | Q(status=Status.ACTIVE, ends_at__gt=now))
            .select_related("book", "customer__user")
        )
        protected = [f"{r.book}: reservation #{r.pk} of {r.customer} ({r.get_status_display().lower()})" for r in live]
        # Django counts the protected reservations as needing a delete permission; they are
        # never deleted here but by delete_book, which the admin's right to delete books covers.
        perms_needed.discard(Reservation._meta.verbose_name)
        return to_delete, model_count, perms_needed, protected

    def _delete_or_withdraw(self, request, book: Book) -> None:
        """Delete the book, or withdraw it if it was ever lent (R28), and say which."""
        if not delete_book(book=book):
            self.message_user(
                request,
                f"“{book}” was lent before, so it was withdrawn from the catalog instead of deleted: "
                "its reservations stay in the customers' history. The action “Bring back” restores it.",
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

    @admin.action(description="Bring back the selected withdrawn books to the catalog (R28)")
    def restore(self, request, queryset):
        withdrawn = [book for book in queryset if book.is_withdrawn]
        for book in withdrawn:
            restore_book(book=book)
        self.message_user(request, f"{len(withdrawn)} book(s) are back in the catalog.", messages.SUCCESS)

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
            self._act_on_reservation(request, book)
            return redirect(request.path)
        now = timezone.now()
        entries = holders_and_queue(book, now)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Holders and queue: {book.title}",
            "opts": self.opts,
            "book": book,
            "original": book,
            "holders": entries["holders"],
            "queue": entries["queue"],
        }
        return TemplateResponse(request, "admin/catalog/book/holders.html", context)

    def _act_on_reservation(self, request: HttpRequest, book: Book) -> None:
        """End a loan early or remove a queued entry of `book`; say what happened as a message."""
        # The same right as the actions on the reservation list, which call these services too.
        if not request.user.has_perm("reservations.view_reservation"):
            raise PermissionDenied
        action = HOLDER_ACTIONS.get(request.POST.get("action", ""))
        try:
            pk = forms.IntegerField(min_value=1, max_value=MAX_ID).clean(request.POST.get("reservation"))
        except forms.ValidationError:  # also "²", which passes str.isdigit() but not int() (R26)
            pk = None
        reservation = (
            Reservation.objects.filter(pk=pk, book=book).select_related("customer__user").first() if pk else None
        )
        if action is None or reservation is None:
            self.message_user(request, "Choose a reservation of this book and an action.", messages.ERROR)
            return
        service, done = action
        waiting = list(Reservation.objects.filter(book=book).queued().values_list("pk", flat=True))
        try:
            service(reservation=reservation)
        except DomainError as error:
            self.message_user(request, f"#{reservation.pk}: {error.message}", messages.ERROR)
            return
        self.message_user(request, f"Reservation #{reservation.pk} of {reservation.customer} {done}.", messages.SUCCESS)
        promoted = Reservation.objects.filter(pk__in=waiting, status=Status.ACTIVE).select_related("customer__user")
        for entry in promoted:
            self.message_user(
                request, f"Next in the queue, {entry.customer} now holds the book (#{entry.pk}).", messages.INFO
            )
