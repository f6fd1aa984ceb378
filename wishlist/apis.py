"""Wishlist API: list, add, remove the customer's wished books (R38).

Decisions where SPEC is silent:
- Adding a book already on the list changes nothing and answers 200 with the entry; the
  first add answers 201. ``book`` naming no book is 400 on ``errors.book``; a withdrawn
  book is 409 ``book_withdrawn`` (R28).
- ``DELETE wishlist/{book_id}/`` names the book, not the entry: a book not on the list is
  404 ``not_found``.
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsCustomer
from catalog.filters import MAX_ID
from core.api import (
    NOT_AUTHENTICATED,
    PAGE_QUERY_PARAMETERS,
    StandardPagination,
    StrictInputSerializer,
    ValidationErrorSerializer,
    error,
    paginated,
)

from .selectors import wishlist_for
from .serializers import WishedBookOutputSerializer
from .services import add_wish, remove_wish

CUSTOMERS_ONLY = error("`permission_denied`: only customers keep a wishlist.")


class WishlistListCreateApi(APIView):
    """``wishlist/``: GET lists the customer's wished books, POST adds one."""

    pagination_class = StandardPagination  # the schema documents GET's page

    permission_classes = [IsCustomer]

    class InputSerializer(StrictInputSerializer):
        book = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The book's id.")

    @extend_schema(
        summary="List my wishlist",
        tags=["wishlist"],
        parameters=PAGE_QUERY_PARAMETERS,
        responses={
            200: WishedBookOutputSerializer(many=True),
            401: NOT_AUTHENTICATED,
            403: CUSTOMERS_ONLY,
            404: error("`not_found`: the page does not exist."),
        },
    )
    def get(self, request: Request) -> Response:
        entries = wishlist_for(customer=request.user.customer, now=timezone.now())
        return paginated(request, self, entries, WishedBookOutputSerializer)

    @extend_schema(
        summary="Add a book to my wishlist",
        description=(
            "201 when added, 200 with the entry when it was there already. The customer is told once "
            "when a copy is free to borrow and once when it is back in stock, until it runs out again (R38)."
        ),
        tags=["wishlist"],
        request=InputSerializer,
        responses={
            200: OpenApiResponse(WishedBookOutputSerializer, description="Already on the wishlist."),
            201: OpenApiResponse(WishedBookOutputSerializer, description="Added."),
            400: error("`invalid` (no field, wrong type, unknown book); `parse_error`.", ValidationErrorSerializer),
            401: NOT_AUTHENTICATED,
            403: CUSTOMERS_ONLY,
            409: error("`book_withdrawn`: the book is no longer in the catalog (R28)."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = request.user.customer
        entry, created = add_wish(customer=customer, book=serializer.validated_data["book"])
        shown = wishlist_for(customer=customer, now=timezone.now()).get(pk=entry.pk)
        return Response(
            WishedBookOutputSerializer(shown).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class WishlistDeleteApi(APIView):
    """``wishlist/{book_id}/``: DELETE takes the book off the customer's wishlist."""

    permission_classes = [IsCustomer]

    @extend_schema(
        summary="Remove a book from my wishlist",
        tags=["wishlist"],
        request=None,
        responses={
            204: OpenApiResponse(description="Removed."),
            401: NOT_AUTHENTICATED,
            403: CUSTOMERS_ONLY,
            404: error("`not_found`: the book is not on your wishlist."),
        },
    )
    def delete(self, request: Request, book_id: int) -> Response:
        remove_wish(customer=request.user.customer, book=book_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
