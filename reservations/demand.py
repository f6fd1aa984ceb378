"""Demand for each book (R33): how many wait, how long the queue made them wait, how many units to buy.

One query for the whole report, on PostgreSQL and SQLite alike: every figure is a
correlated subquery over the book's reservations, written with the reservation
QuerySet's own conditions (``active_at``, ``waiting``, ``paused``), so the report sorts
and pages in the database by any column.

Decisions where SPEC is silent:
- ``queued`` counts the places waiting now (R30: a paused place is not waiting); the
  paused ones are reported apart as ``paused``. ``on_loan`` counts the loans running
  now (R16: an overdue loan holds nothing).
- ``queued_per_unit`` is ``queued ÷ units`` rounded to two decimals, and null for a book
  with no unit (no ratio to speak of; its ``buy`` still says what to buy). Null sorts last.
- ``median_wait_days``: the median of ``starts_at − requested_at`` of the loans that came
  from the queue (started after they were asked for) and started in the last 30 days, in
  days rounded to two decimals; null when there was none. An instant reserve waited for
  nothing and is not a promotion.
- ``buy`` = max(0, ⌈queued ÷ ``DEMAND_QUEUE_PER_UNIT``⌉ − units): the units to add so
  that no more than that many wait per unit (setting ``DEMAND_QUEUE_PER_UNIT``, default 3).
- Withdrawn books (R28) are left out: they are lent no more.

Implements R33.
"""

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import (
    Aggregate,
    BigIntegerField,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Greatest, NullIf

from catalog.models import Book

from .models import ENDED_AFTER_ACTIVE, Reservation, Status

WAIT_WINDOW = timedelta(days=30)
DEFAULT_QUEUE_PER_UNIT = 3
COLUMNS = ("book", "title", "units", "on_loan", "queued", "paused", "queued_per_unit", "median_wait_days", "buy")
# ?o= / ?ordering= names, each read as the database column it sorts by; ties go by title, then id.
SORTABLE = {column: ("id" if column == "book" else column) for column in COLUMNS}
DEFAULT_ORDERING = ("-buy", "-queued", "title")


class DaysBetween(Func):
    """Days from the first datetime to the second, as a float."""

    output_field = FloatField()
    arity = 2

    def _sides(self, compiler) -> tuple[str, str, list]:
        (start, start_params), (end, end_params) = (compiler.compile(side) for side in self.get_source_expressions())
        return start, end, [*end_params, *start_params]

    def as_sql(self, compiler, connection, **extra):  # SQLite keeps UTC texts; julianday reads them
        start, end, params = self._sides(compiler)
        return f"(julianday({end}) - julianday({start}))", params

    def as_postgresql(self, compiler, connection, **extra):
        start, end, params = self._sides(compiler)
        return f"(CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS double precision) / 86400.0)", params


class Median(Aggregate):
    """The median: PostgreSQL's ``percentile_cont(0.5)``, SQLite's ``median`` (``register_sqlite_median``)."""

    function = "MEDIAN"
    output_field = FloatField()
    allow_distinct = False

    def as_postgresql(self, compiler, connection, **extra):
        template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
        return self.as_sql(compiler, connection, template=template, **extra)


class _SqliteMedian:
    """SQLite's ``median(x)`` aggregate, registered on each new SQLite connection."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: float | None) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        return statistics.median(self.values) if self.values else None


def register_sqlite_median(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: give SQLite the ``median`` that ``Median`` calls."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("MEDIAN", 1, _SqliteMedian)


def queue_per_unit() -> int:
    """How many may wait per unit before the report says to buy (R33; at least 1)."""
    return max(int(getattr(settings, "DEMAND_QUEUE_PER_UNIT", DEFAULT_QUEUE_PER_UNIT)), 1)


def _per_book(rows: QuerySet, aggregate: Aggregate, output_field) -> Subquery:
    """`aggregate` over the `rows` of the outer query's book, one correlated subquery."""
    figures = rows.filter(book=OuterRef("pk")).order_by().values("book").annotate(figure=aggregate)
    return Subquery(figures.values("figure"), output_field=output_field)


def _count(rows: QuerySet) -> Coalesce:
    return Coalesce(_per_book(rows, Count("pk"), BigIntegerField()), 0, output_field=BigIntegerField())


def demand(*, now: datetime, ordering: str | None = None, per_unit: int | None = None) -> QuerySet[Book]:
    """Every book in the catalog with R33's figures annotated, sorted by `ordering` (a column, ``-`` for descending).

    An unknown `ordering` falls back to the default: most to buy first, then longest queue.

    Implements R33.
    """
    per_unit = per_unit or queue_per_unit()
    reservations = Reservation.objects.all()
    promotions = reservations.filter(
        status__in=(Status.ACTIVE, *ENDED_AFTER_ACTIVE),
        starts_at__gte=now - WAIT_WINDOW,
        starts_at__lte=now,
        starts_at__gt=F("requested_at"),
    )
    books = (
        Book.objects.in_catalog()
        .annotate(
            on_loan=_count(reservations.active_at(now)),
            queued=_count(reservations.waiting(now)),
            paused=_count(reservations.paused(now)),
            median_wait_days=_per_book(promotions, Median(DaysBetween("requested_at", "starts_at")), FloatField()),
        )
        .annotate(
            queued_per_unit=Cast(F("queued"), FloatField()) / NullIf(F("units"), 0),
            buy=Greatest(
                (F("queued") + Value(per_unit - 1)) / Value(per_unit) - F("units"),
                Value(0),
                output_field=IntegerField(),
            ),
        )
    )
    return books.order_by(*_order_by(ordering))


def _order_by(ordering: str | None) -> list:
    name = (ordering or "").removeprefix("-")
    if name not in SORTABLE:
        return [*(_sort(field) for field in DEFAULT_ORDERING), "id"]
    return [_sort(ordering), *(["title"] if name != "title" else []), "id"]


def _sort(field: str):
    descending = field.startswith("-")
    expression = F(SORTABLE[field.removeprefix("-")])
    return expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)


@dataclass(frozen=True)
class DemandRow:
    """One book's line of the report, in the columns of R33 (plus ``paused``)."""

    book: int
    title: str
    units: int
    on_loan: int
    queued: int
    paused: int
    queued_per_unit: float | None
    median_wait_days: float | None
    buy: int

    @classmethod
    def of(cls, book: Book) -> "DemandRow":
        figures = {column: getattr(book, column) for column in COLUMNS if column != "book"}
        for ratio in ("queued_per_unit", "median_wait_days"):  # two decimals, as the report shows them
            figures[ratio] = None if figures[ratio] is None else round(float(figures[ratio]), 2)
        return cls(book=book.pk, **figures)


def demand_rows(*, now: datetime, ordering: str | None = None, limit: int | None = None) -> list[DemandRow]:
    """The report as rows, all of them or the first `limit`."""
    books = demand(now=now, ordering=ordering).only("id", "title", "units")
    return [DemandRow.of(book) for book in (books[:limit] if limit else books)]


def most_wanted(*, now: datetime, limit: int = 10) -> list[DemandRow]:
    """The `limit` books with the most customers waiting now, the longest queue first (R33's chart)."""
    return [row for row in demand_rows(now=now, ordering="-queued", limit=limit) if row.queued > 0]
