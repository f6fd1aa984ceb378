"""Author pages, mounted at /author/ (SPEC section 5)."""

from django.urls import path

from . import author_views

urlpatterns = [
    path("books/", author_views.author_books, name="author-books"),
    path("books/new/", author_views.author_book_new, name="author-book-new"),
    path("books/<int:pk>/edit/", author_views.author_book_edit, name="author-book-edit"),
    path("books/<int:pk>/cover/", author_views.author_book_cover, name="author-book-cover"),
]
