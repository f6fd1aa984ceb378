"""timestamptz values read on PostgreSQL are Django's, parsed by psycopg's compiled loader (issue 15)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.pq import Format

from core.datetimes import TIMESTAMPTZ_OID

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's loaders"),
]

TEXTS = {
    "2026-12-07 23:00:13.130699+00": datetime(2026, 12, 7, 23, 0, 13, 130699, tzinfo=UTC),
    "2026-12-07 23:00:13+00": datetime(2026, 12, 7, 23, 0, 13, tzinfo=UTC),
    "2026-03-21 02:30:00.5+03:30": datetime(2026, 3, 20, 23, 0, 0, 500000, tzinfo=UTC),
    "0001-01-01 00:00:00+00": datetime(1, 1, 1, tzinfo=UTC),
    "9999-12-31 23:59:59.999999+00": datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
}


def test_read_datetimes_are_aware_in_utc_as_djangos_loader_gives_them():
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(["%s::timestamptz"] * len(TEXTS)), list(TEXTS))
        row = cursor.fetchone()
    assert list(row) == list(TEXTS.values())
    assert all(value.tzinfo is UTC for value in row)  # what Django's loader sets


def test_the_loader_parses_what_djangos_parses(make_book):
    """Every value of a row the ORM reads, with the compiled parse and with Django's own."""
    book = make_book()
    connection.ensure_connection()
    ours = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    assert issubclass(ours, BaseTzLoader.__mro__[1]) and ours.timezone is connection.timezone
    assert ours.__module__ == "core.datetimes"

    class Djangos(BaseTzLoader):
        timezone = connection.timezone

    with connection.cursor() as cursor:
        cursor.execute("SELECT created_at::text, updated_at::text FROM catalog_book WHERE id = %s", [book.pk])
        texts = cursor.fetchone()
    for text in [*texts, *TEXTS]:
        data = text.encode()
        mine = ours(TIMESTAMPTZ_OID, connection.connection).load(data)
        theirs = Djangos(TIMESTAMPTZ_OID, connection.connection).load(data)
        assert (mine, mine.tzinfo) == (theirs, theirs.tzinfo)
    book.refresh_from_db()
    assert book.created_at <= book.updated_at < datetime.now(UTC) + timedelta(seconds=1)
