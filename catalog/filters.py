"""Catalog filters: search, genre, author, availability and ordering of the book list.

Search runs PostgreSQL full-text search on the stored, weighted ``Book.search_vector``
(the ``simple`` configuration: no stemming and no stop words, so Persian and English
words match alike) through its GIN index. On any other database (SQLite, the embedded
default) it falls back to ``icontains`` over the same fields. On both, an ISBN matches
with or without hyphens, as ISBN-10 or ISBN-13.

Relevance: an exact ISBN first; then, for a search of at most ``RANKED_HITS`` books, by
rank (PostgreSQL: ``ts_rank`` with the title above the authors and the ISBN, above the
description; SQLite: books whose title holds every word first); a search with more hits
is ordered by title after the exact ISBN (``stable_search_order``), because ranking
26,900 hits of a common word cost 400 ms a page. Either way the order ends in ``id``,
so pages never repeat or skip a book.
"""

import re

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, Exists, F, FloatField, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.fields import BaseCSVField

from .models import Book, isbn_forms, normalize_search_text

SEARCH_CONFIG = "simple"
SEARCH_MAX_LENGTH = 200
ORDERING_FIELDS = ("title", "price", "created_at", "available_units", "queue_length", "rating", "id")
# ``ordering=rating`` / ``-rating`` (R37): rated books first, by their average, then by their
# number of reviews, then by title; ``-rating`` is the order of the index book_rating_order_idx.
RATING_ORDER = {
    "-rating": (F("rating_average").desc(nulls_last=True), F("rating_count").desc(), "title"),
    "rating": (F("rating_average").asc(nulls_last=True), F("rating_count").desc(), "title"),
}
# A search with more hits than this is not ranked: its pages come in a stable order
# (stable_search_order), so no request ranks every hit of a common word (issue 15).
RANKED_HITS = 1_000
MAX_ID = 2**63 - 1  # a larger number overflows SQLite's integers instead of matching nothing
# Words of letters and digits; everything else (tsquery operators included) separates them.
WORD = re.compile(r"[^\W_]+")
ISBN_LIKE = re.compile(r"[0-9][0-9\s-]*[0-9Xx]?")


def _isbn_prefix(text: str) -> str | None:
    """The compact ISBN prefix typed, if the query looks like (part of) an ISBN, else None."""
    if not ISBN_LIKE.fullmatch(text):
        return None
    compact = re.sub(r"[\s-]", "", text).upper()
    return compact if len(compact) >= 3 else None


def _isbn_condition(text: str) -> tuple[Q, Q | None]:
    """Return (what an ISBN query matches, what an exact ISBN match is, or None if `text` is no ISBN)."""
    exact_forms = isbn_forms(text)
    exact = Q(isbn__in=exact_forms) if exact_forms else None
    prefix = _isbn_prefix(text)
    matches = exact or Q(pk__in=[])
    return (matches | Q(isbn__startswith=prefix) if prefix else matches), exact


def _relevance(queryset: QuerySet[Book], isbn_exact: Q | None, rank) -> QuerySet[Book]:
    """Alias `search_rank` (and `exact_isbn` when the text is an ISBN) and order by them."""
    if isbn_exact is None:
        return queryset.alias(search_rank=rank).order_by("-search_rank", "title", "id")
    exact = Case(When(isbn_exact, then=Value(1)), default=Value(0), output_field=IntegerField())
    return queryset.alias(exact_isbn=exact, search_rank=rank).order_by("-exact_isbn", "-search_rank", "title", "id")


def prefix_query(words: list[str]) -> str:
    """The tsquery text of a search for every word of `words` as a prefix."""
    return " & ".join(f"{word}:*" for word in words)


def word_query(text) -> SearchQuery:
    """The tsquery of `text` (prefix_query's) in the search's configuration."""
    return SearchQuery(text, search_type="raw", config=SEARCH_CONFIG)


def search_words(text: str) -> list[str]:
    """The words of a search text, folded as the search document is (catalog.models)."""
    return WORD.findall(normalize_search_text(text))


def is_isbn_search(text: str) -> bool:
    """Whether `text` reads as an ISBN or the start of one (then an ISBN matches too)."""
    return bool(isbn_forms(text)) or _isbn_prefix(text) is not None


def _search_postgresql(queryset: QuerySet[Book], text: str, words: list[str]) -> QuerySet[Book]:
    isbn_match, isbn_exact = _isbn_condition(text)
    condition = isbn_match
    rank = Value(0.0, output_field=FloatField())
    if words:
        # Every word, as a prefix ("بوف" finds «بوف کور»): to_tsquery of words made only of
        # letters and digits (WORD), so no input is tsquery syntax; websearch_to_tsquery
        # would be as safe but cannot match a prefix, which the API promises.
        query = word_query(prefix_query(words))
        # The stored, GIN-indexed vector of migration 0005 (title A, names and ISBNs B,
        # description D): ts_rank reads the weights there, nothing is parsed per row.
        condition = condition | Q(search_vector=query)
        rank = SearchRank(F("search_vector"), query)
    return _relevance(queryset.filter(condition), isbn_exact, rank)


def _search_fallback(queryset: QuerySet[Book], text: str, words: list[str]) -> QuerySet[Book]:
    isbn_match, isbn_exact = _isbn_condition(text)
    if not words:
        return _relevance(queryset.filter(isbn_match), isbn_exact, Value(0.0, output_field=FloatField()))
    every_word = Q()
    title_has_every_word = Q()
    for word in words:
        by_author = Book.authors.through.objects.filter(book_id=OuterRef("pk")).filter(
            Q(author__user__username__icontains=word)
            | Q(author__user__first_name__icontains=word)
            | Q(author__user__last_name__icontains=word)
        )
        every_word &= (
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(isbn__icontains=word)
            | Q(search_document__contains=word)  # catches Persian letter variants folded there
            | Exists(by_author)
        )
        title_has_every_word &= Q(title__icontains=word)
    rank = Case(When(title_has_every_word, then=Value(1.0)), default=Value(0.0), output_field=FloatField())
    return _relevance(queryset.filter(isbn_match | every_word), isbn_exact, rank)


def search_books(queryset: QuerySet[Book], text: str) -> QuerySet[Book]:
    """Books matching every word of `text` (or its ISBN): an exact ISBN first, then by `search_rank`.

    The rank is an alias, computed only when the queryset is ordered by it; a list of
    more than ``RANKED_HITS`` books is ordered by ``stable_search_order`` instead
    (catalog.selectors.book_page), so that no query ranks every hit of a common word.
    """
    text = text.strip()
    if not text:
        return queryset
    words = search_words(text)
    if connection.vendor == "postgresql":
        return _search_postgresql(queryset, text, words)
    return _search_fallback(queryset, text, words)


def stable_search_order(queryset: QuerySet[Book], text: str) -> QuerySet[Book]:
    """The search's hits without the rank: an exact ISBN first, then by title and id.

    The order the (title, id) index gives: a page of a common word's hits walks the index
    and stops after the page, instead of ranking all of them and sorting.
    """
    if isbn_forms(text.strip()):
        return queryset.order_by("-exact_isbn", "title", "id")
    return queryset.order_by("title", "id")


class IdFilter(django_filters.NumberFilter):
    """A whole-number id: 400 for anything else, such as 1.5 or a number no id can reach."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class OrderingTermsField(BaseCSVField):
    """The comma-separated fields of ``?ordering=``, refusing an empty one ("title,,id", ",")."""

    def clean(self, value):
        if value and "" in value:
            raise forms.ValidationError(
                _("A sort field is empty: separate the fields with single commas, such as -available_units,title."),
                code="invalid",
            )
        return super().clean(value)


class StableOrderingFilter(django_filters.OrderingFilter):
    """Order as asked, then by id, so that pages never repeat or skip a book.

    ``rating`` is R37's order (``RATING_ORDER``): implements R37's sort by rating.

    An empty term (``?ordering=,``, ``title,,id``, a trailing comma) answers 400 with
    ``errors.ordering`` (R26), as an unknown field or ``title, id`` does: it is a client's
    mistake, and guessing what was meant would hide it. The pattern in the OpenAPI schema
    (``catalog.apis.ORDERING_PATTERN``) refuses it too. An empty parameter (``?ordering=``)
    is no ordering at all, like every other empty filter.
    """

    base_field_class = OrderingTermsField

    def filter(self, queryset, value):
        if not value:
            return queryset
        ordering = []
        for param in value:
            ordering += RATING_ORDER.get(param) or [self.get_ordering_value(param)]
        return queryset.order_by(*ordering, "id")


class BookFilter(django_filters.FilterSet):
    """Query parameters of GET books/ (SPEC section 4)."""

    search = django_filters.CharFilter(
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        help_text=gettext_lazy("Words of the title, an author's name, the ISBN (hyphens optional) or the description."),
    )
    genre = django_filters.CharFilter(
        method="filter_genre", max_length=120, help_text=gettext_lazy("Genre id or slug.")
    )
    author = IdFilter(field_name="authors", help_text=gettext_lazy("Author id."))
    available = django_filters.ChoiceFilter(
        method="filter_available",
        choices=[("true", "true"), ("false", "false")],
        help_text=gettext_lazy("true: a unit is free now; false: none is."),
    )
    ordering = StableOrderingFilter(
        fields=ORDERING_FIELDS,
        help_text=gettext_lazy(
            "Sort field, '-' for descending; without it a search is ordered by relevance, else by title."
        ),
    )

    class Meta:
        model = Book
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        return search_books(queryset, value)

    def filter_genre(self, queryset, name, value):
        if value.isascii() and value.isdigit() and int(value) <= MAX_ID:
            return queryset.filter(Q(genre_id=int(value)) | Q(genre__slug=value))
        return queryset.filter(genre__slug=value)

    def filter_available(self, queryset, name, value):
        if value == "true":
            return queryset.filter(available_units__gt=0)
        return queryset.filter(available_units__lte=0)


__all__ = ["RANKED_HITS", "BookFilter", "search_books", "stable_search_order"]
