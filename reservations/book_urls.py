"""Reserving a book, under the catalog's book URLs (mounted at the site root)."""

from django.urls import path

from . import views

urlpatterns = [
    path("books/<int:pk>/reserve/", views.book_reserve_view, name="book-reserve"),
]
