"""Factories for genres and books, with real ISBN-13 checksums."""

import factory
from stdnum import ean

from catalog.models import Book, Genre


def make_isbn13(n: int) -> str:
    """Return a valid ISBN-13 in the 978 range for serial number `n`."""
    body = f"978{n % 10**9:09d}"
    return body + ean.calc_check_digit(body)


class GenreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Genre
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Genre {n}")
    slug = factory.Sequence(lambda n: f"genre-{n}")


class BookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Book
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Book {n}")
    isbn = factory.Sequence(make_isbn13)
    price = 250_000
    genre = factory.SubFactory(GenreFactory)
    description = "A book."
    units = 1

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted:
            self.authors.set(extracted)
        else:
            from accounts.tests.factories import AuthorFactory

            self.authors.add(AuthorFactory())
        self.refresh_search_document()
