"""R28: a book that was ever lent is withdrawn, not deleted, and nobody's history changes."""

from datetime import timedelta

import pytest

from bookstore.tests.api_assertions import assert_error
from catalog.models import Book
from catalog.services import restore_book
from reservations.exceptions import BookNotFound, BookWithdrawn
from reservations.models import Reservation, Status
from reservations.pricing import discount_percent
from reservations.services import delete_book, leave_queue, reserve, return_reservation, set_book_units

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def withdrawn(make_customer, make_book, now):
    """A book lent once and returned, then deleted: withdrawn (R28)."""
    book = make_book(units=1, title="The Withdrawn Volume")
    reader = make_customer("plus", balance=50_000)
    return_reservation(customer=reader, reservation=reserve(customer=reader, book=book, days=1, now=now - DAY), now=now)
    assert delete_book(book=book, now=now) is False
    return book


def test_deleting_a_lent_book_keeps_another_customers_discount_R7_R28(make_customer, make_book, now):
    """A reader of 4 books in 30 days keeps the 30% discount when one of the 4 is deleted."""
    reader = make_customer("plus", balance=100_000)
    books = [make_book(units=1) for _ in range(4)]
    for book in books:
        loan = reserve(customer=reader, book=book, days=1, now=now - 5 * DAY)
        return_reservation(customer=reader, reservation=loan, now=now - 4 * DAY)
    assert discount_percent(reader, now) == 30

    delete_book(book=books[0], now=now)

    assert discount_percent(reader, now) == 30
    assert Reservation.objects.filter(customer=reader).count() == 4
    assert Book.objects.get(pk=books[0].pk).is_withdrawn


def test_a_book_never_lent_is_deleted_with_its_cancelled_queue_entries_R28(make_customer, make_book, now):
    book = make_book(units=0)
    entry = reserve(customer=make_customer("plus", balance=50_000), book=book, days=1, now=now)
    leave_queue(customer=entry.customer, reservation=entry, now=now)

    assert delete_book(book=book, now=now) is True
    assert not Book.objects.filter(pk=book.pk).exists()
    assert not Reservation.objects.filter(pk=entry.pk).exists()


def test_a_withdrawn_book_is_not_listed_searched_shown_or_changed_R28(api_client, client, client_for, withdrawn):
    assert withdrawn.pk not in [book["id"] for book in api_client.get("/api/v1/books/").json()["results"]]
    assert api_client.get("/api/v1/books/", {"search": "Withdrawn Volume"}).json()["count"] == 0
    assert_error(api_client.get(f"/api/v1/books/{withdrawn.pk}/"), 404, "not_found")
    assert client.get(f"/books/{withdrawn.pk}/").status_code == 404
    author = withdrawn.authors.first().user
    assert_error(
        client_for(author).patch(f"/api/v1/books/{withdrawn.pk}/", {"price": 1}, format="json"), 404, "not_found"
    )


def test_a_withdrawn_book_cannot_be_reserved_R28(client_for, make_customer, withdrawn, now):
    customer = make_customer("plus", balance=50_000)
    with pytest.raises(BookWithdrawn):
        reserve(customer=customer, book=withdrawn, days=1, now=now)
    response = client_for(customer.user).post("/api/v1/reservations/", {"book": withdrawn.pk, "days": 1}, format="json")
    assert_error(response, 409, "book_withdrawn")
    assert not Reservation.objects.filter(customer=customer).exists()


def test_an_admin_brings_a_withdrawn_book_back_R28(api_client, make_customer, withdrawn, now):
    restore_book(book=withdrawn)

    assert api_client.get(f"/api/v1/books/{withdrawn.pk}/").status_code == 200
    loan = reserve(customer=make_customer("plus", balance=50_000), book=withdrawn, days=1, now=now)
    assert loan.status == Status.ACTIVE


def test_a_book_deleted_meanwhile_is_a_404_not_a_500(make_book, now):
    book = make_book(units=1)
    stale = Book.objects.get(pk=book.pk)
    assert delete_book(book=book, now=now) is True

    with pytest.raises(BookNotFound) as refused:
        set_book_units(book=stale, units=3, now=now)
    assert refused.value.status == 404
    with pytest.raises(BookNotFound):
        delete_book(book=stale, now=now)
