"""A book's authors read in the book's own statement (issue 15): one JSON array per book.

The book page, ``books/{id}/`` and every list page show each book's authors by id and
name (``author.pk``, ``author.display_name``). Read by a second statement they cost a
round trip, Django's iteration of its rows, and on PostgreSQL a hash of every author for
a page of 20 books (0.4 ms); read here as a correlated subquery they come with the book,
walking the link table's index per book, each author as the array ``SHOWN`` names.
``keep_authors`` turns the array into the
Author and User instances that ``prefetch_related("authors")`` would have left, holding
only the shown fields (any other is deferred, read on first use as Django reads one).
"""

import json
from operator import itemgetter

from django.db.models import F, OuterRef, QuerySet, Subquery

from accounts.models import Author, User
from core.aggregates import JSONArrayAgg, JSONRow

from .models import Book

# What is shown of an author wherever a book is: the id and the user's names.
AUTHOR_FIELDS = {"id": "author_id", "user_id": "author__user_id"}
USER_FIELDS = {
    "first_name": "author__user__first_name",
    "last_name": "author__user__last_name",
    "username": "author__user__username",
}
# An author's array, in this order.
SHOWN = (*AUTHOR_FIELDS, *USER_FIELDS)
# The same in the models' field order, as from_db takes them.
AUTHOR_ATTNAMES = tuple(field.attname for field in Author._meta.concrete_fields if field.attname in AUTHOR_FIELDS)
USER_ATTNAMES = tuple(field.attname for field in User._meta.concrete_fields if field.attname in {"id", *USER_FIELDS})
_AUTHOR_USER = Author._meta.get_field("user")


def with_authors(books: QuerySet[Book]) -> QuerySet[Book]:
    """Annotate ``author_rows``: a JSON array of each book's authors (for ``keep_authors``)."""
    shown = JSONRow(*(F(path) for path in {**AUTHOR_FIELDS, **USER_FIELDS}.values()))
    links = Book.authors.through.objects.filter(book_id=OuterRef("pk")).order_by().values("book_id")
    return books.annotate(author_rows=Subquery(links.annotate(rows=JSONArrayAgg(shown)).values("rows")))


class _ShownAuthors(dict):
    """A book's ``_prefetched_objects_cache`` whose ``authors`` QuerySet is made on first use.

    ``book.authors.all()`` reads it as Django's prefetch leaves it: the book's related
    QuerySet with the authors as its result cache. Making that QuerySet (the related manager
    and its filter) cost more than reading the authors; the API writes them from the list
    (``shown_authors``) and never asks for it. Every way Django reads or drops the cache
    (``[]``, ``in``, ``get``, ``pop``, ``del``) sees the QuerySet as if it were there.
    """

    __slots__ = ("book", "authors")

    def __init__(self, book: Book, authors: list[Author]) -> None:
        super().__init__()
        self.book, self.authors = book, authors

    def _made(self) -> None:
        if self.authors is None:
            return
        manager = Book.authors.related_manager_cls(self.book)
        # What the related manager's get_queryset() answers when nothing is prefetched.
        queryset = manager._apply_rel_filters(super(type(manager), manager).get_queryset())
        queryset._result_cache, queryset._prefetch_done = self.authors, True
        self.authors = None
        dict.__setitem__(self, "authors", queryset)

    def __missing__(self, key: str):
        if key != "authors" or self.authors is None:
            raise KeyError(key)
        self._made()
        return dict.__getitem__(self, key)

    def __contains__(self, key: object) -> bool:
        return (key == "authors" and self.authors is not None) or dict.__contains__(self, key)

    def get(self, key: str, default=None):
        return self[key] if key in self else default  # noqa: SIM401 (dict.get skips __missing__)

    def pop(self, key: str, *default):
        if key == "authors":
            self._made()
        return dict.pop(self, key, *default)

    def __delitem__(self, key: str) -> None:
        if key == "authors":
            self._made()
        dict.__delitem__(self, key)

    def __setitem__(self, key: str, value) -> None:
        if key == "authors":
            self.authors = None
        dict.__setitem__(self, key, value)


def keep_authors(book: Book) -> Book:
    """Leave `book`'s ``author_rows`` (with_authors) where ``book.authors.all()`` reads them, by id."""
    rows = book.__dict__.pop("author_rows", None) or []
    if isinstance(rows, str):  # a database that gives JSON as text
        rows = json.loads(rows)
    db = book._state.db
    authors = []
    for values in sorted(rows, key=itemgetter(0)):  # by id
        row = dict(zip(SHOWN, values, strict=True))
        # Author and User load without __init__ (core.loading): the other fields deferred.
        author = Author.from_db(db, AUTHOR_ATTNAMES, [row[name] for name in AUTHOR_ATTNAMES])
        user = {**row, "id": row["user_id"]}
        user = User.from_db(db, USER_ATTNAMES, [user[name] for name in USER_ATTNAMES])
        # What ``author.user = user`` leaves (both sides of the one-to-one cached), without the
        # descriptor's checks of a value it has just read: a third of this loop's CPU.
        _AUTHOR_USER.set_cached_value(author, user)
        _AUTHOR_USER.remote_field.set_cached_value(user, author)
        authors.append(author)
    book._prefetched_objects_cache = _ShownAuthors(book, authors)
    return book


def shown_authors(book: Book) -> list[Author]:
    """`book`'s authors in their order: as ``keep_authors`` left them, else ``book.authors.all()``."""
    cache = book.__dict__.get("_prefetched_objects_cache")
    if type(cache) is _ShownAuthors and cache.authors is not None:
        return cache.authors
    return list(book.authors.all())
