"""A book's authors read in the book's own statement (issue 15): one JSON array per book.

The book page, ``books/{id}/`` and every list page show each book's authors by id and
name (``author.pk``, ``author.display_name``). Read by a second statement they cost a
round trip, Django's iteration of its rows, and on PostgreSQL a hash of every author for
a page of 20 books (0.4 ms); read here as a correlated subquery they come with the book,
walking the link table's index per book. ``keep_authors`` turns the array into the
Author and User instances that ``prefetch_related("authors")`` would have left, holding
only the shown fields (any other is deferred, read on first use as Django reads one).
"""

import json

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.base import DEFERRED
from django.db.models.functions import JSONObject

from accounts.models import Author, User
from core.aggregates import JSONArrayAgg

from .models import Book

# What is shown of an author wherever a book is: the id and the user's names.
AUTHOR_FIELDS = {"id": "author_id", "user_id": "author__user_id"}
USER_FIELDS = {
    "first_name": "author__user__first_name",
    "last_name": "author__user__last_name",
    "username": "author__user__username",
}


def with_authors(books: QuerySet[Book]) -> QuerySet[Book]:
    """Annotate ``author_rows``: a JSON array of each book's authors (for ``keep_authors``)."""
    shown = JSONObject(**{name: F(path) for name, path in {**AUTHOR_FIELDS, **USER_FIELDS}.items()})
    links = Book.authors.through.objects.filter(book_id=OuterRef("pk")).order_by().values("book_id")
    return books.annotate(author_rows=Subquery(links.annotate(rows=JSONArrayAgg(shown)).values("rows")))


def _instance(model, db: str, values: dict):
    """`model` as read from the database `db` with `values`, its other fields deferred."""
    return model.from_db(db, None, [values.get(field.attname, DEFERRED) for field in model._meta.concrete_fields])


def keep_authors(book: Book) -> Book:
    """Leave `book`'s ``author_rows`` (with_authors) where ``book.authors.all()`` reads them, by id."""
    rows = book.__dict__.pop("author_rows", None) or []
    if isinstance(rows, str):  # a database that gives JSON as text
        rows = json.loads(rows)
    authors = []
    for row in sorted(rows, key=lambda row: row["id"]):
        author = _instance(Author, book._state.db, {"id": row["id"], "user_id": row["user_id"]})
        author.user = _instance(
            User, book._state.db, {"id": row["user_id"], **{name: row[name] for name in USER_FIELDS}}
        )
        authors.append(author)
    manager = book.authors.all()
    manager._result_cache, manager._prefetch_done = authors, True
    book._prefetched_objects_cache = {"authors": manager}
    return book
