"""Reads of the catalog for pages and the API: genres, cities, books with their availability."""

from collections.abc import Mapping
from datetime import datetime

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_filters.utils import translate_validation

from accounts.models import Author, City
from reservations.models import Reservation

from .filters import BookFilter
from .models import Book, Genre


def _count_per_book(reservations: QuerySet[Reservation]) -> Coalesce:
    """A correlated COUNT of `reservations` of the outer book: one subquery, not a query per row."""
    counts = (
        reservations.filter(book=OuterRef("pk")).order_by().values("book").annotate(count=Count("pk")).values("count")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def with_availability(books: QuerySet[Book], now: datetime) -> QuerySet[Book]:
    """Annotate `available_units` and `queue_length` at `now` (R9, R12, R16).

    Available units are the units not held by a loan still running at `now`: a loan past
    its end blocks nobody even before the worker ends it (R16).
    """
    return books.annotate(
        available_units=F("units") - _count_per_book(Reservation.objects.active_at(now)),
        queue_length=_count_per_book(Reservation.objects.queued()),
    )


def _with_relations(books: QuerySet[Book]) -> QuerySet[Book]:
    authors = Author.objects.select_related("user").order_by("pk")
    return books.select_related("genre").prefetch_related(Prefetch("authors", queryset=authors))


def book_list(*, filters: Mapping[str, str] | None = None, now: datetime | None = None) -> QuerySet[Book]:
    """Books with availability, filtered, searched and ordered by `filters` (GET books/ parameters).

    Raises ValidationError (400) for a malformed parameter. The list costs a fixed number
    of queries whatever its length: availability is annotated, genre joined, authors prefetched.
    """
    books = _with_relations(with_availability(Book.objects.all(), now or timezone.now()))
    book_filter = BookFilter(filters or {}, queryset=books)
    if not book_filter.is_valid():
        raise translate_validation(book_filter.errors)
    return book_filter.qs


def book_detail(*, book_id: int, now: datetime | None = None) -> Book | None:
    """One book with availability, genre and authors, or None."""
    books = _with_relations(with_availability(Book.objects.filter(pk=book_id), now or timezone.now()))
    return books.first()


def book_get(*, book_id: int) -> Book | None:
    """The plain book row to change or delete, or None."""
    return Book.objects.filter(pk=book_id).first()


def genre_list() -> QuerySet[Genre]:
    return Genre.objects.order_by("name", "id")


def city_list() -> QuerySet[City]:
    return City.objects.order_by("name", "id")
