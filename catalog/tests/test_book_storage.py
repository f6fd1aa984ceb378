"""How catalog_book is stored on PostgreSQL (issue 15, migration 0014): room for HOT updates."""

import pytest
from django.db import connection

from catalog.tests.factories import BookFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL storage parameter"),
]


def test_each_page_keeps_room_for_new_row_versions():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE oid = 'catalog_book'::regclass")
        (options,) = cursor.fetchone()
    assert "fillfactor=85" in (options or [])


def test_a_loan_rewrites_the_book_row_without_new_index_entries(make_customer, now):
    """The update of units_on_loan is HOT: no entry in the search vector's GIN index or any other.

    It holds while no index covers a column a loan writes (and the page has room, which the
    fillfactor keeps at 100,000 books; a test database's pages always have it).
    """
    from reservations.services import reserve

    book = BookFactory(units=2)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_updated(%s::regclass), pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
            ["catalog_book", "catalog_book"],
        )
        updated_before, hot_before = cursor.fetchone()
        reserve(customer=make_customer("plus", balance=50_000), book=book, days=2, now=now)
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_updated(%s::regclass), pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
            ["catalog_book", "catalog_book"],
        )
        updated, hot = cursor.fetchone()
    assert updated > updated_before and hot - hot_before == updated - updated_before
