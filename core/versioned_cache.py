"""Values in the shared cache (Redis in production) kept under versions that commits renew.

A *version* is a key of the shared cache holding a stamp. A cached value is stored with
the stamp it was made under (``store``) and read back with the stamp in force in one
round trip (``read``): a value made under an older stamp is no value at all. Code that
changes the data behind cached values calls ``stale_at_commit`` inside its transaction,
and the stamp is renewed when the transaction commits, once however many changes it
made. The stamp is read before the database, so a value built from data older than a
commit is only ever stored under the stamp that commit leaves behind.

A transaction's own reads of the cache call ``bump_for_own_reads`` first, so that they
never get a value made before their transaction's change; a transaction that changes and
never reads costs one bump at commit. A cache that does not answer never fails the
change that bumps it: the failure is logged, and cached values carry their own timeout.

The pending bumps live in Django's list of on-commit callbacks: this module reads that
list (``connection.run_on_commit``, whose entries are ``(savepoint ids, callback,
robust)`` tuples in Django 5.2; ``core/tests/test_versioned_cache.py`` fails if their
shape changes) to find a bump already waiting, rather than keeping a second list that a
rollback to a savepoint would leave wrong.
"""

import logging
import time
from dataclasses import dataclass

from django.core.cache import cache, caches
from django.core.cache.backends.db import BaseDatabaseCache
from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CacheVersion:
    """A version stamp under `key` in the default cache."""

    key: str


def bump_now(*versions: CacheVersion) -> None:
    """Renew the stamps of `versions` now: whatever was cached under them is stale."""
    stamp = time.time_ns()  # never reused, even if the cache lost the key meanwhile

    def write() -> None:
        if len(versions) == 1:  # a plain SET, not django-redis's pipeline of set_many
            cache.set(versions[0].key, stamp, timeout=None)
        else:
            cache.set_many({version.key: stamp for version in versions}, timeout=None)

    try:
        if isinstance(caches["default"], BaseDatabaseCache):
            # The embedded default keeps the cache in the database: in a savepoint, so a
            # failure there cannot abort the caller's transaction.
            with transaction.atomic():
                write()
        else:
            write()
    except Exception:
        logger.exception("Could not renew the cache versions %s", [version.key for version in versions])


class _BumpAtCommit:
    """The bump that one transaction's ``stale_at_commit`` calls leave for its commit.

    `unread` says whether the transaction changed the data since it last bumped the
    versions for its own reads (``bump_for_own_reads``).
    """

    def __init__(self, versions: frozenset[CacheVersion]):
        self.versions = versions
        self.unread = True

    def __call__(self) -> None:
        bump_now(*sorted(self.versions, key=lambda version: version.key))


def _pending_bumps(connection) -> list[tuple[set, _BumpAtCommit]]:
    """This transaction's bumps waiting for its commit, with the savepoints each belongs to."""
    return [
        (savepoints, callback)
        for savepoints, callback, _robust in connection.run_on_commit
        if isinstance(callback, _BumpAtCommit)
    ]


def stale_at_commit(*versions: CacheVersion) -> None:
    """Renew `versions` when the current transaction commits (now, outside a transaction).

    Call it inside the transaction that changes the data behind them. A bump already
    waiting that covers these versions, registered outside every savepoint still open,
    runs at commit whatever part of the transaction rolls back, and so does this change:
    it is reused, and the transaction's commit costs one bump.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        bump_now(*versions)
        return
    wanted = frozenset(versions)
    open_savepoints = set(connection.savepoint_ids)
    for savepoints, pending in _pending_bumps(connection):
        if savepoints <= open_savepoints and wanted <= pending.versions:
            pending.unread = True
            return
    transaction.on_commit(_BumpAtCommit(wanted), robust=True)


def bump_for_own_reads() -> None:
    """Renew now the versions this transaction made stale since its last read of the cache."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return
    unread = [pending for _savepoints, pending in _pending_bumps(connection) if pending.unread]
    if unread:
        versions = set().union(*(pending.versions for pending in unread))
        bump_now(*sorted(versions, key=lambda version: version.key))
        for pending in unread:
            pending.unread = False


def read(version: CacheVersion, key: str) -> tuple[object, object | None]:
    """The stamp of `version`, and the value at `key` if it was stored under that stamp.

    One round trip for both. Raises what the cache raises: the caller decides what a
    cache that does not answer means.
    """
    found = cache.get_many([version.key, key])
    stamp = found.get(version.key, 0)
    entry = found.get(key)
    return stamp, (entry[1] if entry is not None and entry[0] == stamp else None)


def store(key: str, stamp: object, value: object, timeout: float) -> None:
    """Keep `value` at `key` under the `stamp` that ``read`` returned before it was built."""
    cache.set(key, (stamp, value), timeout)
