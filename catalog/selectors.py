"""Reads of the catalog for pages and the API: genres, cities, books with their availability.

The book list is served from the shared cache (Redis in production) under a *catalog
version*: every change to a book or its reservations bumps the version when its
transaction commits (``catalog_changed``), so the next request reads the database again.
A cached page is also rebuilt when time alone changes it: a loan whose end has come
frees its unit at once (R16), so a page keeps until the first loan of its books ends
(``page_fresh_until``; ``CATALOG_CACHE_SECONDS`` for lists chosen or ordered by
availability); one request rebuilds it while the others get the previous page for that
moment. The version is read before the database, so a page built from data older than a
commit is only ever stored under the version that commit made stale.
"""

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.db import BaseDatabaseCache
from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_filters.utils import translate_validation

from accounts.models import Author, City
from core.compiled import CompiledQuery, Param
from reservations.models import Reservation

from .filters import MAX_ID, RANKED_HITS, BookFilter, stable_search_order
from .models import Book, Genre

logger = logging.getLogger(__name__)

CATALOG_VERSION_KEY = "catalog:version"
# Bumped only when books are added or deleted: the count of the unfiltered list.
CATALOG_COUNT_VERSION_KEY = "catalog:count-version"
CATALOG_CACHE_SECONDS = 10
# A list's count is exact up to this many books, then estimated (book_count); a list the
# planner expects to hold more than COUNT_COUNTED_BELOW_ESTIMATE is not counted at all.
COUNT_EXACT_UP_TO = RANKED_HITS
COUNT_COUNTED_BELOW_ESTIMATE = COUNT_EXACT_UP_TO
# A page of a list whose books and order do not depend on availability changes with time
# alone only when a loan of one of its books ends (R16): it is fresh until the first such
# end, and at most this long.
CATALOG_PAGE_MAX_SECONDS = 300
# Query parameters that do not change which books a list holds.
SAME_BOOKS_PARAMETERS = ("page", "page_size", "ordering")
# What a list can be filtered or ordered by that is computed per book (with_availability).
AVAILABILITY_FIELDS = ("available_units", "queue_length")


def _catalog_cache_on() -> bool:
    """Whether book list pages and filtered counts use the cache (settings.CATALOG_CACHE).

    Off (``CATALOG_CACHE=off``, for make bench's cache-bypassed rows), every page and the
    count of every filtered or searched list are built from the database on every request,
    neither read from nor written to the cache. The whole catalog's count is still kept: it
    changes only when books are added or withdrawn, so a real cache miss finds it too.
    """
    return settings.CATALOG_CACHE


def bump_catalog_version(*, books_added_or_deleted: bool = False) -> None:
    """Make every cached book list stale now (and the list's count, if books came or went).

    A cache that does not answer never fails the change that called this: it is logged,
    and no page outlives CATALOG_CACHE_SECONDS anyway.
    """
    stamp = time.time_ns()  # never reused, even if Redis lost the key meanwhile
    values = {CATALOG_VERSION_KEY: stamp}
    if books_added_or_deleted:
        values[CATALOG_COUNT_VERSION_KEY] = stamp

    def write() -> None:
        # One key (every reserve and return): a plain SET, not django-redis's pipeline.
        if len(values) == 1:
            cache.set(CATALOG_VERSION_KEY, stamp, timeout=None)
        else:
            cache.set_many(values, timeout=None)

    try:
        if isinstance(caches["default"], BaseDatabaseCache):
            # The embedded default keeps the cache in the database: in a savepoint, so a
            # failure there cannot abort the caller's transaction.
            with transaction.atomic():
                write()
        else:
            write()
    except Exception:
        logger.exception("Could not mark the cached catalog stale")


class _BumpAtCommit:
    """The bump that one transaction's ``catalog_changed`` calls leave for its commit.

    It also remembers whether the transaction changed the catalog since it last bumped
    the version for its own reads (``unread``): see ``_bump_for_own_reads``.
    """

    def __init__(self, books_added_or_deleted: bool):
        self.books_added_or_deleted = books_added_or_deleted
        self.unread = True

    def __call__(self) -> None:
        bump_catalog_version(books_added_or_deleted=self.books_added_or_deleted)


def _pending_bumps(connection) -> list[tuple[set, _BumpAtCommit]]:
    """This transaction's bumps waiting for its commit, with the savepoints each belongs to."""
    return [
        (savepoints, callback)
        for savepoints, callback, _robust in connection.run_on_commit
        if isinstance(callback, _BumpAtCommit)
    ]


def catalog_changed(*, books_added_or_deleted: bool = False) -> None:
    """Call inside a transaction that changes books or reservations: cached lists go stale.

    The version is bumped when the transaction commits, once however many changes it
    made: a request that read the old version, and so the old rows, cached its page
    under a version the commit leaves behind. The transaction's own reads of the cache
    (``cached_book_page``, ``book_count``) bump it first, so they never get a page
    made before its change; a transaction that changes and never reads (a reserve)
    costs one bump.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        bump_catalog_version(books_added_or_deleted=books_added_or_deleted)
        return
    # A bump registered outside every savepoint still open runs at commit whatever part
    # of the transaction rolls back, and so does this change: it covers this change.
    open_savepoints = set(connection.savepoint_ids)
    for savepoints, pending in _pending_bumps(connection):
        if savepoints <= open_savepoints and (pending.books_added_or_deleted or not books_added_or_deleted):
            pending.unread = True
            return
    transaction.on_commit(_BumpAtCommit(books_added_or_deleted), robust=True)


def _bump_for_own_reads() -> None:
    """Bump the version now if this transaction changed the catalog since its last read."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return
    unread = [pending for _savepoints, pending in _pending_bumps(connection) if pending.unread]
    if unread:
        bump_catalog_version(books_added_or_deleted=any(pending.books_added_or_deleted for pending in unread))
        for pending in unread:
            pending.unread = False


def _key(prefix: str, params: Mapping[str, str] | object, extra: str = "") -> str:
    items = sorted(params.lists()) if hasattr(params, "lists") else sorted(params.items())
    digest = hashlib.sha256(f"{extra}?{urlencode(items, doseq=True)}".encode()).hexdigest()[:32]
    return f"catalog:{prefix}:{digest}"


def _current(version_key: str, key: str) -> tuple[object, object | None]:
    """The version under `version_key`, and the value at `key` if it was cached under it.

    One round trip for both: each value is stored with the version it was made under
    (``_store``), and one made under an older version is no value at all.
    """
    if version_key == CATALOG_VERSION_KEY and not _catalog_cache_on():
        return None, None
    found = cache.get_many([version_key, key])
    version = found.get(version_key, 0)
    entry = found.get(key)
    return version, (entry[1] if entry is not None and entry[0] == version else None)


def _store(key: str, version: object, value: object, timeout: float) -> None:
    if version is None:  # the cache is off (_current)
        return
    cache.set(key, (version, value), timeout)


def cached_book_page(params: Mapping[str, str], build: Callable[[], tuple[dict, datetime]], *, where: str = "") -> dict:
    """The book list page for `params`, from the cache or made by `build()` and cached.

    `build` returns the page and the moment time alone makes it stale (``page_fresh_until``).
    `where` names what else the page depends on (the scheme and host of its next/previous links).
    """
    if not _catalog_cache_on():
        return build()[0]
    _bump_for_own_reads()
    key = _key("page", params, where)
    try:
        version, entry = _current(CATALOG_VERSION_KEY, key)
    except Exception:
        logger.exception("The cache does not answer: building the book list page")
        return build()[0]
    now = time.time()
    if entry is not None:
        fresh_until, page = entry
        # Past its time, one request rebuilds the page while the others keep the old one
        # for the moment that takes, rather than all rebuilding it at once.
        if now < fresh_until or not cache.add(f"{key}:rebuilding", 1, timeout=5):
            return page
    page, fresh_until = build()
    lifetime = max(fresh_until.timestamp() - now, 0)
    _store(key, version, (now + lifetime, page), lifetime + CATALOG_CACHE_SECONDS)
    cache.delete(f"{key}:rebuilding")
    return page


def book_count(books: QuerySet[Book], filters: Mapping[str, str]) -> int:
    """How many books the list `books` (made from `filters`) holds, cached like its pages.

    What ``count`` means (the API's and the catalog page's): exact for a list of at most
    ``COUNT_EXACT_UP_TO`` books, counted with a ``LIMIT`` so that no more rows are read;
    the whole catalog's count is exact too, counted once and kept until books are added
    or withdrawn. Any other list of more books (a common word's search, a wide filter)
    answers PostgreSQL's estimate, from the planner's statistics: "about this many"
    instead of reading all of them for every page. The estimate is checked by a count up
    to the cap only when it is below ``COUNT_COUNTED_BELOW_ESTIMATE``, so a list the
    planner expects to be far longer answers the estimate unchecked (the statistics of
    the stored search vector are close: 26,760 for 26,900 hits). The pages themselves never
    depend on the count (book_page).
    """
    _bump_for_own_reads()
    selecting = _selecting(filters)
    if selecting:
        version_key, timeout = CATALOG_VERSION_KEY, CATALOG_CACHE_SECONDS
    else:
        version_key, timeout = CATALOG_COUNT_VERSION_KEY, 24 * 60 * 60
    key = _key("count", selecting)
    try:
        version, count = _current(version_key, key)
    except Exception:
        logger.exception("The cache does not answer: counting the book list")
        return _bounded_count(books.order_by().values("pk"), whole_catalog=not selecting)
    if count is None:
        count = _bounded_count(books.order_by().values("pk"), whole_catalog=not selecting)
        _store(key, version, count, timeout)
    return count


def _selecting(filters: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in filters.items() if name not in SAME_BOOKS_PARAMETERS}


def count_is_exact(count: int, filters: Mapping[str, str]) -> bool:
    """Whether book_count's `count` for `filters` is exact, not an estimate."""
    return count <= COUNT_EXACT_UP_TO or not _selecting(filters) or connection.vendor != "postgresql"


def _bounded_count(ids: QuerySet, *, whole_catalog: bool) -> int:
    """Count `ids` exactly up to COUNT_EXACT_UP_TO, beyond that estimate (see book_count).

    The planner is asked first: a list it expects to be longer than the cap is not
    counted at all, since even a ``LIMIT``ed count builds the GIN index's whole bitmap of
    a search's hits (20 ms for two common words at 100,000 books) before it stops.
    """
    estimate = None
    if connection.vendor == "postgresql" and not whole_catalog:
        plan = ids.explain(format="json")
        if not plan:  # a list nothing can match (such as an empty IN): Django sends no query
            return 0
        estimate = int(json.loads(plan)[0]["Plan"]["Plan Rows"])
        if estimate > COUNT_COUNTED_BELOW_ESTIMATE:
            return estimate
    found = ids[: COUNT_EXACT_UP_TO + 1].count()
    if found <= COUNT_EXACT_UP_TO:
        return found
    if estimate is None:  # the whole catalog, or a database without estimates
        return ids.count()
    return max(estimate, COUNT_EXACT_UP_TO + 1)


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


def with_next_release(books: QuerySet[Book], now: datetime) -> QuerySet[Book]:
    """Annotate `next_release_at`: when the first loan of each book running at `now` ends, or None."""
    ends = Reservation.objects.active_at(now).filter(book=OuterRef("pk")).order_by("ends_at").values("ends_at")[:1]
    return books.annotate(next_release_at=Subquery(ends))


def page_fresh_until(books: Iterable[Book], params: Mapping[str, str], now: datetime) -> datetime:
    """When time alone makes a page of `books` (annotated ``with_next_release``) stale (R16).

    A list filtered or ordered by availability depends on every book's loans, so it is
    rebuilt after CATALOG_CACHE_SECONDS; any other page shows the right availability
    until one of its own books' loans ends, which a change would have bumped anyway.
    """
    if "available" in params or "available_units" in params.get("ordering", ""):
        return now + timedelta(seconds=CATALOG_CACHE_SECONDS)
    ends = [book.next_release_at for book in books if book.next_release_at is not None]
    return min([*ends, now + timedelta(seconds=CATALOG_PAGE_MAX_SECONDS)])


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
    return books.alias(
        available_units=F("units") - _count_per_book(Reservation.objects.active_at(now)),
        queue_length=_count_per_book(Reservation.objects.queued()),
    )


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
    (400) for a malformed parameter. ``count`` is book_count's.
    """
    filters = filters or {}
    now = now or timezone.now()
    offset = (number - 1) * size
    if not _selecting(filters) and not filters.get("ordering"):
        # The whole catalog in its own order, the list most asked for: no filter to build.
        count = book_count(Book.objects.in_catalog(), filters)
        ids = _listed_ids(offset=offset, limit=size + 1)
    else:
        with connection.execute_wrapper(_planned_per_call):
            count, ids = _chosen_ids(filters, now, offset=offset, limit=size + 1)
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


_listed_ids_sql = threading.local()
# Deep pages of the whole catalog seek from the nearest of every LIST_SEEK_STRIDE-th book
# (migration 0006), kept per process with the order version they were read under.
LIST_SEEK_STRIDE = 1_000
_seek_marks: dict[str, object] = {"version": None, "marks": []}
_seek_lock = threading.Lock()
SEEK_MARKS_SQL = """
SELECT title, id FROM (
    SELECT title, id, row_number() OVER (ORDER BY title, id) - 1 AS position
    FROM catalog_book WHERE withdrawn_at IS NULL
) listed WHERE position %% %s = 0 ORDER BY position
"""
SEEK_IDS_SQL = """
SELECT id FROM catalog_book
WHERE withdrawn_at IS NULL AND (title, id) >= (%s, %s)
ORDER BY title, id LIMIT %s OFFSET %s
"""


def _listed_ids(*, offset: int, limit: int) -> list[int]:
    """The ids of the catalog's books in its order (title, id), from `offset`: an index-only scan.

    On PostgreSQL a page past the first LIST_SEEK_STRIDE books starts from the nearest
    mark (the ``(title, id)`` of every LIST_SEEK_STRIDE-th book, ``_seek_marks_at``) and
    walks at most LIST_SEEK_STRIDE entries: page 5,000 of 100,000 books reads about 1,000
    index entries, not 100,000. Otherwise the SQL is the ORM's for
    ``Book.objects.in_catalog()`` in ``Book.Meta.ordering``, built once per thread; only the
    slice is bound (the ORM would write it into the SQL).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and offset >= LIST_SEEK_STRIDE:
            marks = _seek_marks_at(cursor)
            if marks:
                index = min(offset // LIST_SEEK_STRIDE, len(marks) - 1)
                title, pk = marks[index]
                cursor.execute(SEEK_IDS_SQL, [title, pk, limit, offset - index * LIST_SEEK_STRIDE])
                return [row[0] for row in cursor.fetchall()]
        sql = getattr(_listed_ids_sql, "sql", None)
        if sql is None:
            query = Book.objects.in_catalog().order_by(*Book._meta.ordering).values_list("pk").query
            sql, params = query.sql_with_params()
            assert not params, "the catalog's condition binds no value"
            _listed_ids_sql.sql = sql = f"{sql} LIMIT %s OFFSET %s"
        cursor.execute(sql, [limit, offset])
        return [row[0] for row in cursor.fetchall()]


def _seek_marks_at(cursor) -> list[tuple[str, int]]:
    """Every LIST_SEEK_STRIDE-th book's ``(title, id)`` as of the order version now.

    Read again (one pass over the index) only when the version moved: a book added,
    deleted, withdrawn or restored, or a title written (migration 0006's trigger). A
    change between reading the version and the page shows as it would between two pages.
    """
    cursor.execute("SELECT version FROM catalog_order_version WHERE id = 1")
    version = cursor.fetchone()[0]
    with _seek_lock:
        if _seek_marks["version"] == (version, LIST_SEEK_STRIDE):
            return _seek_marks["marks"]
    cursor.execute(SEEK_MARKS_SQL, [LIST_SEEK_STRIDE])
    marks = [(title, pk) for title, pk in cursor.fetchall()]
    with _seek_lock:
        _seek_marks.update(version=(version, LIST_SEEK_STRIDE), marks=marks)
    return marks


def _page_books(now: datetime, **ids: int) -> QuerySet[Book]:
    # What search reads stays in the database: no page shows it.
    books = Book.objects.select_related("genre").defer("search_document", "search_vector")
    books = books.filter(pk__in=list(ids.values()))
    return with_next_release(with_availability(books, now), now).order_by()


def _page_authors(**ids: int) -> QuerySet:
    links = Book.authors.through.objects.select_related("author__user").filter(book_id__in=list(ids.values()))
    return links.order_by("book_id", "author_id")


class _PageQueries(dict):
    """The compiled queries of a page of `size` rows, made on first use (core.compiled).

    One pair per page size, since an ``IN`` list's length is in the SQL: a shorter page
    binds 0, which no book has, in the places it does not fill.
    """

    def __missing__(self, size: int) -> tuple[CompiledQuery, CompiledQuery]:
        ids = {f"id{index}": Param(f"id{index}", 0) for index in range(size)}
        queries = (
            CompiledQuery(_page_books, now=Param("now", timezone.now()), **ids),
            CompiledQuery(_page_authors, **ids),
        )
        self[size] = queries
        return queries


PAGE_QUERIES = _PageQueries()
# The lengths a page's IN lists are padded to: the catalog page's 12, the API's 20, up to its 100.
PAGE_SHAPES = (12, 20, 50, 100)


def _page_rows(ids: list[int], now: datetime) -> list[Book]:
    """The books `ids`, in that order, annotated as ``with_availability`` and ``with_next_release``
    do, with their genre and their authors (prefetched as ``book.authors.all()`` reads them).

    Two statements compiled once per page size, as the book detail's are: building the
    correlated subqueries and the prefetch for 20 rows cost more CPU than the database's work.
    """
    if len(ids) > PAGE_SHAPES[-1]:
        return [*_page_rows(ids[: PAGE_SHAPES[-1]], now), *_page_rows(ids[PAGE_SHAPES[-1] :], now)]
    if not ids:
        return []
    size = next(shape for shape in PAGE_SHAPES if shape >= len(ids))
    books_query, authors_query = PAGE_QUERIES[size]
    bound = {f"id{index}": pk for index, pk in enumerate([*ids, *[0] * (size - len(ids))])}
    by_id = {book.pk: book for book in books_query.run(now=now, **bound)}
    authors: dict[int, list[Author]] = {}
    for link in authors_query.run(**bound):
        authors.setdefault(link.book_id, []).append(link.author)
    books = [by_id[pk] for pk in ids if pk in by_id]
    for book in books:
        manager = book.authors.all()
        manager._result_cache, manager._prefetch_done = authors.get(book.pk, []), True
        book._prefetched_objects_cache = {"authors": manager}
    return books


def _book_with_availability(pk: int, now: datetime) -> QuerySet[Book]:
    return with_availability(Book.objects.in_catalog().select_related("genre").filter(pk=pk), now).order_by()[:1]


def _authors_of_book(pk: int) -> QuerySet[Author]:
    return Author.objects.select_related("user").filter(books=pk).order_by("pk")


# The book page and books/{id}/ read one book that nobody may have opened for a while (the
# cache misses): building and compiling the list's correlated subqueries and the authors'
# prefetch for one row was most of the request (about 3.3 of 5 ms of CPU at 100k books).
# Compiled once per thread instead (core.compiled), from the same QuerySets (issue 15).
BOOK_DETAIL_QUERY = CompiledQuery(_book_with_availability, pk=Param("pk", 0), now=Param("now", timezone.now()))
BOOK_AUTHORS_QUERY = CompiledQuery(_authors_of_book, pk=Param("pk", 0))


def book_detail(*, book_id: int, now: datetime | None = None) -> Book | None:
    """One book of the catalog with availability, genre and authors, or None (withdrawn: R28).

    Two statements: the book with its genre and its counts (``with_availability``), then
    its authors with their users, kept where ``prefetch_related("authors")`` keeps them
    (the manager's result cache), so ``book.authors.all()`` asks nothing more.
    """
    if not 0 < int(book_id) <= MAX_ID:  # no such row, and SQLite cannot even bind the number
        return None
    book = BOOK_DETAIL_QUERY.first(pk=int(book_id), now=now or timezone.now())
    if book is not None:
        authors = book.authors.all()
        authors._result_cache, authors._prefetch_done = BOOK_AUTHORS_QUERY.run(pk=book.pk), True
        book._prefetched_objects_cache = {"authors": authors}
    return book


def book_get(*, book_id: int) -> Book | None:
    """The plain book row to change or delete, or None; a withdrawn book is the admin site's (R28)."""
    return Book.objects.in_catalog().filter(pk=book_id).first()


def genre_list() -> QuerySet[Genre]:
    return Genre.objects.order_by("name", "id")


def city_list() -> QuerySet[City]:
    return City.objects.order_by("name", "id")
