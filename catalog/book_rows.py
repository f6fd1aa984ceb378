"""A page of books written for the API straight from its statement's rows (issue 15).

``books/`` shows 20 books as ``BookOutputSerializer`` writes them. Made into Book, Genre,
Author and User instances first, through Django's row iteration, they cost more CPU than
everything else the request does; here the same statement (``catalog.selectors``' page
query, compiled once) is run on a cursor and each row written as the serializer writes a
book, reading its values by column. The book page (HTML) keeps the instances: its
templates ask them for more. ``test_book_rows`` checks that both write the same for every
field, so a field added to the serializer and not here fails it.
"""

import json
from datetime import datetime
from operator import itemgetter

from django.db import connection
from django.utils import timezone

from .book_serializers import represent_datetime, shown_cover
from .selectors import PAGE_QUERIES, PAGE_SHAPES

_BY_ID = itemgetter("id")


def display_name(first_name: str, last_name: str, username: str) -> str:
    """``Author.display_name`` of an author row: the user's full name, else the username."""
    return f"{first_name} {last_name}".strip() or username


def represented_page(ids: list[int], now: datetime) -> tuple[list[dict], list[datetime | None]]:
    """The books `ids` in that order as the API writes them (R9, R12, R16, R37), and when
    each one's first running loan ends (``next_release_at``, for ``page_fresh_until``)."""
    if len(ids) > PAGE_SHAPES[-1]:
        head, head_ends = represented_page(ids[: PAGE_SHAPES[-1]], now)
        tail, tail_ends = represented_page(ids[PAGE_SHAPES[-1] :], now)
        return [*head, *tail], [*head_ends, *tail_ends]
    if not ids:
        return [], []
    size = next(shape for shape in PAGE_SHAPES if shape >= len(ids))
    query = PAGE_QUERIES[size]
    bound = {f"id{index}": pk for index, pk in enumerate([*ids, *[0] * (size - len(ids))])}
    sql, params = query.sql_with_params(now=now, **bound)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    at = query.columns()
    key = at["id"]
    by_id = {row[key]: row for row in rows}
    zone = timezone.get_current_timezone()
    books, ends = [], []
    for pk in ids:
        row = by_id.get(pk)
        if row is not None:
            books.append(_represent(row, at, zone))
            ends.append(_aware(row[at["next_release_at"]]))
    return books, ends


def _represent(row: tuple, at: dict[str, int], zone) -> dict:
    """One row as ``BookOutputSerializer.represent`` writes the book it makes."""
    authors = row[at["author_rows"]] or []
    if isinstance(authors, str):  # PostgreSQL's jsonb and SQLite's JSON both come as text here
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
        "authors": [author["id"] for author in authors],
        "author_names": [display_name(a["first_name"], a["last_name"], a["username"]) for a in authors],
        "description": row[at["description"]],
        "units": row[at["units"]],
        "available_units": row[at["available_units"]],
        "queue_length": row[at["queue_length"]],
        "stock": row[at["stock"]],
        "rating": None if average is None else round(average, 1),
        "reviews_count": row[at["rating_count"]],
        "created_at": represent_datetime(_aware(row[at["created_at"]]), zone),
        "updated_at": represent_datetime(_aware(row[at["updated_at"]]), zone),
        "cover": shown_cover(row[at["cover"]]),
    }


def _aware(moment):
    """PostgreSQL's cursor gives aware datetimes; SQLite's naive ones or text, which the ORM's converter makes aware."""
    if moment is None or connection.vendor == "postgresql":
        return moment
    return connection.ops.convert_datetimefield_value(moment, None, connection)
