"""Catalog pages (mounted at the site root)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.catalog_view, name="catalog"),
    path("books/<int:pk>/", views.book_detail_view, name="book-detail"),
]
