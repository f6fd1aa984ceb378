"""R16 on every path: a loan past its end holds nothing before any worker runs.

Not its unit (R9), not its own customer's next request for the book (R8), not a place
under the tier limit (R10), not the customer's account (closing it).
"""

from datetime import timedelta

import pytest

from accounts.services import close_account
from reservations.models import Reservation, Status
from reservations.services import reserve

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def test_a_customers_own_overdue_loan_does_not_block_reserving_the_book_again_R8_R16(make_customer, make_book, now):
    customer = make_customer("plus", balance=50_000)
    book = make_book(units=1)
    old = reserve(customer=customer, book=book, days=2, now=now - 3 * DAY)

    again = reserve(customer=customer, book=book, days=2, now=now)  # no sweep ran in between

    assert again.status == Status.ACTIVE
    old.refresh_from_db()
    assert (old.status, old.ended_at) == (Status.EXPIRED, old.ends_at)
    book.refresh_from_db()
    assert book.units_on_loan == 1


def test_the_unit_of_an_own_overdue_loan_goes_to_the_queue_first_R13_R16(make_customer, make_book, now):
    customer, waiting = make_customer("plus", balance=50_000), make_customer("plus", balance=50_000)
    book = make_book(units=1)
    reserve(customer=customer, book=book, days=1, now=now - 2 * DAY)
    queued = reserve(customer=waiting, book=book, days=1, now=now - 2 * DAY + timedelta(hours=1))

    again = reserve(customer=customer, book=book, days=2, now=now)

    queued.refresh_from_db()
    assert queued.status == Status.ACTIVE
    assert again.status == Status.QUEUED


def test_the_api_answers_201_not_409_already_reserved_after_an_own_loan_ran_out_R8_R16(
    client_for, make_customer, make_book, now
):
    customer = make_customer("plus", balance=50_000)
    book = make_book(units=1)
    reserve(customer=customer, book=book, days=1, now=now - 2 * DAY)

    response = client_for(customer.user).post("/api/v1/reservations/", {"book": book.pk, "days": 1}, format="json")

    assert response.status_code == 201, response.json()
    assert Reservation.objects.filter(customer=customer, book=book, status=Status.ACTIVE).count() == 1


def test_an_overdue_loan_does_not_keep_an_account_from_closing_R16(make_customer, make_book, now):
    customer = make_customer("plus", balance=50_000)
    reserve(customer=customer, book=make_book(units=1), days=1, now=now - 2 * DAY)

    close_account(user=customer.user, now=now)

    customer.user.refresh_from_db()
    assert customer.user.is_active is False


def test_the_book_page_offers_the_book_again_once_an_own_loan_ran_out_R16(client, make_customer, make_book, now):
    customer = make_customer("plus", balance=50_000)
    book = make_book(units=1)
    reserve(customer=customer, book=book, days=1, now=now - 2 * DAY)
    client.force_login(customer.user)

    page = client.get(f"/books/{book.pk}/").content.decode()

    assert "You have this book until" not in page
    assert "Reserve now" in page
