"""Reviews API: a book's reviews, writing, editing, deleting and hiding one (R37).

Decisions where SPEC is silent:
- Anyone reads ``books/{id}/reviews/`` (visible reviews only, newest first, paginated);
  a withdrawn or unknown book answers 404.
- Writing is for customers (others 403 ``permission_denied``); a customer who neither
  borrowed nor bought the book gets 403 ``not_a_reader``, a second review 409 ``already_reviewed``.
- ``reviews/{id}/``: another's review answers 403 ``not_review_author``; a deleted one 404;
  a hidden one 409 ``review_hidden`` (it is still its writer's one review of the book).
- Hiding is for admins; a review already hidden answers 409 ``review_already_hidden``.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAdmin, IsCustomer
from catalog.filters import MAX_ID
from catalog.models import Book
from core.api import NOT_AUTHENTICATED, PAGE_QUERY_PARAMETERS, StandardPagination, error, invalid, paginated

from .models import Review
from .selectors import visible_reviews
from .serializers import ReviewInputSerializer, ReviewOutputSerializer, ReviewUpdateSerializer
from .services import delete_review, edit_review, hide_review, write_review

BOOK_NOT_FOUND = error("`not_found`: no such book.")
REVIEW_NOT_FOUND = error("`not_found`: no such review, or it was deleted.")
INVALID_REVIEW = invalid("`invalid`: a rating not from 1 to 5, a text over 5,000 characters, or an unknown field.")


def _listed_book(pk: int) -> Book:
    book = Book.objects.in_catalog().filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if book is None:
        raise NotFound(_("No such book."))
    return book


def _render(review_id: int) -> dict:
    return ReviewOutputSerializer(Review.objects.select_related("customer__user").get(pk=review_id)).data


class BookReviewListCreateApi(APIView):
    """``books/{id}/reviews/``: GET lists the book's reviews, POST writes one (R37)."""

    pagination_class = StandardPagination

    pagination_class = StandardPagination  # the schema documents GET's page

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsCustomer()]
        return [AllowAny()]

    @extend_schema(
        summary="List a book's reviews, newest first",
        tags=["reviews"],
        auth=[],
        parameters=PAGE_QUERY_PARAMETERS,
        responses={200: ReviewOutputSerializer(many=True), 404: BOOK_NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        return paginated(request, self, visible_reviews(book=_listed_book(pk)), ReviewOutputSerializer)

    @extend_schema(
        summary="Review a book you borrowed or bought",
        tags=["reviews"],
        request=ReviewInputSerializer,
        responses={
            201: ReviewOutputSerializer,
            400: INVALID_REVIEW,
            401: NOT_AUTHENTICATED,
            403: error("`not_a_reader`: you neither borrowed nor bought it; `permission_denied`: not a customer."),
            404: BOOK_NOT_FOUND,
            409: error("`already_reviewed`: your review of this book exists (edit or delete it)."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        book = _listed_book(pk)
        serializer = ReviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = write_review(customer=request.user.customer, book=book, **serializer.validated_data)
        return Response(
            _render(review.pk),
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api:review-detail", args=[review.pk])},
        )


OWN_REVIEW_RESPONSES = {
    401: NOT_AUTHENTICATED,
    403: error("`not_review_author`: not your review; `permission_denied`: not a customer."),
    404: REVIEW_NOT_FOUND,
    409: error("`review_hidden`: an admin hid it."),
}


class ReviewDetailApi(APIView):
    """``reviews/{id}/``: its writer changes (PATCH) or deletes (DELETE) it (R37)."""

    permission_classes = [IsCustomer]

    @extend_schema(
        summary="Change your review",
        tags=["reviews"],
        request=ReviewUpdateSerializer,
        responses={200: ReviewOutputSerializer, 400: INVALID_REVIEW, **OWN_REVIEW_RESPONSES},
    )
    def patch(self, request: Request, pk: int) -> Response:
        serializer = ReviewUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = edit_review(customer=request.user.customer, review=pk, **serializer.validated_data)
        return Response(_render(review.pk))

    @extend_schema(
        summary="Delete your review",
        description="It is kept but no longer shown or counted; you may then write another (R37).",
        tags=["reviews"],
        request=None,
        responses={204: OpenApiResponse(description="Deleted."), **OWN_REVIEW_RESPONSES},
    )
    def delete(self, request: Request, pk: int) -> Response:
        delete_review(customer=request.user.customer, review=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReviewHideApi(APIView):
    """``reviews/{id}/hide/``: an admin hides a review; it is kept, not shown or counted (R37)."""

    permission_classes = [IsAdmin]

    @extend_schema(
        summary="Hide a review (admin)",
        tags=["reviews"],
        request=None,
        responses={
            200: ReviewOutputSerializer,
            401: NOT_AUTHENTICATED,
            403: error("`permission_denied`: only admins hide reviews."),
            404: REVIEW_NOT_FOUND,
            409: error("`review_already_hidden`."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        review = hide_review(review=pk, by=request.user)
        return Response(_render(review.pk))
