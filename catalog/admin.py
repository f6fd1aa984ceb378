from django.contrib import admin

from .models import Book, Genre


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
