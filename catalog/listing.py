"""The whole catalog in its order (title, id): a page's ids and the count (issue 15).

``books/`` with no filter, search or ordering (the list most asked for) needs the ids of
one page's books and how many books the catalog holds. On PostgreSQL both are read with
the catalog's order version (migration 0006: a number a trigger raises whenever a book is
added, deleted, withdrawn or restored or a title written), in the same statement, so they
are of one moment:

- A page past the first LIST_SEEK_STRIDE books starts from the nearest mark, the
  ``(title, id)`` of every LIST_SEEK_STRIDE-th book, kept per process under the version it
  was read at, and walks at most LIST_SEEK_STRIDE index entries: page 5,000 of 100,000
  books reads about 100, not 100,000. The page's statement returns the version it saw; if
  the marks are of another one they are read again and the page with them.
- The count is kept per process under the version too: it changes only with the version,
  so a page asks neither the cache nor the database for it while the version stands.
- Only what was read outside a transaction is kept (``_keep`` says why); inside one the
  count is the catalog cache's (``book_count``), as on SQLite.

SQLite (the embedded default, small catalogs) has no version: its pages walk the index,
the ORM's SQL for ``Book.objects.in_catalog()`` in ``Book.Meta.ordering`` (built once per
thread, only the slice bound), and the count is the catalog cache's (``book_count``).
"""

import threading

from django.db import connection

from .counts import book_count
from .models import Book

# Every 100th: a page walks at most 120 index entries from its mark, 1,000 marks a process
# at 100,000 books (every 1,000th walked up to 1,020 entries, 0.4 ms for page 5,000).
LIST_SEEK_STRIDE = 100
_seek_marks: dict[str, object] = {"version": None, "marks": []}
_catalog_count: dict[str, int | None] = {"version": None, "count": None}
_lock = threading.Lock()
_listed_ids_sql = threading.local()

# The version's one row, and what the lateral subquery finds (nothing past the end).
SEEK_MARKS_SQL = """
SELECT v.version, m.title, m.id FROM catalog_order_version v LEFT JOIN LATERAL (
    SELECT title, id, position FROM (
        SELECT title, id, row_number() OVER (ORDER BY title, id) - 1 AS position
        FROM catalog_book WHERE withdrawn_at IS NULL
    ) listed WHERE position %% %s = 0
) m ON true WHERE v.id = 1 ORDER BY m.position
"""
# LIMIT and OFFSET are written into the SQL (numbers of ours), not bound: with them bound,
# PostgreSQL guesses a tenth of the table for each and planned the statement again on every
# page (0.1 ms of its CPU); written, it keeps one plan per (limit, offset) after five, and a
# page of 20 has five offsets from a mark (0, 20, ... 80).
PAGE_FROM_MARK_SQL = """
SELECT v.version, b.id FROM catalog_order_version v LEFT JOIN LATERAL (
    SELECT title, id FROM catalog_book
    WHERE withdrawn_at IS NULL AND (title, id) >= (%s, %s)
    ORDER BY title, id LIMIT {limit:d} OFFSET {offset:d}
) b ON true WHERE v.id = 1 ORDER BY b.title, b.id
"""
PAGE_FROM_START_SQL = """
SELECT v.version, b.id FROM catalog_order_version v LEFT JOIN LATERAL (
    SELECT title, id FROM catalog_book WHERE withdrawn_at IS NULL
    ORDER BY title, id LIMIT {limit:d} OFFSET {offset:d}
) b ON true WHERE v.id = 1 ORDER BY b.title, b.id
"""
COUNT_SQL = """
SELECT (SELECT version FROM catalog_order_version WHERE id = 1), count(*)
FROM catalog_book WHERE withdrawn_at IS NULL
"""


def listed_page(*, offset: int, limit: int) -> tuple[int, list[int]]:
    """The catalog's count and the ids of its books in its order from `offset` (at most `limit`)."""
    if connection.vendor != "postgresql":
        return book_count(Book.objects.in_catalog(), {}), _walked_ids(offset=offset, limit=limit)
    with connection.cursor() as cursor:
        version, ids = _sought_ids(cursor, offset=offset, limit=limit)
        with _lock:
            if _catalog_count["version"] == version:
                return _catalog_count["count"], ids
        if connection.in_atomic_block:  # nothing read here is kept (_keep): the catalog cache's count
            return book_count(Book.objects.in_catalog(), {}), ids
        cursor.execute(COUNT_SQL)
        counted_at, count = cursor.fetchone()
    _keep(_catalog_count, version=counted_at, count=count)
    return count, ids


def _keep(memo: dict, **values) -> None:
    """Keep what was read under its version, unless it was read inside a transaction.

    A transaction's own change raises the version for it alone; rolled back, the same
    number comes again for another change, and what was kept under it would be wrong. A
    version read in autocommit is committed, and the trigger's row lock lets one
    transaction at a time raise it, so what is kept under it holds while it stands.
    """
    if connection.in_atomic_block:
        return
    with _lock:
        memo.update(values)


def _sought_ids(cursor, *, offset: int, limit: int) -> tuple[int, list[int]]:
    """The page's ids and the order version they are of, from the nearest mark past the first stride."""
    if offset >= LIST_SEEK_STRIDE:
        with _lock:
            version, marks = _seek_marks["version"], _seek_marks["marks"]
        if version is None or version[1] != LIST_SEEK_STRIDE:
            version, marks = _read_marks(cursor)
        for _ in range(2):
            if not marks:  # no book: nothing to seek from
                break
            index = min(offset // LIST_SEEK_STRIDE, len(marks) - 1)
            title, pk = marks[index]
            sql = PAGE_FROM_MARK_SQL.format(limit=limit, offset=offset - index * LIST_SEEK_STRIDE)
            seen, ids = _page(cursor, sql, [title, pk])
            if version == (seen, LIST_SEEK_STRIDE):
                return seen, ids
            version, marks = _read_marks(cursor)  # the order moved since the marks were read
    return _page(cursor, PAGE_FROM_START_SQL.format(limit=limit, offset=offset), [])


def _page(cursor, sql: str, params: list) -> tuple[int, list[int]]:
    cursor.execute(sql, params)
    rows = cursor.fetchall()
    return rows[0][0], [pk for _, pk in rows if pk is not None]


def _read_marks(cursor) -> tuple[tuple[int, int], list[tuple[str, int]]]:
    """Every LIST_SEEK_STRIDE-th book's ``(title, id)`` and the order version they are of."""
    cursor.execute(SEEK_MARKS_SQL, [LIST_SEEK_STRIDE])
    rows = cursor.fetchall()
    version = (rows[0][0], LIST_SEEK_STRIDE)
    marks = [(title, pk) for _, title, pk in rows if pk is not None]
    _keep(_seek_marks, version=version, marks=marks)
    return version, marks


def _walked_ids(*, offset: int, limit: int) -> list[int]:
    """The ids from `offset` by the ORM's own SQL for the catalog in its order (an index-only scan)."""
    sql = getattr(_listed_ids_sql, "sql", None)
    if sql is None:
        query = Book.objects.in_catalog().order_by(*Book._meta.ordering).values_list("pk").query
        sql, params = query.sql_with_params()
        assert not params, "the catalog's condition binds no value"
        _listed_ids_sql.sql = sql = f"{sql} LIMIT %s OFFSET %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [limit, offset])
        return [row[0] for row in cursor.fetchall()]
