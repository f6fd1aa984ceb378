"""The wishlist app's API routes (under /api/v1/, R38)."""

from django.urls import path

from .apis import WishlistDeleteApi, WishlistListCreateApi

urlpatterns = [
    path("wishlist/", WishlistListCreateApi.as_view(), name="wishlist"),
    path("wishlist/<int:book_id>/", WishlistDeleteApi.as_view(), name="wishlist-delete"),
]
