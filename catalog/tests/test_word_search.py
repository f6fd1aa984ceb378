"""The compiled search of words (catalog.word_search, issue 15) answers what the filter's way answers.

A plain ``?search=`` goes through statements compiled once; everything else through
django-filter (``catalog.selectors._chosen_ids``). For the same words both must give the
same count, exactness, page and next page: ranked when the hits are few, by title beyond
``RANKED_HITS``, with the same capped count (SPEC section 4, R40's folding).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import counts, selectors
from catalog.selectors import book_page
from catalog.tests.factories import BookFactory
from catalog.word_search import plain_search

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the compiled search is PostgreSQL's"),
]

TITLES = ["Zoo Garden", "Garden of Stones", "Aardvark Tales", "Night Garden", "Middle", "چراغ‌ها و باغ", "Beta"]


@pytest.fixture
def catalog_books():
    for index, title in enumerate(TITLES):
        description = "a garden at night" if index % 2 else "stones and rivers"
        BookFactory(title=title, description=description)


def both_ways(monkeypatch, filters: dict, number: int = 1, size: int = 2):
    """(count, exact, ids, has_next) through the compiled search, then through the filter."""
    answers = []
    for compiled in (True, False):
        with monkeypatch.context() as patch:
            if not compiled:
                patch.setattr(selectors, "plain_search", lambda filters: None)
            page = book_page(filters=filters, number=number, size=size)
        answers.append((page.count, page.count_exact, [book.pk for book in page.books], page.has_next))
    return answers


@pytest.mark.parametrize("caps", [1_000, 3], ids=["ranked", "beyond the caps"])
@pytest.mark.parametrize("text", ["garden", "gard", "garden night", "stones", "چراغها", "nothing", "  Garden  "])
@pytest.mark.parametrize("number", [1, 2, 3, 9])
def test_the_compiled_search_answers_as_the_filter_does(catalog_books, monkeypatch, caps, text, number):
    monkeypatch.setattr(selectors, "RANKED_HITS", caps)
    monkeypatch.setattr(counts, "COUNT_EXACT_UP_TO", caps)
    monkeypatch.setattr(counts, "COUNT_COUNTED_BELOW_ESTIMATE", caps)
    compiled, general = both_ways(monkeypatch, {"search": text}, number=number)
    assert compiled == general


def test_a_rare_word_costs_the_estimate_then_the_ranked_page_with_its_count(catalog_books):
    with CaptureQueriesContext(connection) as queries:
        page = book_page(filters={"search": "garden"}, size=2)
    searching = [query["sql"] for query in queries.captured_queries if "@@" in query["sql"]]
    assert len(searching) == 2 and searching[0].startswith("EXPLAIN") and " OVER ()" in searching[1]
    assert (page.count, page.count_exact, page.has_next) == (4, True, True)  # in 3 titles, 3 descriptions, 2 both


@pytest.mark.parametrize(
    "filters",
    [
        {"search": "garden", "ordering": "-title"},
        {"search": "garden", "genre": "novel"},
        {"search": "978-0-306-40615-7"},
        {"search": "9780"},
        {"search": "!!!"},
        {"search": "   "},
        {"search": "x" * 201},
        {"search": "garden\x00"},
        {"genre": "novel"},
        {},
    ],
)
def test_anything_but_a_plain_search_of_words_goes_the_filters_way(filters):
    assert plain_search(filters) is None


def test_a_plain_search_is_the_prefix_of_every_folded_word():
    assert plain_search({"search": " Blind  owl ", "page": "2", "page_size": "5"}) == "blind:* & owl:*"
