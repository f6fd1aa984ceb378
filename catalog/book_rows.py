"""A page of books, and one book, written for the API straight from their statements' rows (issue 15).

``books/`` shows 20 books as ``BookOutputSerializer`` writes them. Made into Book, Genre,
Author and User instances first, through Django's row iteration, they cost more CPU than
everything else the request does; here the same statement (``catalog.selectors``' page
query, compiled once) is run on a cursor and each row written as the serializer writes a
book, reading its values by column. The book page (HTML) keeps the instances: its
templates ask them for more. ``books/{id}/`` is written the same way from the book detail's
statement (``represented_book``). ``test_book_rows`` checks that both write what the
serializers write for every field, so a field added to them and not here fails it.
"""

import json
from datetime import datetime
from operator import itemgetter

from django.db import connection
from django.utils import timezone

from accounts.models.profiles import display_name

from .book_serializers import represent_datetime, represent_expected_between, shown_cover
from .filters import MAX_ID
from .models import Book
from .selectors import BOOK_DETAIL_QUERY, page_statements

_BY_ID = itemgetter(0)  # an author's array is catalog.book_authors.SHOWN: id, user_id, first, last, username


def represented_page(ids: list[int], now: datetime) -> tuple[list[dict], list[datetime | None]]:
    """The books `ids` in that order as the API writes them (R9, R12, R16, R37), and when
    each one's first running loan ends (``next_release_at``, for ``page_fresh_until``)."""
    by_id, at = {}, None
    for query, bound in page_statements(ids):
        at = query.columns()  # the same columns in every shape
        by_id.update((row[at["id"]], row) for row in query.raw_rows(now=now, **bound))
    if not by_id:
        return [], []
    end = at["next_release_at"]
    zone, aware = timezone.get_current_timezone(), _aware_of(connection)
    books, ends = [], []
    for pk in ids:
        row = by_id.get(pk)
        if row is not None:
            books.append(_represent(row, at, zone, aware))
            ends.append(aware(row[end]))
    return books, ends


def represented_book(book_id: int, now: datetime) -> dict | None:
    """Book `book_id` as ``BookDetailOutputSerializer`` writes ``book_detail``'s book, or None
    (no such book, or withdrawn: R28); its wait estimate asked of lending when no unit is free (R31)."""
    if not 0 < int(book_id) <= MAX_ID:  # no such row, and SQLite cannot even bind the number
        return None
    rows = BOOK_DETAIL_QUERY.raw_rows(pk=int(book_id), now=now)
    if not rows:
        return None
    (row,) = rows  # the query is sliced to one
    at = BOOK_DETAIL_QUERY.columns()
    shown = _represent(row, at, timezone.get_current_timezone(), _aware_of(connection))
    free = shown["available_units"]
    # What the estimate reads of the book: its id and units; nothing while a unit is free.
    book = None if free > 0 else Book(pk=shown["id"], units=shown["units"])
    shown["expected_between"] = None if book is None else represent_expected_between(book, free, now)
    return shown


def _represent(row: tuple, at: dict[str, int], zone, aware) -> dict:
    """One row as ``BookOutputSerializer.to_representation`` writes the book it makes."""
    authors = row[at["author_rows"]] or []
    if isinstance(authors, str):  # both databases' JSON arrays come as text on a cursor
        authors = json.loads(authors)
    authors = sorted(authors, key=_BY_ID)
    average = row[at["rating_average"]]
    return {
        "id": row[at["id"]],
        "title": row[at["title"]],
        "isbn": row[at["isbn"]],
        "price": row[at["price"]],
        "genre": row[at["genre_id"]],
        "genre_name": row[at["genre.name"]],
        "authors": [author[0] for author in authors],
        "author_names": [display_name(first, last, username) for _, _, first, last, username in authors],
        "description": row[at["description"]],
        "units": row[at["units"]],
        "available_units": row[at["available_units"]],
        "queue_length": row[at["queue_length"]],
        "stock": row[at["stock"]],
        "rating": None if average is None else round(average, 1),
        "reviews_count": row[at["rating_count"]],
        "created_at": represent_datetime(aware(row[at["created_at"]]), zone),
        "updated_at": represent_datetime(aware(row[at["updated_at"]]), zone),
        "cover": shown_cover(row[at["cover"]]),
    }


def _aware_of(connection):
    """What makes the cursor's datetimes the ORM's: PostgreSQL's come aware; SQLite's naive
    or as text, which the ORM's converter makes aware."""
    if connection.vendor == "postgresql":
        return _as_read
    convert = connection.ops.convert_datetimefield_value
    return lambda moment: None if moment is None else convert(moment, None, connection)


def _as_read(moment):
    return moment
