"""The price of a reservation (R6) and its discount (R7), computed when it is charged."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Aggregate, BigIntegerField, Count, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from accounts.models import Customer
from billing.models import WalletTransaction
from core.compiled import CompiledQuery, Param

from .models import Reservation

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


@dataclass(frozen=True)
class History:
    """What R7 looks at for one customer at one moment. Implements R7."""

    paid: int  # toman paid in the trailing 60 days: reservation and subscription debits less refunds
    books_read: int  # distinct books of reservations that became active in the trailing 30 days

    @property
    def discount(self) -> int:
        """The larger discount this history earns: 100, 30 or 0 percent (R7)."""
        if self.paid > BIG_SPENDER_THRESHOLD:
            return BIG_SPENDER_DISCOUNT
        if self.books_read > AVID_READER_THRESHOLD:
            return AVID_READER_DISCOUNT
        return 0


def per_customer(rows: QuerySet, aggregate: Aggregate) -> Coalesce:
    """`aggregate` over the `rows` of the outer query's customer, 0 when there are none: one subquery."""
    figures = rows.filter(customer=OuterRef("pk")).order_by().values("customer").annotate(figure=aggregate)
    return Coalesce(Subquery(figures.values("figure")), 0, output_field=BigIntegerField())


def with_history(customers: QuerySet[Customer], *, now: datetime, paid_since: datetime, read_since: datetime):
    """Annotate R7's two figures at `now`: `paid` in the 60 days and distinct `books_read` in the 30."""
    return customers.annotate(
        paid=-per_customer(WalletTransaction.objects.paid_between(paid_since, now), Sum("amount")),
        books_read=per_customer(Reservation.objects.started_between(read_since, now), Count("book", distinct=True)),
    )


def history_parameters(customer_id: int, now: datetime) -> dict[str, object]:
    """The values ``with_history`` takes for the customer at `now`, as the compiled queries bind them."""
    return {
        "customer": customer_id,
        "now": now,
        "paid_since": now - BIG_SPENDER_WINDOW,
        "read_since": now - AVID_READER_WINDOW,
    }


# Placeholders of the compiled queries that read a customer's history (core.compiled).
HISTORY_PARAMS = {
    "customer": Param("customer", 0),
    "now": Param("now", datetime.now(UTC)),
    "paid_since": Param("paid_since", datetime.now(UTC)),
    "read_since": Param("read_since", datetime.now(UTC)),
}


def _history(customer: int, **window: datetime) -> QuerySet:
    return with_history(Customer.objects.filter(pk=customer), **window).values_list("paid", "books_read")[:1]


# Compiled once per thread: the ORM spends about 2.5 ms of CPU building these correlated
# subqueries, ten times what PostgreSQL needs to run them (make bench).
HISTORY_QUERY = CompiledQuery(_history, **HISTORY_PARAMS)


def history_of(customer: Customer, now: datetime) -> History:
    """The customer's R7 history at `now`, in one query."""
    paid, books_read = HISTORY_QUERY.first(**history_parameters(customer.pk, now))
    return History(paid=paid, books_read=books_read)


def base_price(days: int) -> int:
    """1,000 toman a day (R6). Implements R6."""
    return PRICE_PER_DAY * days


def discount_percent(customer: Customer, now: datetime) -> int:
    """Return the larger discount the customer earns at `now`: 100, 30 or 0 percent (R7)."""
    return history_of(customer, now).discount


def quote(customer: Customer, days: int, now: datetime, *, history: History | None = None) -> Quote:
    """Price `days` of reservation for `customer` at `now`, rounded down to whole toman (R6, R7).

    Pass the customer's `history` at `now` when it was already read.

    Implements R7.
    """
    base = base_price(days)
    discount = (history or history_of(customer, now)).discount
    return Quote(base=base, discount=discount, price=base * (100 - discount) // 100)
