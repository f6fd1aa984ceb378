"""timestamptz values parsed by psycopg's C loader on Django's PostgreSQL connections (issue 15).

Django registers its own loader for ``timestamptz`` on every connection
(``django.db.backends.postgresql.psycopg_any.BaseTzLoader``): it subclasses psycopg's
pure-Python loader, so with ``psycopg[binary]`` installed every datetime read still goes
through Python's parsing (a known limitation: Django ticket #36960, psycopg issue #1273;
psycopg's compiled loader cannot be subclassed). A page of 20 books reads 46 of them,
the third of its row loading. This loader answers what Django's does, the value with its
``tzinfo`` replaced by the connection's time zone (UTC when ``USE_TZ``), but parses it
with the loader psycopg itself uses for ``timestamptz`` when nobody overrides it (the
compiled one where installed, found through the public ``AdaptersMap.get_loader``).
Django's ``create_cursor`` keeps it: it registers its own per cursor only when the
loader's ``timezone`` differs from the connection's.
"""

from functools import cache

import psycopg
from django.db.backends.signals import connection_created
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader

TIMESTAMPTZ_OID = psycopg.postgres.types["timestamptz"].oid


def _parser(oid: int, context):
    """psycopg's own loader for the type (compiled with psycopg[binary]), made for `context`."""
    return psycopg.adapters.get_loader(oid, Format.TEXT)(oid, context)


@cache
def loader_for(zone):
    """A ``timestamptz`` loader class answering in `zone` as Django's ``register_tzloader`` does."""

    class CompiledTzLoader(TimestamptzLoader):
        timezone = zone

        def __init__(self, oid: int, context=None) -> None:
            super().__init__(oid, context)
            self._parse = _parser(oid, context).load

        def load(self, data):
            return self._parse(data).replace(tzinfo=self.timezone)

    return CompiledTzLoader


def use_compiled_tz_loader(sender, connection, **kwargs) -> None:
    """On each new PostgreSQL connection: the compiled parse in place of Django's Python one."""
    if connection.vendor != "postgresql":
        return
    adapters = connection.connection.adapters
    current = adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    if getattr(current, "timezone", None) is not connection.timezone or not issubclass(current, TimestamptzLoader):
        return  # not the loader Django registers for this connection: leave it alone
    adapters.register_loader("timestamptz", loader_for(connection.timezone))


def connect() -> None:
    connection_created.connect(use_compiled_tz_loader, dispatch_uid="core.datetimes")
