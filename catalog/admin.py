"""The catalog in the admin site: genres, and the books' admin that reservations.admin registers."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_dates import LocalDatesAdmin
from core.exceptions import DomainError
from core.formatting import number, toman

from .models import Book, Genre
from .selectors import with_availability
from .services import EDITABLE_FIELDS, restore_book, update_book

# The fields of the change form that update_book writes; authors are saved by save_related.
BOOK_FIELDS = (*EDITABLE_FIELDS, "units", "stock")


class BookAdminForm(forms.ModelForm):
    class Meta:
        model = Book
        fields = ["title", "isbn", "price", "genre", "description", "units", "stock", "authors"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Checkout (R35) lowers stock while the page is open: the value the admin saw
        # comes back with the form, so an unchanged stock is not in changed_data (R27).
        self.fields["stock"].show_hidden_initial = True

    def clean_units(self):
        units = self.cleaned_data["units"]
        if self.instance.pk and units < self.instance.units_on_loan:
            raise forms.ValidationError(
                _("%(count)s units are on loan; units cannot go below that.")
                % {"count": number(self.instance.units_on_loan)}
            )
        return units


class CatalogFilter(admin.SimpleListFilter):
    title = gettext_lazy("in the catalog")
    parameter_name = "withdrawn"

    def lookups(self, request, model_admin):
        return [("no", _("In the catalog")), ("yes", _("Withdrawn"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(withdrawn_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(withdrawn_at__isnull=False)
        return queryset


class AvailabilityFilter(admin.SimpleListFilter):
    title = gettext_lazy("availability")
    parameter_name = "availability"

    def lookups(self, request, model_admin):
        return [
            ("free", _("Has a free unit")),
            ("none_free", _("No free unit")),
            ("queued", _("Has a queue")),
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

    @admin.display(description=gettext_lazy("Books"), ordering="book_count")
    def book_count(self, genre: Genre) -> str:
        return number(genre.book_count)


class BookAdmin(LocalDatesAdmin, admin.ModelAdmin):
    """Books in the admin site: fields, search, filters, availability; changes through the services.

    Registered by ``reservations.admin`` as ``LendingBookAdmin``, which adds what depends on
    loans and queues: the holders view (R25) and deletion that keeps a lent book's history (R28).
    """

    list_display = [
        "title",
        "isbn_code",
        "genre",
        "author_names",
        "unit_count",
        "available_units",
        "queue_length",
        "stock_count",
        "price_toman",
        "withdrawn_at",
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

    @admin.display(description=Book._meta.get_field("isbn").verbose_name, ordering="isbn")
    def isbn_code(self, book: Book) -> str:
        # Digits as typed, left to right, on a Persian page too: a code, not a number (R40).
        return format_html('<span dir="ltr">{}</span>', book.isbn)

    @admin.display(description=Book._meta.get_field("units").verbose_name, ordering="units")
    def unit_count(self, book: Book) -> str:
        return number(book.units)

    @admin.display(description=Book._meta.get_field("stock").verbose_name, ordering="stock")
    def stock_count(self, book: Book) -> str:
        return number(book.stock)

    @admin.display(description=gettext_lazy("Authors"))
    def author_names(self, book: Book) -> str:
        return ", ".join(str(author) for author in book.authors.all())

    @admin.display(description=gettext_lazy("Available now"), ordering="available_units")
    def available_units(self, book: Book) -> str:
        return number(book.available_units)

    @admin.display(description=gettext_lazy("Queued"), ordering="queue_length")
    def queue_length(self, book: Book) -> str:
        return number(book.queue_length)

    @admin.display(description=gettext_lazy("Price"), ordering="price")
    def price_toman(self, book: Book) -> str:
        return toman(book.price)

    def save_model(self, request, obj, form, change):
        """A change goes through update_book, under the book's lock (R13, R27).

        The form's instance was read without that lock: saving it whole would write back
        the units on loan it read while loans start and end, or the stock a checkout
        lowered (R34). update_book writes only the fields the admin changed, and raised
        units serve the queue.

        Implements R27.
        """
        if not change:
            super().save_model(request, obj, form, change)
            return
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in BOOK_FIELDS}
        locked = update_book(book=obj, by=request.user, data=data)
        obj.units, obj.units_on_loan, obj.stock = locked.units, locked.units_on_loan, locked.stock

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:  # e.g. more units went on loan after the form was checked
            self.message_user(request, error.message, messages.ERROR)
            return redirect(request.path)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.refresh_search_document()  # authors are searchable

    @admin.action(description=gettext_lazy("Bring back the selected withdrawn books to the catalog"))
    def restore(self, request, queryset):
        """Bring the selected withdrawn books back to the catalog (R28)."""
        withdrawn = [book for book in queryset if book.is_withdrawn]
        for book in withdrawn:
            restore_book(book=book)
        back = _("%(count)s book(s) are back in the catalog.") % {"count": number(len(withdrawn))}
        self.message_user(request, back, messages.SUCCESS)
