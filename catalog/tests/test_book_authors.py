"""A book's authors read with the book (catalog.book_authors, issue 15) behave as Django's prefetch.

``keep_authors`` leaves the authors where ``prefetch_related("authors")`` would, but makes
the related QuerySet only when something asks for it; these tests ask in every way Django
does (``all()``, ``filter()``, ``in``, ``get``, a second prefetch, ``add()``,
``refresh_from_db``) and compare the instances with those ``from_db`` makes.
"""

import pytest
from django.db import connection
from django.db.models import prefetch_related_objects, signals
from django.test.utils import CaptureQueriesContext

from accounts.models import Author, User
from accounts.tests.factories import AuthorFactory
from catalog.book_authors import shown_authors
from catalog.selectors import book_detail, book_page
from catalog.tests.factories import BookFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    return BookFactory(
        units=1, authors=[AuthorFactory(user__first_name="Simin"), AuthorFactory(user__first_name="Jalal")]
    )


def read(book, now, way):
    return book_detail(book_id=book.pk, now=now) if way == "detail" else book_page(number=1, now=now).books[0]


@pytest.mark.parametrize("way", ["detail", "page"])
def test_the_authors_are_read_with_the_book_and_asked_for_in_every_way_without_a_query(book, now, way):
    shown = read(book, now, way)
    expected = list(book.authors.select_related("user").order_by("pk"))
    with CaptureQueriesContext(connection) as queries:
        assert shown_authors(shown) == expected
        assert "authors" in shown._prefetched_objects_cache
        assert list(shown.authors.all()) == expected
        assert list(shown._prefetched_objects_cache.get("authors")) == expected
        prefetch_related_objects([shown], "authors")  # already there: Django asks nothing
        assert [author.user.first_name for author in shown.authors.all()] == [a.user.first_name for a in expected]
    assert len(queries) == 0
    # The QuerySet is the book's own: a filter on it asks for this book's authors only.
    other = BookFactory(authors=[AuthorFactory(user__first_name="Simin")])
    assert list(shown.authors.filter(user__first_name="Simin")) == [expected[0]]
    assert other.pk != shown.pk


@pytest.mark.parametrize("change", ["add", "refresh"])
def test_a_change_of_the_authors_drops_what_was_read(book, now, change):
    shown = read(book, now, "detail")
    added = AuthorFactory()
    if change == "add":
        shown.authors.add(added)  # Django pops the prefetched authors
    else:
        book.authors.add(added)
        shown.refresh_from_db(fields=["authors"])  # deletes them from the cache
    assert "authors" not in shown._prefetched_objects_cache
    with CaptureQueriesContext(connection) as queries:
        assert added in shown.authors.all()
        assert added in shown_authors(shown)
    assert len(queries) == 2  # read again, each time, as Django does with nothing prefetched


def test_a_new_cache_entry_replaces_the_authors_kept(book, now):
    shown = read(book, now, "detail")
    replacement = Author.objects.filter(pk=book.authors.first().pk)
    shown._prefetched_objects_cache["authors"] = replacement
    assert shown.authors.all() is replacement
    assert shown_authors(shown) == list(replacement)


def test_the_instances_are_those_from_db_would_make(book, now):
    """Django's own deferred instances: the shown fields in ``__dict__``, the rest read on use."""
    author = read(book, now, "detail").authors.all()[0]
    assert type(author) is Author and author._state.db == "default" and author._state.adding is False
    assert author.get_deferred_fields() == {"bio", "city_id", "goodreads_link", "bank_account_number"}
    shown = {"id", "first_name", "last_name", "username"}
    assert author.user.get_deferred_fields() == {field.attname for field in User._meta.concrete_fields} - shown
    assert author.user.author is author  # the one-to-one's reverse cache, as a select_related sets it
    author.bio = "Changed"
    author.save(update_fields=["bio"])
    assert Author.objects.get(pk=author.pk).bio == "Changed"


def test_a_model_someone_listens_to_on_init_is_made_through_from_db(book, now):
    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance.pk)

    signals.post_init.connect(listener, sender=User)
    try:
        shown = read(book, now, "detail")
    finally:
        signals.post_init.disconnect(listener, sender=User)
    users = [author.user for author in shown.authors.all()]
    assert seen == [user.pk for user in users]
    assert users[0].get_deferred_fields() >= {"email", "password"}
