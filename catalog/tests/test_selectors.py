"""Catalog reads: availability annotations (R9, R12, R16), a fixed query count, and search."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.exceptions import ValidationError

from accounts.models import Role
from accounts.tests.factories import AuthorFactory, UserFactory
from catalog.apis import BookOutputSerializer
from catalog.filters import SEARCH_MAX_LENGTH
from catalog.models import Book
from catalog.selectors import book_detail, book_list
from catalog.services import create_book, update_book
from catalog.tests.factories import BookFactory, GenreFactory, make_isbn13
from reservations.models import Status
from reservations.services import leave_queue, reserve, return_reservation

pytestmark = pytest.mark.django_db


def titles(books) -> list[str]:
    return [book.title for book in books]


def search(text: str) -> list[str]:
    return titles(book_list(filters={"search": text}))


@pytest.fixture
def author():
    return AuthorFactory(user__username="hedayat", user__first_name="Sadegh", user__last_name="Hedayat")


@pytest.fixture
def add_book(author):
    """add_book(title, description='', authors=None, isbn=None, units=1) through the create service."""
    serial = iter(range(500_000, 600_000))

    def _add(title: str, description: str = "", authors=None, isbn: str | None = None, units: int = 1) -> Book:
        by = authors[0].user if authors else author.user
        return create_book(
            by=by,
            title=title,
            isbn=isbn or make_isbn13(next(serial)),
            price=100_000,
            genre=GenreFactory(name="Novel", slug="novel"),
            units=units,
            description=description,
            authors=authors,
        )

    return _add


class TestAvailability:
    def test_available_units_count_running_loans_and_queue_length_the_queue_R9_R12(self, make_book, make_customer, now):
        book = make_book(units=2)
        for _ in range(2):
            reserve(customer=make_customer("plus", balance=50_000), book=book, days=3, now=now)
        reserve(customer=make_customer("premium", balance=50_000), book=book, days=3, now=now)

        listed = book_list(now=now).get(pk=book.pk)
        assert (listed.available_units, listed.queue_length) == (0, 1)
        detailed = book_detail(book_id=book.pk, now=now)
        assert (detailed.available_units, detailed.queue_length) == (0, 1)

    def test_an_overdue_loan_blocks_nobody_before_the_worker_ends_it_R16(self, make_book, make_customer, now):
        book = make_book(units=1)
        reserve(customer=make_customer("plus", balance=50_000), book=book, days=2, now=now - timedelta(days=3))

        assert book_detail(book_id=book.pk, now=now).available_units == 1
        assert book_detail(book_id=book.pk, now=now - timedelta(days=2)).available_units == 0

    def test_a_book_without_reservations_has_all_units_free_and_no_queue(self, make_book, now):
        book = make_book(units=3)
        detailed = book_detail(book_id=book.pk, now=now)
        assert (detailed.available_units, detailed.queue_length) == (3, 0)

    def test_unknown_book_is_none(self):
        assert book_detail(book_id=987_654) is None

    def test_malformed_filters_raise_validation_error_R26(self):
        with pytest.raises(ValidationError) as raised:
            book_list(filters={"author": "abc", "ordering": "secret", "available": "maybe"})
        assert set(raised.value.detail) == {"author", "ordering", "available"}


class TestQueryCount:
    @staticmethod
    def _queries_to_list(now) -> int:
        with CaptureQueriesContext(connection) as captured:
            for book in book_list(now=now)[:100]:
                assert book.genre.name
                assert [author.user.username for author in book.authors.all()]
                assert book.available_units >= 0 and book.queue_length >= 0
        return len(captured)

    def test_the_list_costs_the_same_queries_for_1_and_for_100_books(
        self, make_customer, now, django_assert_max_num_queries
    ):
        authors = [AuthorFactory(), AuthorFactory()]
        first = BookFactory(units=1, authors=authors)
        reserve(customer=make_customer("plus", balance=50_000), book=first, days=2, now=now)
        reserve(customer=make_customer("plus", balance=50_000), book=first, days=2, now=now)
        with django_assert_max_num_queries(2):
            one = self._queries_to_list(now)

        for book in BookFactory.create_batch(99, units=2, authors=authors)[:10]:
            reserve(customer=make_customer("plus", balance=50_000), book=book, days=2, now=now)
        with django_assert_max_num_queries(2):
            hundred = self._queries_to_list(now)

        assert one == hundred == 2  # the annotated page, then the authors with their users


class TestBookDetail:
    """The detail is compiled once per thread (issue 15): the list's figures and output, in two queries."""

    def test_detail_shows_the_lists_figures_for_every_kind_of_reservation_R9_R12_R16(
        self, make_book, make_customer, now
    ):
        book = make_book(units=3)
        running = reserve(customer=make_customer("plus", balance=50_000), book=book, days=3, now=now)
        returned = reserve(customer=make_customer("plus", balance=50_000), book=book, days=3, now=now)
        return_reservation(customer=returned.customer, reservation=returned, now=now)
        reserve(customer=make_customer("plus", balance=50_000), book=book, days=2, now=now - timedelta(days=3))
        reserve(customer=make_customer("plus", balance=50_000), book=book, days=3, now=now)
        reserve(customer=make_customer("plus", balance=50_000), book=book, days=3, now=now)  # the last unit
        queued = [reserve(customer=make_customer("premium", balance=50_000), book=book, days=3, now=now)]
        queued.append(reserve(customer=make_customer("plus", balance=50_000), book=book, days=3, now=now))
        leave_queue(customer=queued[0].customer, reservation=queued[0], now=now)
        assert running.status == Status.ACTIVE and queued[1].status == Status.QUEUED

        for at in (now, now - timedelta(days=2), now + timedelta(days=4)):
            listed = book_list(now=at).get(pk=book.pk)
            detailed = book_detail(book_id=book.pk, now=at)
            assert (detailed.available_units, detailed.queue_length) == (listed.available_units, listed.queue_length)
        assert (detailed.available_units, detailed.queue_length) == (3, 1)  # every loan over, one still queued

    def test_detail_answers_as_the_list_does_in_one_query(self, make_customer, now, django_assert_num_queries):
        book = BookFactory(units=1, authors=[AuthorFactory(), AuthorFactory()])
        reserve(customer=make_customer("plus", balance=50_000), book=book, days=2, now=now)
        reserve(customer=make_customer("plus", balance=50_000), book=book, days=2, now=now)
        book_detail(book_id=book.pk, now=now)  # compiled on first use

        with django_assert_num_queries(1):  # the book with its genre, counts and authors
            data = BookOutputSerializer(book_detail(book_id=book.pk, now=now)).data
        assert data == BookOutputSerializer(book_list(now=now).get(pk=book.pk)).data
        assert (data["available_units"], data["queue_length"], len(data["author_names"])) == (0, 1, 2)

    def test_withdrawn_and_missing_books_are_none_R28(self, now):
        withdrawn = BookFactory(withdrawn_at=now)
        assert book_detail(book_id=withdrawn.pk, now=now) is None
        assert book_detail(book_id=10**9, now=now) is None


class TestSearch:
    def test_persian_title_finds_the_book_whole_or_by_word_prefix(self, add_book):
        add_book("بوف کور", "رمانی از صادق هدایت")
        add_book("سمفونی مردگان", "رمانی از عباس معروفی")

        assert search("بوف کور") == ["بوف کور"]
        assert search("بوف") == ["بوف کور"]
        assert search("سمفو") == ["سمفونی مردگان"]
        assert sorted(search("رمانی")) == ["بوف کور", "سمفونی مردگان"]

    def test_persian_search_ignores_arabic_letter_forms_and_the_zero_width_non_joiner(self, add_book):
        add_book("بوف کور")
        add_book("کتاب‌خانه‌ی بابل")

        assert search("بوف كور") == ["بوف کور"]  # Arabic kaf, as many keyboards type it
        assert search("كتاب خانه") == ["کتاب‌خانه‌ی بابل"]

    def test_english_search_is_case_insensitive_and_needs_every_word(self, add_book):
        add_book("The Blind Owl", "A novella about a pen-case painter.")
        add_book("The Owl Service", "A fantasy novel.")

        assert sorted(search("owl")) == ["The Blind Owl", "The Owl Service"]
        assert search("BLIND owl") == ["The Blind Owl"]
        assert search("blind fantasy") == []

    def test_an_authors_name_finds_their_books(self, add_book):
        translator = AuthorFactory(user__username="dcostello", user__first_name="D. P.", user__last_name="Costello")
        add_book("The Blind Owl", authors=[translator])
        add_book("Three Drops of Blood")

        assert search("Costello") == ["The Blind Owl"]
        assert search("dcostello") == ["The Blind Owl"]
        assert search("Hedayat") == ["Three Drops of Blood"]
        assert search("sadegh hedayat") == ["Three Drops of Blood"]

    def test_a_new_author_is_searchable_after_the_authors_change(self, add_book, author):
        book = add_book("Buried Alive")
        coauthor = AuthorFactory(user__username="coauthor", user__first_name="Forough")
        assert search("Forough") == []

        update_book(book=book, by=author.user, data={"authors": [author, coauthor]})

        assert search("Forough") == ["Buried Alive"]

    def test_a_changed_title_is_searchable_and_the_old_one_is_not(self, add_book, author):
        book = add_book("Old Title")
        update_book(book=book, by=author.user, data={"title": "New Title"})
        assert search("old") == []
        assert search("new") == ["New Title"]

    def test_isbn_matches_with_or_without_hyphens_and_as_isbn10(self, add_book):
        add_book("Numbers", isbn="978-0-306-40615-7")
        add_book("Other")

        assert search("9780306406157") == ["Numbers"]
        assert search("978-0-306-40615-7") == ["Numbers"]
        assert search("0-306-40615-2") == ["Numbers"]  # the same book's ISBN-10
        assert search("978-0-306") == ["Numbers"]  # a prefix as printed on the cover

    def test_an_exact_isbn_comes_first(self, add_book):
        add_book("Mentions it", description="Companion to 9780306406157.")
        add_book("Numbers", isbn="9780306406157")

        assert search("9780306406157") == ["Numbers", "Mentions it"]

    def test_a_title_match_ranks_above_a_description_only_match(self, add_book):
        # The description-only match sorts first by title and says "garden" more often,
        # so only the ranking can put the title match ahead of it.
        add_book("Aardvark Tales", description="Tales told in a garden, a garden at night, a garden.")
        add_book("Zoo Garden", description="A dog sleeps.")
        add_book("Unrelated", description="Nothing here.")

        assert search("garden") == ["Zoo Garden", "Aardvark Tales"]

    def test_query_syntax_characters_are_plain_text_R26(self, add_book):
        add_book("Cats & Dogs")
        for text in ["cats & dogs", "cats | !dogs", "(cats", "cats:*", "'", "\\", "&&&", "<->", "%_"]:
            results = search(text)
            assert results in ([], ["Cats & Dogs"]), text
        assert search("cats & dogs") == ["Cats & Dogs"]

    def test_an_empty_search_lists_everything(self, add_book):
        add_book("One")
        add_book("Two")
        assert search("   ") == ["One", "Two"]

    def test_a_too_long_search_is_invalid_R26(self):
        with pytest.raises(ValidationError):
            book_list(filters={"search": "x" * (SEARCH_MAX_LENGTH + 1)})

    def test_books_saved_outside_the_services_are_found_after_refresh_search_documents(self):
        BookFactory(title="Seeded Title")
        Book.objects.all().refresh_search_documents()
        assert search("seeded") == ["Seeded Title"]


def test_create_book_refuses_a_customer_R23():
    from core.exceptions import NotAllowed

    customer_user = UserFactory(role=Role.CUSTOMER)
    with pytest.raises(NotAllowed):
        create_book(
            by=customer_user, title="X", isbn=make_isbn13(1), price=1, genre=GenreFactory(), units=1, authors=[]
        )


def test_create_book_by_an_admin_needs_authors():
    admin = UserFactory(role=Role.ADMIN)
    with pytest.raises(DjangoValidationError) as raised:
        create_book(by=admin, title="X", isbn=make_isbn13(2), price=1, genre=GenreFactory(), units=1)
    assert "authors" in raised.value.message_dict


def test_books_edited_in_the_admin_stay_searchable_and_raised_units_serve_the_queue_R13(client, make_customer, now):
    """The admin site goes through the same rules as the API: search document and queue."""
    from accounts.models import Role
    from accounts.tests.factories import AuthorFactory, UserFactory
    from catalog.models import Book
    from catalog.tests.factories import BookFactory
    from reservations.models import Status
    from reservations.services import reserve

    admin = UserFactory(role=Role.ADMIN, is_superuser=True)
    author = AuthorFactory()
    book = BookFactory(units=1, authors=[author])
    holder, waiting = make_customer("plus", balance=10_000), make_customer("plus", balance=10_000)
    reserve(customer=holder, book=book, days=2)
    queued = reserve(customer=waiting, book=book, days=2)
    client.force_login(admin)
    response = client.post(
        f"/admin/catalog/book/{book.pk}/change/",
        {
            "title": "Shazdeh Ehtejab",
            "isbn": book.isbn,
            "price": book.price,
            "genre": book.genre_id,
            "description": book.description,
            "units": 2,
            "stock": book.stock,
            "authors": [author.pk],
        },
    )
    assert response.status_code == 302, response.content[:500]
    book.refresh_from_db()
    queued.refresh_from_db()
    assert book.units == 2 and book.units_on_loan == 2
    assert queued.status == Status.ACTIVE
    assert "shazdeh" in Book.objects.get(pk=book.pk).search_document
