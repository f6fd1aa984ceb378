"""Catalog endpoints under /api/v1/ (SPEC section 4): cities, genres, books."""

from django.urls import path

from .apis import BookDetailApi, BookListCreateApi, CityListApi, GenreListApi

urlpatterns = [
    path("cities/", CityListApi.as_view(), name="city-list"),
    path("genres/", GenreListApi.as_view(), name="genre-list"),
    path("books/", BookListCreateApi.as_view(), name="book-list"),
    path("books/<int:pk>/", BookDetailApi.as_view(), name="book-detail"),
]
