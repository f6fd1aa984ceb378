from django import forms
from django.contrib import admin

from reservations.services import set_book_units

from .models import Book, Genre


class BookAdminForm(forms.ModelForm):
    class Meta:
        model = Book
        fields = ["title", "isbn", "price", "genre", "description", "units", "authors"]

    def clean_units(self):
        units = self.cleaned_data["units"]
        if self.instance.pk and units < self.instance.units_on_loan:
            raise forms.ValidationError(f"{self.instance.units_on_loan} units are on loan; units cannot go below that.")
        return units


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    list_display = ["title", "isbn", "genre", "units", "units_on_loan", "price"]
    list_filter = ["genre"]
    search_fields = ["title", "isbn", "description", "authors__user__username"]
    filter_horizontal = ["authors"]
    readonly_fields = ["units_on_loan"]
    list_select_related = ["genre"]
    form = BookAdminForm

    def save_model(self, request, obj, form, change):
        # Units change through the reservation rules, so raised units serve the queue (R13).
        new_units = obj.units
        if change and "units" in form.changed_data:
            obj.units = form.initial["units"]
        super().save_model(request, obj, form, change)
        if change and new_units != obj.units:
            set_book_units(book=obj, units=new_units)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.refresh_search_document()  # authors are searchable
