"""The reviews app's pages (mounted at the site root): the book page's review forms post here (R37)."""

from django.urls import path

from . import views

urlpatterns = [
    path("books/<int:pk>/reviews/", views.review_create_view, name="book-review-create"),
    path("reviews/<int:pk>/edit/", views.review_edit_view, name="review-edit-page"),
    path("reviews/<int:pk>/delete/", views.review_delete_view, name="review-delete-page"),
]
