"""settings.CATALOG_CACHE: off, the book list is built from the database on every request.

make bench starts a second gunicorn with ``CATALOG_CACHE=off`` to measure what a cache miss
costs on every request, not only on the first one after a flush (issue 15). Off, no page
and no count of a filtered or searched list is read from or written to the cache; the
whole catalog's count is still kept (it changes only when books are added or withdrawn).
Default on.
"""

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import cache as cache_module
from core import versioned_cache

pytestmark = pytest.mark.django_db

BOOKS = reverse("api:book-list")
BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def cache_spy(monkeypatch):
    """The catalog's cache, with every call recorded: keys_used(prefix) lists the keys."""
    spy = mock.Mock(wraps=cache_module.cache)
    monkeypatch.setattr(cache_module, "cache", spy)
    monkeypatch.setattr(versioned_cache, "cache", spy)

    def keys_used(prefix: str) -> list[str]:
        keys = []
        for call in spy.method_calls:
            first = call.args[0] if call.args else None
            for key in first if isinstance(first, list | tuple) else [first]:
                if isinstance(key, str) and key.startswith(prefix):
                    keys.append(key)
        return keys

    spy.keys_used = keys_used
    return spy


def get(client, **params) -> tuple[int, dict]:
    """The list's body and the database queries it took (the cache's too, on the database backend)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(BOOKS, params)
    assert response.status_code == 200
    return len(queries), response.json()


def test_the_cache_is_on_by_default(settings):
    assert settings.CATALOG_CACHE is True
    assert cache_module.catalog_cache_on()


@pytest.mark.parametrize(("value", "expected"), [("off", False), ("false", False), ("on", True), (None, True)])
def test_the_environment_sets_it_at_startup(value, expected):
    """CATALOG_CACHE=off in the environment turns it off; unset, it is on."""
    env = {key: val for key, val in os.environ.items() if key != "CATALOG_CACHE"}
    if value is not None:
        env["CATALOG_CACHE"] = value
    out = subprocess.run(
        [sys.executable, "-c", "import bookstore.settings as s; print(s.CATALOG_CACHE)"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == str(expected)


def test_on_a_repeated_page_comes_from_the_cache(client, make_book, cache_spy):
    make_book(units=2)
    built, body = get(client)
    served, again = get(client)
    assert again == body
    assert served < built  # only the cache's own query, if any
    assert cache_spy.keys_used("catalog:page")


def test_off_every_page_and_search_is_built_and_never_cached(client, make_book, settings, cache_spy):
    settings.CATALOG_CACHE = False
    book = make_book(units=2, title="Silent river")
    make_book(units=1, title="Golden mirror")
    get(client)  # counts the whole catalog, once
    built, body = get(client)
    built_again, body_again = get(client)
    assert built_again == built > 0
    assert body_again == body
    searched, found = get(client, search="silent")
    searched_again, _ = get(client, search="silent")
    assert searched_again == searched > 0
    assert [row["id"] for row in found["results"]] == [book.pk]
    assert cache_spy.keys_used("catalog:page") == []
    # The count of a search is not cached; the whole catalog's is (once per books added).
    assert len(set(cache_spy.keys_used("catalog:count:"))) == 1


def test_off_a_change_shows_at_once_and_on_again_pages_are_cached(client, make_book, settings):
    settings.CATALOG_CACHE = False
    book = make_book(units=1, title="Old title")
    assert get(client)[1]["results"][0]["title"] == "Old title"
    book.title = "New title"
    book.save()
    assert get(client)[1]["results"][0]["title"] == "New title"
    settings.CATALOG_CACHE = True
    built, _ = get(client)
    served, body = get(client)
    assert served < built
    assert body["results"][0]["title"] == "New title"
