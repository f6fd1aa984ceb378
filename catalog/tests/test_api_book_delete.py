"""Catalog API: DELETE books/{id}/ — deleted, withdrawn with its history, or refused (SPEC 4, R23, R28)."""

import pytest

from bookstore.tests.api_assertions import assert_error
from catalog.models import Book
from catalog.services import create_book
from catalog.tests.conftest import book_url
from catalog.tests.factories import make_isbn13
from reservations.models import Status
from reservations.services import reserve, return_reservation

pytestmark = pytest.mark.django_db

# DELETE books/{id}/ ------------------------------------------------------------------------


class TestBookDelete:
    def test_its_author_deletes_a_book(self, client_for, author, book):
        response = client_for(author.user).delete(book_url(book))
        assert response.status_code == 204
        assert not Book.objects.filter(pk=book.pk).exists()

    def test_a_book_with_only_finished_reservations_is_withdrawn_R28(self, client_for, admin, book, make_customer):
        holder = make_customer("plus", balance=50_000)
        return_reservation(customer=holder, reservation=reserve(customer=holder, book=book, days=2))
        client = client_for(admin)
        assert client.delete(book_url(book)).status_code == 204
        assert Book.objects.get(pk=book.pk).is_withdrawn  # kept, with its history
        assert holder.reservations.filter(book=book).count() == 1
        assert_error(client.get(book_url(book)), 404, "not_found")

    @pytest.mark.parametrize("queued", [False, True])
    def test_live_reservations_are_409(self, client_for, author, make_customer, genre, queued):
        units = 0 if queued else 1  # with no unit the customer waits in the queue
        book = create_book(by=author.user, title="Held", isbn=make_isbn13(4), price=1, genre=genre, units=units)
        reservation = reserve(customer=make_customer("plus", balance=50_000), book=book, days=2)
        assert reservation.status == (Status.QUEUED if queued else Status.ACTIVE)
        assert_error(client_for(author.user).delete(book_url(book)), 409, "book_has_live_reservations")
        assert Book.objects.filter(pk=book.pk).exists()

    def test_another_author_is_403_R23(self, client_for, other_author, book):
        assert_error(client_for(other_author.user).delete(book_url(book)), 403, "permission_denied")
        assert Book.objects.filter(pk=book.pk).exists()

    def test_a_customer_is_403_R23(self, client_for, customer, book):
        assert_error(client_for(customer.user).delete(book_url(book)), 403, "permission_denied")

    def test_anonymous_is_401_R22(self, api_client, book):
        assert_error(api_client.delete(book_url(book)), 401, "not_authenticated")
        assert Book.objects.filter(pk=book.pk).exists()

    def test_an_unknown_book_is_404(self, client_for, admin):
        assert_error(client_for(admin).delete(book_url(987_654)), 404, "not_found")
