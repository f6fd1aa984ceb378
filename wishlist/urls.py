"""The wishlist app's pages (mounted at the site root, R38)."""

from django.urls import path

from . import views

urlpatterns = [
    path("wishlist/", views.wishlist_view, name="wishlist"),
    path("wishlist/<int:pk>/add/", views.wish_add_view, name="wishlist-add"),
    path("wishlist/<int:pk>/remove/", views.wish_remove_view, name="wishlist-remove"),
]
