"""Reads of the catalog for pages and the API: genres, cities, books with their availability.

Book list pages and counts are kept in the shared cache (``catalog.cache``, which says
what makes them stale); this module builds them from the database.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django_filters.utils import translate_validation

from accounts.models import Author, City
from core.compiled import CompiledQuery, Param

from .book_authors import keep_authors, with_authors
from .cache import CATALOG_CACHE_SECONDS
from .counts import book_count, count_is_exact, selecting
from .filters import MAX_ID, RANKED_HITS, BookFilter, stable_search_order
from .lending import lending
from .listing import listed_page
from .models import Book, Genre
from .word_search import plain_search, word_search_ids

# A page of a list whose books and order do not depend on availability changes with time
# alone only when a loan of one of its books ends (R16): it is fresh until the first such
# end, and at most this long.
CATALOG_PAGE_MAX_SECONDS = 300
# What a list can be filtered or ordered by that is computed per book (with_availability).
AVAILABILITY_FIELDS = ("available_units", "queue_length")


def with_availability(books: QuerySet[Book], now: datetime) -> QuerySet[Book]:
    """Annotate `available_units` and `queue_length` at `now`, as lending counts them (R9, R12, R16)."""
    return books.annotate(**lending().availability(now))


def with_next_release(books: QuerySet[Book], now: datetime) -> QuerySet[Book]:
    """Annotate `next_release_at`: when the first loan of each book running at `now` ends, or None."""
    return books.annotate(next_release_at=lending().next_release(now))


def page_fresh_until(ends: Iterable[datetime | None], params: Mapping[str, str], now: datetime) -> datetime:
    """When time alone makes a page stale (R16), given when each of its books' first running
    loan ends (``next_release_at`` of ``with_next_release``, None where none runs).

    A list filtered or ordered by availability depends on every book's loans, so it is
    rebuilt after CATALOG_CACHE_SECONDS; any other page shows the right availability
    until one of its own books' loans ends, which a change would have bumped anyway.
    """
    if "available" in params or "available_units" in params.get("ordering", ""):
        return now + timedelta(seconds=CATALOG_CACHE_SECONDS)
    return min([*(end for end in ends if end is not None), now + timedelta(seconds=CATALOG_PAGE_MAX_SECONDS)])


def _with_relations(books: QuerySet[Book]) -> QuerySet[Book]:
    authors = Author.objects.select_related("user").order_by("pk")
    return books.select_related("genre").prefetch_related(Prefetch("authors", queryset=authors))


def book_list(*, filters: Mapping[str, str] | None = None, now: datetime | None = None) -> QuerySet[Book]:
    """Books with availability, filtered, searched and ordered by `filters` (GET books/ parameters).

    Raises ValidationError (400) for a malformed parameter. The list costs a fixed number
    of queries whatever its length: availability is annotated, genre joined, authors prefetched.
    """
    books = _with_relations(with_availability(Book.objects.in_catalog(), now or timezone.now()))
    book_filter = BookFilter(filters or {}, queryset=books)
    if not book_filter.is_valid():
        raise translate_validation(book_filter.errors)
    return book_filter.qs


@dataclass
class BookPage:
    """One page of the book list: its books (annotated, with genre and authors) and where it stands.

    It answers what templates ask of a Django ``Page`` (``accounts/_pagination.html``), its
    ``paginator`` included (itself): ``num_pages`` is at least this page, and one more
    when a next page exists, whatever an estimated ``count`` says.
    """

    books: list[Book]
    number: int
    size: int
    count: int
    count_exact: bool
    has_next: bool

    def __iter__(self):
        return iter(self.books)

    def __len__(self) -> int:
        return len(self.books)

    @property
    def object_list(self) -> list[Book]:
        return self.books

    @property
    def paginator(self) -> "BookPage":
        return self

    @property
    def num_pages(self) -> int:
        return max(-(-self.count // self.size), self.number + self.has_next, 1)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def _availability_alias(books: QuerySet[Book], now: datetime) -> QuerySet[Book]:
    """``with_availability`` as aliases: computed only where a filter or the order uses them."""
    return books.alias(**lending().availability(now))


def page_ids(
    *, filters: Mapping[str, str] | None = None, number: int = 1, size: int = 20, now: datetime | None = None
) -> tuple[int, list[int]]:
    """The count of the list `filters` chooses and the ids of page `number` of `size` books,
    and of one more when a next page exists (see ``book_page``)."""
    filters = filters or {}
    now = now or timezone.now()
    offset = (number - 1) * size
    if not selecting(filters) and not filters.get("ordering"):
        # The whole catalog in its own order, the list most asked for: no filter to build.
        return listed_page(offset=offset, limit=size + 1)
    if query := plain_search(filters):
        with connection.execute_wrapper(_planned_per_call):
            return word_search_ids(filters, query, offset=offset, limit=size + 1, ranked_hits=RANKED_HITS)
    with connection.execute_wrapper(_planned_per_call):
        return _chosen_ids(filters, now, offset=offset, limit=size + 1)


def book_page(
    *, filters: Mapping[str, str] | None = None, number: int = 1, size: int = 20, now: datetime | None = None
) -> BookPage:
    """Page `number` of `size` books of the list `filters` chooses (GET books/, the catalog page).

    A deferred join (issue 15): the first query reads only the ids of the page's books (and
    of one more, to tell whether a next page exists), walking the ``(title, id)`` index of
    the books in the catalog for the default order, or the search's GIN index; only those
    rows are then read with their genre and annotated with ``available_units``,
    ``queue_length`` and ``next_release_at`` (R9, R12, R16), never the rows before the
    page. Availability is computed for all the rows only where the list is filtered or
    ordered by it. A search of more than ``RANKED_HITS`` books comes in the search's stable
    order (catalog.filters). A page past the end has no books. Raises ValidationError
    (400) for a malformed parameter. ``count`` is book_count's, the whole catalog's catalog.listing's.
    The API writes the same page from the rows (catalog.book_rows.represented_page).
    """
    filters = filters or {}
    now = now or timezone.now()
    count, ids = page_ids(filters=filters, number=number, size=size, now=now)
    return BookPage(
        books=_page_rows(ids[:size], now),
        number=number,
        size=size,
        count=count,
        count_exact=count_is_exact(count, filters),
        has_next=len(ids) > size,
    )


def _planned_per_call(execute, sql, params, many, context):
    """Run a statement unprepared on PostgreSQL, so it is planned for its own values.

    psycopg prepares a statement run five times (settings: prepare_threshold), and after
    five custom plans PostgreSQL may keep a generic one, made without the values: for a
    search that plan cannot tell a word in 27% of the books from one in 0.5%, and it sorted
    26,900 hits where an index walk reads 60 rows (12 -> 80 ms a page, measured).
    """
    if many or connection.vendor != "postgresql":
        return execute(sql, params, many, context)
    wrapper = context["cursor"]
    with connection.wrap_database_errors:
        return wrapper.cursor.execute(sql, params, prepare=False)


def _chosen_ids(filters: Mapping[str, str], now: datetime, *, offset: int, limit: int) -> tuple[int, list[int]]:
    """The count and the page's ids of a filtered, searched or reordered list (book_page)."""
    books = Book.objects.in_catalog()
    if "available" in filters or any(name in filters.get("ordering", "") for name in AVAILABILITY_FIELDS):
        books = _availability_alias(books, now)
    book_filter = BookFilter(filters, queryset=books)
    if not book_filter.is_valid():
        raise translate_validation(book_filter.errors)
    books = book_filter.qs
    count = book_count(books, filters)
    search = (filters.get("search") or "").strip()
    if search and not filters.get("ordering") and count > RANKED_HITS:
        books = stable_search_order(books, search)
    return count, list(books.values_list("pk", flat=True)[offset : offset + limit])


def _page_books(now: datetime, **ids: int) -> QuerySet[Book]:
    # What search reads stays in the database: no page shows it.
    books = Book.objects.select_related("genre").defer("search_document", "search_vector")
    books = with_authors(books.filter(pk__in=list(ids.values())))
    return with_next_release(with_availability(books, now), now).order_by()


class _PageQueries(dict):
    """The compiled query of a page of `size` rows, made on first use (core.compiled).

    One per page size, since an ``IN`` list's length is in the SQL: a shorter page binds
    0, which no book has, in the places it does not fill.
    """

    def __missing__(self, size: int) -> CompiledQuery:
        ids = {f"id{index}": Param(f"id{index}", 0) for index in range(size)}
        self[size] = query = CompiledQuery(_page_books, now=Param("now", timezone.now()), **ids)
        return query


PAGE_QUERIES = _PageQueries()
# The lengths a page's IN lists are padded to: the catalog page's 12, the API's 20, up to its 100.
PAGE_SHAPES = (12, 20, 50, 100)


def page_statements(ids: list[int]):
    """The compiled page queries that read the books `ids` (one per PAGE_SHAPES[-1] of them),
    each with the ids bound to its placeholders: ``(query, {"id0": ..., ...})``."""
    longest = PAGE_SHAPES[-1]
    for start in range(0, len(ids), longest):
        chunk = ids[start : start + longest]
        size = next(shape for shape in PAGE_SHAPES if shape >= len(chunk))
        yield PAGE_QUERIES[size], {f"id{index}": pk for index, pk in enumerate([*chunk, *[0] * (size - len(chunk))])}


def _page_rows(ids: list[int], now: datetime) -> list[Book]:
    """The books `ids`, in that order, annotated as ``with_availability`` and ``with_next_release``
    do, with their genre and their authors (kept as ``book.authors.all()`` reads them).

    One statement compiled once per page size, as the book detail's is: building the
    correlated subqueries for 20 rows cost more CPU than the database's work; the authors
    come in it (catalog.book_authors).
    """
    by_id = {}
    for query, bound in page_statements(ids):
        by_id.update((book.pk, book) for book in query.run(now=now, **bound))
    return [keep_authors(by_id[pk]) for pk in ids if pk in by_id]


def _book_with_availability(pk: int, now: datetime) -> QuerySet[Book]:
    books = with_authors(Book.objects.in_catalog().select_related("genre").filter(pk=pk))
    return with_availability(books, now).order_by()[:1]


# The book page and books/{id}/ read one book that nobody may have opened for a while (the
# cache misses): building and compiling the list's correlated subqueries and the authors'
# prefetch for one row was most of the request (about 3.3 of 5 ms of CPU at 100k books).
# Compiled once per thread instead (core.compiled), from the same QuerySets (issue 15).
BOOK_DETAIL_QUERY = CompiledQuery(_book_with_availability, pk=Param("pk", 0), now=Param("now", timezone.now()))


def book_detail(*, book_id: int, now: datetime | None = None) -> Book | None:
    """One book of the catalog with availability, genre and authors, or None (withdrawn: R28).

    One statement: the book with its genre, its counts (``with_availability``) and its
    authors (catalog.book_authors), kept where ``prefetch_related("authors")`` keeps them
    (the manager's result cache), so ``book.authors.all()`` asks nothing more.
    """
    if not 0 < int(book_id) <= MAX_ID:  # no such row, and SQLite cannot even bind the number
        return None
    book = BOOK_DETAIL_QUERY.first(pk=int(book_id), now=now or timezone.now())
    return None if book is None else keep_authors(book)


def book_get(*, book_id: int) -> Book | None:
    """The plain book row to change or delete, or None; a withdrawn book is the admin site's (R28)."""
    return Book.objects.in_catalog().filter(pk=book_id).first()


def genre_list() -> QuerySet[Genre]:
    return Genre.objects.order_by("name", "id")


def city_list() -> QuerySet[City]:
    return City.objects.order_by("name", "id")
