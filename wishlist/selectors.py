"""Reads of the wishlist for its page, its API and the book page's button (R38)."""

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from accounts.models import Customer
from catalog.models import Book
from catalog.selectors import with_availability

from .models import WishedBook


def wishlist_for(*, customer: Customer, now: datetime) -> QuerySet[WishedBook]:
    """The customer's wished books, newest first, each book with its free units and queue at `now` (R9, R12)."""
    books = with_availability(Book.objects.all(), now)
    return (
        WishedBook.objects.filter(customer=customer)
        .prefetch_related(Prefetch("book", queryset=books))
        .order_by("-added_at", "-pk")
    )


def is_wished(*, customer: Customer, book: Book) -> bool:
    return WishedBook.objects.filter(customer=customer, book=book).exists()
