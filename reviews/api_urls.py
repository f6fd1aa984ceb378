"""The reviews app's API routes (under /api/v1/): a book's reviews, one review, hiding (R37)."""

from django.urls import path

from .apis import BookReviewListCreateApi, ReviewDetailApi, ReviewHideApi

urlpatterns = [
    path("books/<int:pk>/reviews/", BookReviewListCreateApi.as_view(), name="book-reviews"),
    path("reviews/<int:pk>/", ReviewDetailApi.as_view(), name="review-detail"),
    path("reviews/<int:pk>/hide/", ReviewHideApi.as_view(), name="review-hide"),
]
