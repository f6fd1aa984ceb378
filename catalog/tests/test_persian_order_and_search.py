"""Persian first (R40): titles in the Persian alphabet before Latin, and search that finds
what people type (a word with or without its zero-width non-joiner, Arabic letter forms)."""

import sqlite3

import pytest
from django.db import connection
from django.urls import reverse

from catalog.collation import TITLE_COLLATION, compare_titles, register_sqlite_collation, title_sort_key
from catalog.models import normalize_search_text
from catalog.services import create_book
from catalog.tests.factories import GenreFactory, make_isbn13

pytestmark = pytest.mark.django_db

BOOKS = reverse("api:book-list")
# In the order ICU's Persian collation gives: Arabic script first, in the Persian alphabet
# (آ, ب, پ, چ, ز, ژ, ک, گ), then Latin in any case.
IN_ORDER = ["آینه", "باغ", "پدر", "چراغ", "زمین", "ژاله", "کتاب", "گل", "apple", "Banana", "zebra"]


@pytest.fixture
def add_book(author):
    serial = iter(range(900_000, 999_999))
    genre = GenreFactory(name="Novel", slug="novel")

    def _add(title: str, description: str = ""):
        return create_book(
            by=author.user,
            title=title,
            isbn=make_isbn13(next(serial)),
            price=100_000,
            genre=genre,
            units=1,
            description=description,
        )

    return _add


@pytest.fixture
def author():
    from accounts.tests.factories import AuthorFactory

    return AuthorFactory()


def titles(api_client, **params) -> list[str]:
    return [row["title"] for row in api_client.get(BOOKS, {"page_size": 50, **params}).json()["results"]]


def test_the_joiner_and_arabic_letter_forms_fold_away():
    assert normalize_search_text("چراغ\u200cها") == normalize_search_text("چراغها") == "چراغها"
    assert normalize_search_text("كتابة") == "کتابه"
    assert normalize_search_text("أإٱؤ") == "اااو"
    assert normalize_search_text("مُسْتَ") == "مست"
    assert normalize_search_text("۹۷۸٠") == "9780"


@pytest.mark.parametrize("typed", ["چراغها", "چراغ\u200cها", "چراغ", "چراغ ها"])
def test_a_title_with_a_joiner_is_found_typed_without_it_and_with_it(api_client, add_book, typed):
    wanted = add_book("چراغ\u200cها را من خاموش می‌کنم")
    add_book("باغ")
    found = api_client.get(BOOKS, {"search": typed}).json()["results"]
    assert [row["id"] for row in found] == [wanted.pk]


def test_a_title_typed_with_the_arabic_kaf_and_yeh_is_found(api_client, add_book):
    wanted = add_book("کلیدر")
    assert [row["id"] for row in api_client.get(BOOKS, {"search": "كليدر"}).json()["results"]] == [wanted.pk]


def test_the_list_and_ordering_title_put_persian_titles_first_in_alphabet_order(api_client, add_book):
    for title in reversed(IN_ORDER):
        add_book(title)
    if connection.vendor == "postgresql":
        assert titles(api_client) == IN_ORDER
        assert titles(api_client, ordering="title") == IN_ORDER
        assert titles(api_client, ordering="-title") == IN_ORDER[::-1]
    else:  # the fallback collation: Latin by case-folded letters, Persian the same
        assert titles(api_client) == sorted(IN_ORDER, key=title_sort_key)


def test_the_catalog_page_lists_persian_titles_first(client, add_book):
    for title in reversed(IN_ORDER):
        add_book(title)
    page = client.get(reverse("catalog")).content.decode()
    positions = [page.index(title) for title in IN_ORDER]
    assert positions == sorted(positions)


def test_the_sqlite_fallback_orders_like_icu():
    assert sorted(reversed(IN_ORDER), key=title_sort_key) == IN_ORDER
    assert compare_titles("كتاب", "کتاب") != 0  # a total order: the same rank, told apart by the text
    assert compare_titles("گل", "گل") == 0


def test_each_sqlite_connection_gets_the_collation_by_name():
    raw = sqlite3.connect(":memory:")

    class Wrapper:
        vendor = "sqlite"
        connection = raw

    register_sqlite_collation(sender=None, connection=Wrapper())
    raw.execute("CREATE TABLE t (title TEXT COLLATE persian)")
    raw.executemany("INSERT INTO t VALUES (?)", [(title,) for title in reversed(IN_ORDER)])
    assert TITLE_COLLATION == "persian"
    assert [row[0] for row in raw.execute("SELECT title FROM t ORDER BY title")] == IN_ORDER
