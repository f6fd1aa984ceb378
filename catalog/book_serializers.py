"""How the catalog API writes a book (SPEC section 4, Representations), in lists and alone.

``books/{id}/`` adds ``expected_between`` (R31): when a unit should come to a new Plus and
a new Premium request, asked of lending through the catalog's port (``catalog.lending``).
"""

from datetime import datetime

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .book_authors import shown_authors
from .covers import thumbnail_url
from .lending import lending
from .models import Book

COVER_SCHEMA = serializers.DictField(
    child=serializers.CharField(), allow_null=True, help_text="Cover thumbnails' URLs (`card`, `page`); null: none."
)


class BookOutputSerializer(serializers.Serializer):
    """A book as every endpoint shows it (SPEC section 4, Representations).

    Render books from ``catalog.selectors`` (book_list, book_detail): they carry the
    availability annotations and the prefetched authors.
    """

    id = serializers.IntegerField()
    title = serializers.CharField()
    isbn = serializers.CharField(help_text="ISBN-10 or ISBN-13, without hyphens.")
    price = serializers.IntegerField(help_text="List price in toman.")
    genre = serializers.IntegerField(source="genre_id")
    genre_name = serializers.CharField(source="genre.name")
    authors = serializers.SerializerMethodField()
    author_names = serializers.SerializerMethodField()
    description = serializers.CharField()
    units = serializers.IntegerField(help_text="Copies the library owns.")
    available_units = serializers.IntegerField(help_text="Units free now (R9): not held by a running loan.")
    queue_length = serializers.IntegerField(help_text="Customers waiting in the queue (R12).")
    stock = serializers.IntegerField(help_text="Copies for sale at `price` (R34), apart from the lending units.")
    rating = serializers.SerializerMethodField()
    reviews_count = serializers.IntegerField(source="rating_count", help_text="Visible reviews (R37).")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    cover = serializers.SerializerMethodField()

    class Meta:
        ref_name = "Book"

    def to_representation(self, book: Book) -> dict:
        """The declared fields, in their order, written out instead of walked field by field (issue 15).

        DRF's generic walk deep-copies the 18 field objects for each serializer made and
        asks each for its attribute and representation: about half the CPU of a page of 20
        books or of one book. This writes what those fields write (``int``, ``str``, the
        same ISO 8601 datetimes in the current time zone, None where the value is None); a
        test compares it with DRF's walk for every declared field, so a field added above
        and not here fails it.
        """
        genre = book.genre
        zone = timezone.get_current_timezone()
        return {
            "id": book.pk,
            "title": book.title,
            "isbn": book.isbn,
            "price": book.price,
            "genre": book.genre_id,
            "genre_name": None if genre is None else genre.name,
            "authors": self.get_authors(book),
            "author_names": self.get_author_names(book),
            "description": book.description,
            "units": book.units,
            "available_units": book.available_units,
            "queue_length": book.queue_length,
            "stock": book.stock,
            "rating": self.get_rating(book),
            "reviews_count": book.rating_count,
            "created_at": represent_datetime(book.created_at, zone),
            "updated_at": represent_datetime(book.updated_at, zone),
            "cover": shown_cover(book.cover),
        }

    @extend_schema_field(
        serializers.FloatField(
            allow_null=True, help_text="Average of the visible reviews, one decimal; null: none (R37)."
        )
    )
    def get_rating(self, book: Book) -> float | None:
        return None if book.rating_average is None else round(book.rating_average, 1)

    @extend_schema_field(COVER_SCHEMA)
    def get_cover(self, book: Book) -> dict[str, str] | None:
        return shown_cover(book.cover)

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField(), help_text="Author ids."))
    def get_authors(self, book: Book) -> list[int]:
        return [author.pk for author in shown_authors(book)]

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), help_text="In the order of `authors`."))
    def get_author_names(self, book: Book) -> list[str]:
        return [author.display_name for author in shown_authors(book)]


RANGE_SCHEMA = serializers.ListField(
    child=serializers.DateTimeField(),
    min_length=2,
    max_length=2,
    allow_null=True,
    help_text="[earliest, latest]; null when the library owns no copy (R31).",
)


class ExpectedBetweenSerializer(serializers.Serializer):
    plus = RANGE_SCHEMA
    premium = RANGE_SCHEMA

    class Meta:
        ref_name = "ExpectedBetween"


class BookDetailOutputSerializer(BookOutputSerializer):
    """One book (``books/{id}/``): a book as every endpoint shows it, with the wait estimate (R31).

    Pass ``context={"now": ...}``, the moment its availability was read at.
    """

    expected_between = serializers.SerializerMethodField()

    class Meta:
        ref_name = "BookDetail"

    def to_representation(self, book: Book) -> dict:
        return {**super().to_representation(book), "expected_between": self.get_expected_between(book)}

    @extend_schema_field(
        ExpectedBetweenSerializer(
            allow_null=True,
            help_text="When a unit should come to a new Plus and Premium request; null while one is free (R31).",
        )
    )
    def get_expected_between(self, book: Book) -> dict[str, list[str] | None] | None:
        return represent_expected_between(book, book.available_units, self.context.get("now") or timezone.now())


def represent_expected_between(book: Book, available_units: int, now: datetime) -> dict[str, list[str] | None] | None:
    """``expected_between`` of `book` (its pk and units read) with `available_units` free at `now` (R31)."""
    if available_units > 0:  # read with the book: no need to ask lending
        return None
    ranges = lending().expected_between(book=book, now=now)
    if ranges is None:
        return None
    return {
        tier: None if span is None else [represent_datetime(moment) for moment in span] for tier, span in ranges.items()
    }


_DATETIME_FIELD = serializers.DateTimeField()


def shown_cover(cover) -> dict[str, str] | None:
    """A cover's thumbnails' URLs by alias (a FieldFile or its stored name), or None without one."""
    return {alias: thumbnail_url(cover, alias) for alias in ("card", "page")} if cover else None


def represent_datetime(moment: datetime | None, zone=None) -> str | None:
    """What DRF's DateTimeField writes (ISO 8601 in the current time zone, UTC as Z).

    Given the current time zone as `zone`, written here without asking for it per value.
    """
    if zone is None or moment is None or moment.tzinfo is None:
        return _DATETIME_FIELD.to_representation(moment)
    text = moment.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
