"""Catalog API: cities, genres and books with search, filters and availability (SPEC section 4).

Each view parses its input, calls one catalog selector or service and renders the result;
domain errors go to the one exception handler (``core.api.exception_handler``).

Decisions where SPEC is silent:
- A book shows ``genre`` (id) with ``genre_name``, and ``authors`` (ids, ascending) with
  ``author_names`` in the same order (full name, or the username when there is none).
- ``POST books/``: an author is always one of the book's authors and may name co-authors
  in ``authors``; an admin must name at least one author. ``units`` is required.
- ``PUT books/{id}/`` needs title, isbn, price, genre and units; ``description`` and
  ``authors`` keep their values when left out. ``PATCH`` changes only the fields given.
  Changing ``units`` goes through the reservation rules: raising it serves the queue at
  once (R13); below the units on loan it answers 409 ``units_below_on_loan``.
- ``stock`` (copies for sale, R34) is optional everywhere: a new book has 0, and PUT
  keeps it when left out; it is set under the book's lock like ``units`` (R27).
- Fields the API does not know or that are read-only (``available_units``...) answer 400,
  as everywhere in this API (``StrictInputSerializer``).
- The ISBN is accepted with or without hyphens and stored compact; a bad checksum or a
  duplicate answers 400 with ``errors.isbn``.
- ``?search=`` orders by relevance (an exact ISBN first, then title matches) unless
  ``?ordering=`` is given; a book list is otherwise ordered by title. A search of more
  than ``RANKED_HITS`` books is ordered by title after the exact ISBN (catalog.filters).
- ``count`` of GET books/ is exact up to ``COUNT_EXACT_UP_TO`` books and for the whole
  catalog, else PostgreSQL's estimate (``catalog.counts.book_count``); ``next`` and
  the 404 past the last page never depend on it. ``page=last`` is not offered there.
"""

from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Author
from accounts.permissions import IsAuthorOrAdmin, IsBookAuthorOrAdmin
from core.api import (
    NOT_AUTHENTICATED,
    StandardPagination,
    StrictInputSerializer,
    ValidationErrorSerializer,
    error,
    paginated,
)

from .book_rows import represented_book, represented_page
from .book_serializers import BookDetailOutputSerializer, BookOutputSerializer
from .cache import cached_book_page
from .counts import COUNT_EXACT_UP_TO
from .filters import MAX_ID, ORDERING_FIELDS, RANKED_HITS, SEARCH_MAX_LENGTH
from .lending import lending
from .models import Book, Genre
from .selectors import (
    book_detail,
    book_get,
    city_list,
    genre_list,
    page_fresh_until,
    page_ids,
)
from .services import create_book, update_book

MAX_PRICE = 10**12  # toman; far above any book, far below the database's limit
MAX_UNITS = 1_000_000
MAX_STOCK = 1_000_000
MAX_AUTHORS = 20
MAX_DESCRIPTION = 5_000
ORDERING_PATTERN = "^-?({0})(,-?({0}))*$".format("|".join(ORDERING_FIELDS))


PAGE_NOT_FOUND = error("`not_found`: the page does not exist.")
BOOK_NOT_FOUND = error("`not_found`: no such book.")
INVALID_BOOK = error(
    "`invalid`: a missing field, a wrong type, a too long text, a bad or duplicate ISBN (`errors.isbn`), "
    "an unknown genre or author, or a field that cannot be set; `parse_error`: malformed JSON.",
    ValidationErrorSerializer,
)


class CityOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()

    class Meta:
        ref_name = "City"


class GenreOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()

    class Meta:
        ref_name = "Genre"


def render_book(book_id: int) -> dict:
    """The book as the API shows it, re-read with its availability."""
    return BookOutputSerializer(book_detail(book_id=book_id)).data


UPDATE_RESPONSES = {
    200: BookOutputSerializer,
    400: INVALID_BOOK,
    401: NOT_AUTHENTICATED,
    403: error("`permission_denied`: only this book's authors and admins change it (R23)."),
    404: BOOK_NOT_FOUND,
    409: error("`units_below_on_loan`: more units are on loan than the new `units`."),
}


class BookInputSerializer(StrictInputSerializer):
    """A book's fields as an author or admin sends them (POST, PUT; PATCH takes any subset)."""

    title = serializers.CharField(max_length=300)
    isbn = serializers.CharField(max_length=20, help_text="ISBN-10 or ISBN-13, hyphens allowed; checksum checked.")
    price = serializers.IntegerField(min_value=0, max_value=MAX_PRICE, help_text="List price in toman.")
    genre = serializers.PrimaryKeyRelatedField(
        queryset=Genre.objects.all(),
        pk_field=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        help_text="The genre's id.",
    )
    description = serializers.CharField(max_length=MAX_DESCRIPTION, allow_blank=True, required=False)
    units = serializers.IntegerField(min_value=0, max_value=MAX_UNITS, help_text="Copies the library owns.")
    stock = serializers.IntegerField(
        min_value=0, max_value=MAX_STOCK, required=False, help_text="Copies for sale (R34); 0 when a new book omits it."
    )
    authors = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=MAX_AUTHORS,
        required=False,
        help_text="Author ids. An author is always kept as one; an admin must name at least one.",
    )

    class Meta:
        ref_name = "BookInput"

    def validate_authors(self, ids: list[int]) -> list[Author]:
        found = Author.objects.in_bulk(ids)
        missing = sorted({author_id for author_id in ids if author_id not in found})
        if missing:
            raise serializers.ValidationError(_("No author with id %(ids)s.") % {"ids": ", ".join(map(str, missing))})
        return [found[author_id] for author_id in dict.fromkeys(ids)]


class CityListApi(APIView):
    """``cities/``: the cities authors live in, by name."""

    permission_classes = [AllowAny]
    pagination_class = StandardPagination

    @extend_schema(
        summary="List cities",
        tags=["catalog"],
        auth=[],
        responses={200: CityOutputSerializer(many=True), 404: PAGE_NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        return paginated(request, self, city_list(), CityOutputSerializer)


class GenreListApi(APIView):
    """``genres/``: the genres, by name."""

    permission_classes = [AllowAny]
    pagination_class = StandardPagination

    @extend_schema(
        summary="List genres",
        tags=["catalog"],
        auth=[],
        responses={200: GenreOutputSerializer(many=True), 404: PAGE_NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        return paginated(request, self, genre_list(), GenreOutputSerializer)


class BookListCreateApi(APIView):
    """``books/``: GET lists and searches books (anyone), POST adds one (authors, admins).

    SPEC puts two operations on one path; each handler is one operation with its own
    serializers and permission.
    """

    pagination_class = StandardPagination

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsAuthorOrAdmin()]
        return [AllowAny()]

    @extend_schema(
        summary="List and search books",
        description=(
            "Anyone may browse (R22). `?search=` matches every word, as a word prefix, in the title, "
            "an author's name, the ISBN or the description (Persian and English), and an ISBN with or "
            "without hyphens; results come best match first unless `?ordering=` is given: an exact ISBN, "
            "then by relevance (the title above the authors and the ISBN, above the description). A search "
            f"of more than {RANKED_HITS:,} books is not ranked: after an exact ISBN it comes by title.\n\n"
            f"`count` is exact for a list of at most {COUNT_EXACT_UP_TO:,} books and for the whole catalog "
            f"(no filter, no search). A filtered or searched list the database expects to hold more "
            f"answers that estimate, from its statistics (then always above {COUNT_EXACT_UP_TO:,}), so "
            "that no page waits for all the hits to be counted. `next` is exact either way: it is there "
            "when a next page is, and a page past the end answers 404. `page` is a number from 1 "
            "(`page=last` is not offered)."
        ),
        tags=["catalog"],
        auth=[],
        parameters=[
            OpenApiParameter("search", OpenApiTypes.STR, description=f"At most {SEARCH_MAX_LENGTH} characters."),
            OpenApiParameter("genre", OpenApiTypes.STR, description="Genre id or slug."),
            OpenApiParameter("author", OpenApiTypes.INT, description="Author id."),
            OpenApiParameter(
                "available",
                OpenApiTypes.STR,
                enum=["true", "false"],
                description="Only books with (or without) a free unit.",
            ),
            OpenApiParameter(
                "ordering",
                OpenApiTypes.STR,
                pattern=ORDERING_PATTERN,
                description=(
                    f"Sort by {', '.join(ORDERING_FIELDS)}; a leading '-' sorts descending; several "
                    "comma-separated fields sort by each in turn, such as `-available_units,title`."
                ),
            ),
        ],
        responses={
            200: BookOutputSerializer(many=True),
            400: error(
                "`invalid`: a malformed filter, such as `author=abc` or an unknown ordering.", ValidationErrorSerializer
            ),
            404: PAGE_NOT_FOUND,
        },
    )
    def get(self, request: Request) -> Response:
        # The same for every user: cached in Redis until a book or reservation changes.
        pagination = StandardPagination()
        number, size = pagination.requested_page(request)

        def build() -> tuple[dict, datetime]:
            now = timezone.now()
            count, ids = page_ids(filters=request.query_params, number=number, size=size, now=now)
            books, ends = represented_page(ids[:size], now)  # as BookOutputSerializer writes them
            if not books and number > 1:
                raise NotFound(StandardPagination.invalid_page_message)
            response = pagination.page_response(
                request, number=number, count=count, has_next=len(ids) > size, results=books
            )
            return response.data, page_fresh_until(ends, request.query_params, now)

        where = f"{request.scheme}://{request.get_host()}"
        return Response(cached_book_page(request.query_params, build, where=where))

    @extend_schema(
        summary="Add a book",
        description="An author adding a book becomes one of its authors; an admin names its authors (R23).",
        tags=["catalog"],
        request=BookInputSerializer,
        responses={
            201: BookOutputSerializer,
            400: INVALID_BOOK,
            401: NOT_AUTHENTICATED,
            403: error("`permission_denied`: only authors and admins add books."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = BookInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        book = create_book(by=request.user, **serializer.validated_data)
        return Response(
            render_book(book.pk),
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api:book-detail", args=[book.pk])},
        )


class BookDetailApi(APIView):
    """``books/{id}/``: GET shows a book (anyone); PUT, PATCH, DELETE by its authors or an admin (R23)."""

    def get_permissions(self):
        if self.request.method == "GET":
            return [AllowAny()]
        return [IsAuthenticated(), IsBookAuthorOrAdmin()]

    def _book_to_change(self, request: Request, pk: int) -> Book:
        book = book_get(book_id=pk)
        if book is None:
            raise NotFound(_("No such book."))
        self.check_object_permissions(request, book)
        return book

    @extend_schema(
        summary="Show a book with its availability and queue length",
        description="Anyone may read (R22). `available_units` counts units not held by a running loan (R9, R16).",
        tags=["catalog"],
        auth=[],
        responses={200: BookDetailOutputSerializer, 404: BOOK_NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        book = represented_book(pk, timezone.now())  # as BookDetailOutputSerializer writes book_detail's
        if book is None:
            raise NotFound(_("No such book."))
        return Response(book)

    def _update(self, request: Request, pk: int, *, partial: bool) -> Response:
        book = self._book_to_change(request, pk)
        serializer = BookInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        update_book(book=book, by=request.user, data=serializer.validated_data, now=timezone.now())
        return Response(render_book(book.pk))

    @extend_schema(
        summary="Replace a book's fields",
        description="Raising `units` serves the queue at once (R13).",
        tags=["catalog"],
        request=BookInputSerializer,
        responses=UPDATE_RESPONSES,
    )
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=False)

    @extend_schema(
        summary="Change some of a book's fields",
        description="Raising `units` serves the queue at once (R13).",
        tags=["catalog"],
        request=BookInputSerializer,
        responses=UPDATE_RESPONSES,
    )
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=True)

    @extend_schema(
        summary="Delete a book",
        description=(
            "Only a book nobody holds or waits for. A book that was ever lent is withdrawn instead "
            "(R28): gone from the catalog, its reservations kept in the customers' history."
        ),
        tags=["catalog"],
        request=None,
        responses={
            204: OpenApiResponse(description="Deleted."),
            401: NOT_AUTHENTICATED,
            403: error("`permission_denied`: only this book's authors and admins delete it (R23)."),
            404: BOOK_NOT_FOUND,
            409: error("`book_has_live_reservations`: someone holds or waits for it."),
        },
    )
    def delete(self, request: Request, pk: int) -> Response:
        lending().delete_book(book=self._book_to_change(request, pk), now=timezone.now())
        return Response(status=status.HTTP_204_NO_CONTENT)
