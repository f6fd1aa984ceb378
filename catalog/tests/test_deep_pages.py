"""Deep pages of the book list (issue 15, item 2): page-number URLs, a deferred join underneath.

SPEC section 4 keeps ``?page=`` and ``?page_size=``; the page query reads only the page's
ids (walking the ``(title, id)`` index of the books in the catalog, R28) and then reads and
annotates those rows alone: availability (R9, R16) and queue length (R12) are never
computed for the rows a deep page skips.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.selectors import book_page
from catalog.tests.factories import BookFactory
from reservations.services import reserve

pytestmark = pytest.mark.django_db

BOOKS = reverse("api:book-list")


@pytest.fixture
def shelf():
    """Seven books whose titles sort in another order than their ids, two with the same title."""
    titles = ["Gamma", "Alpha", "Beta", "Delta", "Beta", "Epsilon", "Zeta"]
    return [BookFactory(title=title, units=2) for title in titles]


def in_list_order(books) -> list[int]:
    return [book.pk for book in sorted(books, key=lambda book: (book.title, book.pk))]


def test_every_page_in_turn_holds_each_book_once_in_title_order(api_client, shelf):
    seen, url = [], f"{BOOKS}?page_size=3"
    while url:
        body = api_client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == in_list_order(shelf)


def test_links_and_the_end_of_the_list(api_client, shelf):
    second = api_client.get(BOOKS, {"page_size": 3, "page": 2}).json()
    assert second["count"] == 7
    assert second["previous"].endswith("?page_size=3")  # page 1 has no page parameter, as DRF's
    assert "page=3" in second["next"]
    last = api_client.get(BOOKS, {"page_size": 3, "page": 3}).json()
    assert len(last["results"]) == 1 and last["next"] is None
    assert api_client.get(BOOKS, {"page_size": 3, "page": 4}).status_code == 404


@pytest.mark.parametrize("page", ["0", "-1", "abc", "2.5", "last", str(10**30)])
def test_a_page_number_that_is_none_is_404_R26(api_client, shelf, page):
    response = api_client.get(BOOKS, {"page": page})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_empty_catalog_has_an_empty_first_page(api_client):
    body = api_client.get(BOOKS).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}


def test_availability_is_computed_for_the_page_rows_only_R9_R12(shelf, make_customer, now):
    reserve(customer=make_customer("plus", balance=50_000), book=shelf[5], days=2, now=now)  # Epsilon, page 2
    with CaptureQueriesContext(connection) as captured:
        page = book_page(number=2, size=3, now=now)
    assert [book.pk for book in page.books] == in_list_order(shelf)[3:6]
    epsilon = next(book for book in page.books if book.pk == shelf[5].pk)
    assert (epsilon.available_units, epsilon.queue_length) == (1, 0)
    page_queries = [query["sql"] for query in captured.captured_queries if "catalog_book" in query["sql"]]
    ids_query = next(sql for sql in page_queries if "LIMIT 4 OFFSET 3" in sql)
    assert "reservations_reservation" not in ids_query  # the skipped rows are not annotated
    annotated = next(sql for sql in page_queries if "reservations_reservation" in sql)
    assert "LIMIT" not in annotated.split("FROM", 1)[0] and " IN (" in annotated
    assert all(str(book.pk) in annotated for book in page.books)


def test_filtering_by_availability_still_reads_availability_where_it_chooses_R9(api_client, shelf, make_customer):
    only = BookFactory(title="Only copy", units=1)
    reserve(customer=make_customer("plus", balance=50_000), book=only, days=2)
    body = api_client.get(BOOKS, {"available": "false"}).json()
    assert [row["id"] for row in body["results"]] == [only.pk] and body["count"] == 1


def test_the_html_catalog_pages_use_the_same_pages(client, shelf):
    html = client.get("/", {"page": "1"}).content.decode()
    assert "Page 1 of 1" not in html  # 12 a page: one page, no pager
    assert "7 books" in html
    assert client.get("/", {"page": "999"}).status_code == 200  # past the end: the last page, as Paginator.get_page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's")
def test_the_page_ids_come_from_the_listed_title_index_only(shelf):
    """The deep page walks the partial (title, id) index, not the table (an index-only scan)."""
    from catalog.filters import BookFilter
    from catalog.models import Book

    ids = BookFilter({}, queryset=Book.objects.in_catalog()).qs.values_list("pk", flat=True)[3:6]
    sql, params = ids.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE catalog_book") if not connection.in_atomic_block else None
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "catalog_book_listed_title_idx" in plan and "Sort" not in plan


@pytest.mark.parametrize("size", [5, 12, 13, 60, 150])
def test_a_page_shows_what_the_plain_list_shows_whatever_its_size_R9_R12(make_customer, now, size):
    """The compiled page queries (one per IN-list length) answer as the ORM's list does."""
    from catalog.apis import BookOutputSerializer
    from catalog.selectors import book_list

    books = BookFactory.create_batch(105, units=1)
    reserve(customer=make_customer("plus", balance=50_000), book=books[0], days=2, now=now)
    reserve(customer=make_customer("plus", balance=50_000), book=books[0], days=2, now=now)  # queued
    page = book_page(number=1, size=size, now=now)
    expected = BookOutputSerializer(book_list(now=now)[:size], many=True).data
    assert BookOutputSerializer(page.books, many=True).data == expected
    assert page.has_next is (size < 105)


def order_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM catalog_order_version WHERE id = 1")
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the seek is PostgreSQL's (migration 0006)")
class TestSeek:
    @pytest.fixture(autouse=True)
    def small_stride(self, monkeypatch):
        from catalog import listing

        monkeypatch.setattr(listing, "LIST_SEEK_STRIDE", 2)
        monkeypatch.setattr(listing, "_seek_marks", {"version": None, "marks": []})
        monkeypatch.setattr(listing, "_catalog_count", {"version": None, "count": None})

    @staticmethod
    def walk(size: int) -> list[int]:
        ids, number = [], 1
        while True:
            page = book_page(number=number, size=size)
            ids += [book.pk for book in page.books]
            if not page.has_next:
                return ids
            number += 1

    @pytest.mark.parametrize("size", [1, 2, 3])
    def test_deep_pages_seek_from_the_marks_and_hold_each_book_once(self, shelf, size):
        assert self.walk(size) == in_list_order(shelf)

    def test_a_title_change_a_new_book_and_a_withdrawal_move_the_marks_R28(self, shelf, now):
        from catalog.models import Book

        assert self.walk(2) == in_list_order(shelf)  # the marks are read
        shelf[0].title = "Aaa first now"
        shelf[0].save()  # a full save, as the admin site's
        added = BookFactory(title="Cc")
        Book.objects.filter(pk=shelf[6].pk).update(withdrawn_at=now)
        listed = [book for book in [*shelf[:6], added]]
        assert self.walk(2) == in_list_order(listed)

    def test_only_changes_of_the_order_move_its_version(self, shelf, make_customer, now):
        from catalog.models import Book

        before = order_version()
        reserve(customer=make_customer("plus", balance=50_000), book=shelf[1], days=2, now=now)  # units on loan
        Book.objects.filter(pk=shelf[1].pk).update(price=1, search_document="x")
        assert order_version() == before
        Book.objects.filter(pk=shelf[1].pk).update(title="Renamed")
        assert order_version() == before + 1
        BookFactory()
        assert order_version() > before + 1

    @pytest.mark.django_db(transaction=True)  # kept only when read outside a transaction
    def test_the_count_is_read_with_the_order_version_and_kept_while_it_stands(self, shelf, make_customer, now):
        from catalog import listing
        from catalog.models import Book

        with CaptureQueriesContext(connection) as first:
            page = book_page(number=2, size=2)
        assert page.count == 7 and [book.pk for book in page.books] == in_list_order(shelf)[2:4]
        assert any("count(*)" in query["sql"] for query in first.captured_queries)
        reserve(customer=make_customer("plus", balance=50_000), book=shelf[1], days=2, now=now)  # not the order
        with CaptureQueriesContext(connection) as kept:
            assert book_page(number=3, size=2).count == 7
        # The page's ids with the version, then its rows: no count, no marks read again.
        assert len(kept.captured_queries) == 2
        assert "catalog_order_version" in kept.captured_queries[0]["sql"]
        Book.objects.filter(pk=shelf[0].pk).update(withdrawn_at=now)  # R28: the version moves
        assert book_page(number=1, size=2).count == 6
        BookFactory(title="Aardvark")
        page = book_page(number=1, size=2)
        assert page.count == 7 and page.books[0].title == "Aardvark"
        assert listing._catalog_count["version"] == order_version()

    def test_nothing_read_inside_a_transaction_is_kept(self, shelf):
        """A test's transaction rolls back its versions: the marks are read, not kept; the count is the cache's."""
        from catalog import listing

        before = dict(listing._catalog_count)
        assert book_page(number=3, size=2).count == 7
        assert listing._catalog_count == before and listing._seek_marks["version"] is None

    @pytest.mark.django_db(transaction=True)
    def test_a_page_read_after_the_order_moved_seeks_from_new_marks(self, shelf):
        from catalog import listing
        from catalog.models import Book

        assert self.walk(2) == in_list_order(shelf)  # the marks are read
        marks = listing._seek_marks["marks"]
        Book.objects.filter(pk=shelf[1].pk).update(title="Zzz last now")  # Alpha moves to the end
        moved = in_list_order(Book.objects.all())
        assert [book.pk for book in book_page(number=2, size=2).books] == moved[2:4]
        assert listing._seek_marks["marks"] != marks and listing._seek_marks["version"][0] == order_version()
