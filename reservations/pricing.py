"""The price of a reservation (R6) and its discount (R7), computed when it is charged."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection

from accounts.models import Customer
from billing.models import PAID_KINDS, WalletTransaction

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


@dataclass(frozen=True)
class History:
    """What R7 looks at for one customer at one moment."""

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


def sql_list(values: tuple[str, ...]) -> str:
    """Our own constant choice values as an SQL list (never user input)."""
    return ", ".join(f"'{value}'" for value in values)


# R7's two figures as scalar subqueries over the customer %(customer)s at %(now)s, with
# the parameters of ``history_parameters``. They are SQL so that reserve() reads them in
# the one statement of all its checks: the ORM spends about 2.5 ms of CPU building such
# correlated subqueries on every call, ten times what PostgreSQL needs to run them
# (make bench). Both backends run them (named parameters, CAST for SQLite's SUM).
PAID_SQL = f"""
    SELECT CAST(-COALESCE(SUM(amount), 0) AS BIGINT) FROM {WalletTransaction._meta.db_table}
    WHERE customer_id = %(customer)s AND kind IN ({sql_list(PAID_KINDS)})
      AND created_at >= %(paid_since)s AND created_at <= %(now)s"""
BOOKS_READ_SQL = f"""
    SELECT COUNT(DISTINCT book_id) FROM {Reservation._meta.db_table}
    WHERE customer_id = %(customer)s AND status IN ({sql_list((Status.ACTIVE, *ENDED_AFTER_ACTIVE))})
      AND starts_at >= %(read_since)s AND starts_at <= %(now)s"""


def history_parameters(customer_id: int, now: datetime) -> dict[str, object]:
    """The parameters of PAID_SQL and BOOKS_READ_SQL, as the database takes datetimes."""
    adapt = connection.ops.adapt_datetimefield_value
    return {
        "customer": customer_id,
        "now": adapt(now),
        "paid_since": adapt(now - BIG_SPENDER_WINDOW),
        "read_since": adapt(now - AVID_READER_WINDOW),
    }


def history_of(customer: Customer, now: datetime) -> History:
    """The customer's R7 history at `now`, in one query."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({PAID_SQL}), ({BOOKS_READ_SQL})", history_parameters(customer.pk, now))
        paid, books_read = cursor.fetchone()
    return History(paid=paid, books_read=books_read)


def base_price(days: int) -> int:
    """1,000 toman a day (R6)."""
    return PRICE_PER_DAY * days


def discount_percent(customer: Customer, now: datetime) -> int:
    """Return the larger discount the customer earns at `now`: 100, 30 or 0 percent (R7)."""
    return history_of(customer, now).discount


def quote(customer: Customer, days: int, now: datetime, *, history: History | None = None) -> Quote:
    """Price `days` of reservation for `customer` at `now`, rounded down to whole toman (R6, R7).

    Pass the customer's `history` at `now` when it was already read.
    """
    base = base_price(days)
    discount = (history or history_of(customer, now)).discount
    return Quote(base=base, discount=discount, price=base * (100 - discount) // 100)
