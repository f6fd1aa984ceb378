"""Reads of reviews for pages and the API, and who may write one (R37)."""

from django.db.models import QuerySet

from accounts.models import Customer
from catalog.models import Book
from reservations.models import Reservation
from shop.models import OrderLine, OrderStatus

from .models import Review


def visible_reviews(*, book: Book | int) -> QuerySet[Review]:
    """The book's reviews that are shown, newest first, with their writers (R37)."""
    return Review.objects.visible().filter(book=book).select_related("customer__user").newest_first()


def has_read(*, customer: Customer, book: Book | int) -> bool:
    """Whether `customer` borrowed `book` (a loan that started) or bought it (an order not cancelled). Implements R37.

    A loan "became active" when it has a start: active now, or ended after being active
    (returned, expired, ended by an admin); a queued, cancelled or dropped place has none.
    """
    borrowed = Reservation.objects.filter(customer=customer, book=book, starts_at__isnull=False)
    bought = OrderLine.objects.filter(
        order__customer=customer, book=book, order__status__in=(OrderStatus.PLACED, OrderStatus.FULFILLED)
    )
    return borrowed.exists() or bought.exists()


def own_review(*, customer: Customer, book: Book | int) -> Review | None:
    """The customer's review of the book that is not deleted (visible or hidden), or None."""
    return Review.objects.not_deleted().filter(customer=customer, book=book).first()
