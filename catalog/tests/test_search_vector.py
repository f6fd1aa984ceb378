"""Search on the stored vector (issue 15, item 1): kept by a trigger, bounded rank and count.

SPEC section 4 (``books/?search=``) and R40 (Persian folding) say what search finds; these
say how it stays fast at 100,000 books: ``Book.search_vector`` is derived by migration
0005's trigger from every write of the search document, whoever writes it; a search of
more than ``RANKED_HITS`` books is not ranked but comes by title; ``count`` is exact up to
``COUNT_EXACT_UP_TO`` and for the whole catalog, else an estimate (never below the cap).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import AuthorFactory
from catalog import counts, selectors, word_search
from catalog.filters import search_books
from catalog.models import SEARCH_SECTION_SEPARATOR, Book, compose_search_document, normalize_search_text
from catalog.selectors import book_page
from catalog.services import create_book, update_book
from catalog.tests.factories import BookFactory, GenreFactory, make_isbn13

pytestmark = pytest.mark.django_db

BOOKS = reverse("api:book-list")
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the vector is PostgreSQL's")


@pytest.fixture
def author():
    return AuthorFactory(user__username="hedayat", user__first_name="Sadegh", user__last_name="Hedayat")


@pytest.fixture
def add_book(author):
    serial = iter(range(700_000, 800_000))

    def _add(title: str, description: str = "", isbn: str | None = None) -> Book:
        return create_book(
            by=author.user,
            title=title,
            isbn=isbn or make_isbn13(next(serial)),
            price=100_000,
            genre=GenreFactory(name="Novel", slug="novel"),
            units=1,
            description=description,
        )

    return _add


@pytest.fixture
def small_caps(monkeypatch):
    """Rank at most 3 hits and count exactly up to 3, so that a test needs a handful of books."""
    monkeypatch.setattr(selectors, "RANKED_HITS", 3)
    monkeypatch.setattr(counts, "COUNT_EXACT_UP_TO", 3)
    monkeypatch.setattr(counts, "COUNT_COUNTED_BELOW_ESTIMATE", 3)


def vector_of(book: Book) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM catalog_book WHERE id = %s", [book.pk])
        return cursor.fetchone()[0]


def page_titles(**filters) -> list[str]:
    return [book.title for book in book_page(filters=filters, size=100).books]


def every_page(size: int, **filters) -> list[int]:
    """The ids of every page of the list in turn, walking `next` as a client does."""
    ids, number = [], 1
    while True:
        page = book_page(filters=filters, number=number, size=size)
        ids += [book.pk for book in page.books]
        if not page.has_next:
            return ids
        number += 1


class TestDocument:
    def test_the_document_keeps_title_names_and_isbns_and_description_apart(self):
        document = compose_search_document(
            title="بوف كور", names=["Sadegh", "Hedayat"], isbns=["9780306406157"], description="A novella."
        )
        title, names, description = document.split(SEARCH_SECTION_SEPARATOR)
        assert title == "بوف کور"  # folded as search folds queries (R40)
        assert names.split() == ["sadegh", "hedayat", "9780306406157"]
        assert description == "a novella."

    def test_a_separator_typed_in_a_field_cannot_make_a_section(self):
        document = compose_search_document(title="A\x1fB", names=[], isbns=[], description="C\x1fD\x1fE")
        assert document.count(SEARCH_SECTION_SEPARATOR) == 2
        assert normalize_search_text("x\x1fy") == "x y"


@postgresql_only
class TestTrigger:
    def test_a_new_book_gets_its_weighted_vector_title_a_names_b_description_d(self, add_book):
        book = add_book("Blind Owl", description="A painter of pen cases.", isbn="9780306406157")
        vector = vector_of(book)
        assert "'blind':1A" in vector and "'owl':2A" in vector
        assert "'hedayat':" in vector and "B" in vector.split("'hedayat':")[1].split(" ")[0]
        assert "'9780306406157':" in vector and "'0306406152':" in vector
        assert "'painter':" in vector and not vector.split("'painter':")[1].split(" ")[0].endswith(("A", "B"))

    def test_a_change_through_the_service_rewrites_the_vector(self, add_book, author):
        book = add_book("Old Title")
        update_book(book=book, by=author.user, data={"title": "New Title"})
        assert "'new'" in vector_of(book) and "'old'" not in vector_of(book)

    def test_bulk_writers_of_the_document_get_vectors_too(self):
        """bulk_create (bench/generate.py) and bulk_update (refresh_search_documents) write no vector."""
        book = BookFactory.build(title="Bulk", genre=GenreFactory(), isbn=make_isbn13(42))
        book.search_document = compose_search_document(title="Bulk", names=[], isbns=[], description="loaded")
        (created,) = Book.objects.bulk_create([book])
        assert "'bulk':1A" in vector_of(created)
        created.search_document = compose_search_document(title="Bulk", names=[], isbns=[], description="again")
        Book.objects.bulk_update([created], ["search_document"])
        assert "'again'" in vector_of(created) and "'loaded'" not in vector_of(created)

    def test_a_document_in_the_old_layout_still_finds_its_book_with_the_title_first(self):
        book = BookFactory(title="Zebra")
        Book.objects.filter(pk=book.pk).update(search_document="zebra\nsomeone\n9780000000002\na garden")
        vector = vector_of(book)
        assert "'zebra':1A" in vector and "'garden'" in vector
        assert page_titles(search="garden") == ["Zebra"]

    def test_the_search_reads_the_gin_index_of_the_stored_vector(self, add_book):
        add_book("The Blind Owl")
        # The search's own filter (the list adds withdrawn_at IS NULL, which a small table's
        # plan may answer from the listed-title index instead).
        sql, params = search_books(Book.objects.all(), "owl").query.sql_with_params()
        with connection.cursor() as cursor:
            # Only a bitmap scan can use a GIN index: rule out the other paths, which the planner
            # may prefer on tables as small as a test's.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "catalog_book_search_vector_gin" in plan, plan
        assert "to_tsvector" not in plan  # nothing is parsed per row


class TestBoundedRank:
    def test_a_few_hits_are_ranked_title_matches_first(self, add_book, small_caps):
        add_book("Aardvark Tales", description="Tales told in a garden, a garden at night, a garden.")
        add_book("Zoo Garden")
        assert page_titles(search="garden") == ["Zoo Garden", "Aardvark Tales"]

    def test_more_hits_than_the_rank_takes_come_by_title(self, add_book, small_caps):
        add_book("Aardvark Tales", description="garden")
        add_book("Zoo Garden")
        add_book("Middle", description="garden")
        add_book("Beta", description="garden")
        assert page_titles(search="garden") == ["Aardvark Tales", "Beta", "Middle", "Zoo Garden"]

    def test_an_exact_isbn_comes_first_even_among_many_hits(self, add_book, small_caps):
        for title in ["A one", "B two", "C three", "D four"]:
            add_book(title, description="Companion to 9780306406157.")
        add_book("Numbers", isbn="9780306406157")
        assert page_titles(search="9780306406157")[0] == "Numbers"

    def test_ordering_asked_for_is_kept_whatever_the_hits(self, add_book, small_caps):
        for title in ["Beta", "Alpha", "Delta", "Gamma"]:
            add_book(title, description="garden")
        assert page_titles(search="garden", ordering="-title") == ["Gamma", "Delta", "Beta", "Alpha"]

    @pytest.mark.parametrize("size", [1, 2, 3])
    def test_pages_of_a_search_never_repeat_or_skip_a_book(self, add_book, small_caps, size):
        for title in ["Same", "Same", "Same", "Other", "Same"]:
            add_book(title, description="garden")
        hits = set(Book.objects.filter(description="garden").values_list("pk", flat=True))
        walked = every_page(size, search="garden")
        assert len(walked) == len(set(walked)) == len(hits) and set(walked) == hits


class TestCount:
    def test_the_count_is_exact_up_to_the_cap(self, api_client, add_book, small_caps):
        for title in ["One", "Two", "Three"]:
            add_book(title, description="garden")
        body = api_client.get(BOOKS, {"search": "garden"}).json()
        assert body["count"] == 3

    def test_beyond_the_cap_a_search_answers_more_than_the_cap(self, api_client, add_book, small_caps):
        for title in ["One", "Two", "Three", "Four", "Five"]:
            add_book(title, description="garden")
        body = api_client.get(BOOKS, {"search": "garden", "page_size": 2}).json()
        if connection.vendor == "postgresql":  # the planner's estimate, checked to be above the cap
            assert body["count"] >= 4
        else:  # SQLite has no estimate: a small catalog counts exactly
            assert body["count"] == 5
        assert body["next"] and len(body["results"]) == 2

    @postgresql_only
    @pytest.mark.parametrize("more", [{}, {"genre": "novel"}], ids=["word search", "search and filter"])
    def test_a_list_the_planner_expects_far_longer_is_not_counted(self, add_book, monkeypatch, more):
        """Both ways a search is read (catalog.word_search, catalog.selectors._chosen_ids)."""
        add_book("One", description="garden")
        # What the planner says of a common word.
        monkeypatch.setattr(counts, "planner_estimate", lambda sql, params: 50_000)
        with CaptureQueriesContext(connection) as queries:
            page = book_page(filters={"search": "garden", **more})
        statements = [query["sql"].upper() for query in queries.captured_queries]
        assert not [sql for sql in statements if "COUNT(*)" in sql or " OVER (" in sql], "no count of the hits"
        assert (page.count, page.count_exact) == (50_000, False)
        assert [book.title for book in page.books] == ["One"] and not page.has_next

    def test_the_whole_catalog_is_counted_exactly_beyond_the_cap(self, api_client, small_caps):
        BookFactory.create_batch(5)
        assert api_client.get(BOOKS).json()["count"] == 5

    def test_next_and_the_end_never_depend_on_the_count(self, api_client, add_book, small_caps, monkeypatch):
        for title in ["One", "Two", "Three", "Four", "Five"]:
            add_book(title, description="garden")
        wild = lambda selecting, count: 1_000_000  # noqa: E731 (a wild estimate, on both ways of searching)
        monkeypatch.setattr(counts, "cached_count", wild)
        monkeypatch.setattr(word_search, "cached_count", wild)
        third = api_client.get(BOOKS, {"search": "garden", "page_size": 2, "page": 3}).json()
        assert [row["title"] for row in third["results"]] == ["Two"] and third["next"] is None
        assert api_client.get(BOOKS, {"search": "garden", "page_size": 2, "page": 4}).status_code == 404

    def test_the_catalog_page_says_about_for_an_estimate(self, client, add_book, small_caps):
        for title in ["One", "Two", "Three", "Four", "Five"]:
            add_book(title, description="garden")
        html = client.get("/", {"q": "garden"}).content.decode()
        if connection.vendor == "postgresql":
            assert "About " in html
        else:
            assert "5 books found" in html


@postgresql_only
def test_a_search_is_planned_for_its_own_words_never_prepared_generic(add_book):
    """psycopg prepares a statement run 5 times; a generic plan of a search sorted all its hits."""
    add_book("Blind Owl")
    for word in ["owl", "blind", "owl", "nothing", "owl", "blind", "owl"]:
        book_page(filters={"search": word})
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert not [statement for statement in prepared if "@@" in statement]
    assert any("catalog_book" in statement for statement in prepared)  # the page's rows still are
