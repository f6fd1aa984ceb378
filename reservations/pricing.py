"""The price of a reservation (R6) and its discount (R7), computed when it is charged."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from accounts.models import Customer
from billing.models import WalletTransaction

from .models import ENDED_AFTER_ACTIVE, Reservation, Status

PRICE_PER_DAY = 1_000
BIG_SPENDER_WINDOW = timedelta(days=60)
BIG_SPENDER_THRESHOLD = 300_000  # "more than": exactly this much earns nothing
BIG_SPENDER_DISCOUNT = 100
AVID_READER_WINDOW = timedelta(days=30)
AVID_READER_THRESHOLD = 3  # "more than 3 different books"
AVID_READER_DISCOUNT = 30


@dataclass(frozen=True)
class Quote:
    base: int
    discount: int
    price: int


def base_price(days: int) -> int:
    """1,000 toman a day (R6)."""
    return PRICE_PER_DAY * days


def discount_percent(customer: Customer, now: datetime) -> int:
    """Return the larger discount the customer earns at `now`: 100, 30 or 0 percent (R7)."""
    paid = WalletTransaction.objects.filter(customer=customer, created_at__lte=now).paid_since(now - BIG_SPENDER_WINDOW)
    if paid > BIG_SPENDER_THRESHOLD:
        return BIG_SPENDER_DISCOUNT
    books_read = (
        Reservation.objects.filter(
            customer=customer,
            status__in=(Status.ACTIVE, *ENDED_AFTER_ACTIVE),
            starts_at__gte=now - AVID_READER_WINDOW,
            starts_at__lte=now,
        )
        .values("book_id")
        .distinct()
        .count()
    )
    if books_read > AVID_READER_THRESHOLD:
        return AVID_READER_DISCOUNT
    return 0


def quote(customer: Customer, days: int, now: datetime) -> Quote:
    """Price `days` of reservation for `customer` at `now`, rounded down to whole toman (R6, R7)."""
    base = base_price(days)
    discount = discount_percent(customer, now)
    return Quote(base=base, discount=discount, price=base * (100 - discount) // 100)
