"""The book list's pages and counts in the shared cache, and what makes them stale.

Pages and counts are kept under the catalog's versions (``core.versioned_cache``):
``invalidate_catalog_cache`` is called inside every transaction that changes what a
list shows (a book's fields, units, loans, queue or search document: ``Book``'s own
writes and the reservation services call it), and the versions are renewed when it
commits, so the next request reads the database again. A cached page is also rebuilt
when time alone changes it: a loan whose end has come frees its unit at once (R16), so
a page keeps until the first loan of its books ends (``page_fresh_until`` in
``catalog.selectors``; ``CATALOG_CACHE_SECONDS`` for lists chosen or ordered by
availability); one request rebuilds it while the others get the previous page for that
moment.
"""

import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache

from core.versioned_cache import CacheVersion, bump_for_own_reads, read, stale_at_commit, store

logger = logging.getLogger(__name__)

# Every list page and every count of a filtered or searched list.
CATALOG_PAGES = CacheVersion("catalog:version")
# The count of the unfiltered list: renewed only when books are added or deleted.
CATALOG_COUNT = CacheVersion("catalog:count-version")
CATALOG_CACHE_SECONDS = 10
WHOLE_CATALOG_COUNT_SECONDS = 24 * 60 * 60


def catalog_cache_on() -> bool:
    """Whether book list pages and filtered counts use the cache (settings.CATALOG_CACHE).

    Off (``CATALOG_CACHE=off``, for make bench's cache-bypassed rows), every page and the
    count of every filtered or searched list are built from the database on every request,
    neither read from nor written to the cache. The whole catalog's count is still kept: it
    changes only when books are added or withdrawn, so a real cache miss finds it too.
    """
    return settings.CATALOG_CACHE


def invalidate_catalog_cache(*, books_added_or_deleted: bool = False) -> None:
    """Cached book lists go stale when the current transaction commits (and their count, if books came or went)."""
    if books_added_or_deleted:
        stale_at_commit(CATALOG_PAGES, CATALOG_COUNT)
    else:
        stale_at_commit(CATALOG_PAGES)


def cache_key(prefix: str, params: Mapping[str, str] | object, extra: str = "") -> str:
    items = sorted(params.lists()) if hasattr(params, "lists") else sorted(params.items())
    digest = hashlib.sha256(f"{extra}?{urlencode(items, doseq=True)}".encode()).hexdigest()[:32]
    return f"catalog:{prefix}:{digest}"


def cached_book_page(params: Mapping[str, str], build: Callable[[], tuple[dict, datetime]], *, where: str = "") -> dict:
    """The book list page for `params`, from the cache or made by `build()` and cached.

    `build` returns the page and the moment time alone makes it stale (``page_fresh_until``).
    `where` names what else the page depends on (the scheme and host of its next/previous links).
    """
    if not catalog_cache_on():
        return build()[0]
    bump_for_own_reads()
    key = cache_key("page", params, where)
    try:
        stamp, entry = read(CATALOG_PAGES, key)
    except Exception:
        logger.exception("The cache does not answer: building the book list page")
        return build()[0]
    now = time.time()
    if entry is not None:
        fresh_until, page = entry
        # Past its time, one request rebuilds the page while the others keep the old one
        # for the moment that takes, rather than all rebuilding it at once.
        if now < fresh_until or not cache.add(f"{key}:rebuilding", 1, timeout=5):
            return page
    page, fresh_until = build()
    lifetime = max(fresh_until.timestamp() - now, 0)
    store(key, stamp, (now + lifetime, page), lifetime + CATALOG_CACHE_SECONDS)
    cache.delete(f"{key}:rebuilding")
    return page


def cached_count(selecting: Mapping[str, str], count: Callable[[], int]) -> int:
    """The count of the list chosen by `selecting` (its filters and search), or ``count()`` cached.

    The whole catalog's count (nothing selecting) is kept until books are added or
    deleted, even with the cache off; any other list's count as long as its pages.
    """
    bump_for_own_reads()
    if selecting:
        if not catalog_cache_on():
            return count()
        version, timeout = CATALOG_PAGES, CATALOG_CACHE_SECONDS
    else:
        version, timeout = CATALOG_COUNT, WHOLE_CATALOG_COUNT_SECONDS
    key = cache_key("count", selecting)
    try:
        stamp, found = read(version, key)
    except Exception:
        logger.exception("The cache does not answer: counting the book list")
        return count()
    if found is None:
        found = count()
        store(key, stamp, found, timeout)
    return found
