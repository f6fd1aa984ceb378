"""Versions that commits renew (core.versioned_cache), on the shared cache make test uses."""

import pytest
from django.core.cache import cache
from django.db import connection, transaction

from core.versioned_cache import CacheVersion, _BumpAtCommit, bump_for_own_reads, read, stale_at_commit, store

pytestmark = pytest.mark.django_db(transaction=True)

PAGES, COUNT = CacheVersion("test:pages"), CacheVersion("test:count")


def pending() -> list[frozenset]:
    return [callback.versions for _, callback, _ in connection.run_on_commit if isinstance(callback, _BumpAtCommit)]


def test_django_keeps_on_commit_callbacks_as_savepoints_callback_robust_tuples():
    """The module reads ``connection.run_on_commit``: fails if Django changes its entries' shape."""
    with transaction.atomic():
        transaction.on_commit(print, robust=True)
        [(savepoints, callback, robust)] = connection.run_on_commit
        assert (savepoints, callback, robust) == (set(), print, True)


def test_a_transaction_renews_once_at_commit_however_many_changes_it_makes():
    before = cache.get(PAGES.key)
    with transaction.atomic():
        for _ in range(3):
            stale_at_commit(PAGES)
        assert pending() == [frozenset({PAGES})]
        assert cache.get(PAGES.key) == before
    assert cache.get(PAGES.key) != before


def test_a_rolled_back_transaction_renews_nothing():
    before = cache.get(PAGES.key)
    with pytest.raises(RuntimeError), transaction.atomic():
        stale_at_commit(PAGES)
        raise RuntimeError
    assert cache.get(PAGES.key) == before


def test_a_wider_bump_covers_a_narrower_one_but_not_the_reverse():
    with transaction.atomic():
        stale_at_commit(PAGES)
        stale_at_commit(PAGES, COUNT)  # the count too: a second bump
        stale_at_commit(COUNT)  # covered by the second
        assert pending() == [frozenset({PAGES}), frozenset({PAGES, COUNT})]


def test_a_bump_made_outside_a_savepoint_covers_changes_inside_it():
    with transaction.atomic():
        stale_at_commit(PAGES)
        with transaction.atomic():
            stale_at_commit(PAGES)
        assert pending() == [frozenset({PAGES})]


def test_a_bump_made_inside_a_savepoint_goes_with_its_rollback_and_a_later_change_makes_a_new_one():
    with transaction.atomic():
        try:
            with transaction.atomic():
                stale_at_commit(PAGES)
                raise RuntimeError
        except RuntimeError:
            pass
        assert pending() == []
        stale_at_commit(PAGES)
        assert pending() == [frozenset({PAGES})]


def test_own_reads_see_the_transactions_change_and_bump_again_only_after_a_new_one():
    with transaction.atomic():
        stale_at_commit(PAGES)
        before = cache.get(PAGES.key)
        bump_for_own_reads()
        renewed = cache.get(PAGES.key)
        assert renewed != before
        bump_for_own_reads()  # nothing changed since
        assert cache.get(PAGES.key) == renewed
        stale_at_commit(PAGES)
        bump_for_own_reads()
        assert cache.get(PAGES.key) != renewed


def test_a_value_is_read_back_only_under_the_stamp_it_was_stored_with():
    stamp, value = read(PAGES, "test:value")
    assert value is None
    store("test:value", stamp, "page", 60)
    assert read(PAGES, "test:value") == (stamp, "page")
    stale_at_commit(PAGES)  # outside a transaction: at once
    assert read(PAGES, "test:value")[1] is None
