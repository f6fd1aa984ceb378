"""How many books a list holds: the ``count`` of the API and the catalog page (issue 15)."""

import json
from collections.abc import Mapping

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

from .cache import cached_count
from .filters import RANKED_HITS
from .models import Book

# A list's count is exact up to this many books, then estimated (book_count); a list the
# planner expects to hold more than COUNT_COUNTED_BELOW_ESTIMATE is not counted at all.
COUNT_EXACT_UP_TO = RANKED_HITS
COUNT_COUNTED_BELOW_ESTIMATE = COUNT_EXACT_UP_TO
# Query parameters that do not change which books a list holds.
SAME_BOOKS_PARAMETERS = ("page", "page_size", "ordering")


def book_count(books: QuerySet[Book], filters: Mapping[str, str]) -> int:
    """How many books the list `books` (made from `filters`) holds, cached like its pages.

    What ``count`` means (the API's and the catalog page's): exact for a list of at most
    ``COUNT_EXACT_UP_TO`` books, counted with a ``LIMIT`` so that no more rows are read;
    the whole catalog's count is exact too, counted once and kept until books are added
    or withdrawn. Any other list of more books (a common word's search, a wide filter)
    answers PostgreSQL's estimate, from the planner's statistics: "about this many"
    instead of reading all of them for every page. The estimate is checked by a count up
    to the cap only when it is below ``COUNT_COUNTED_BELOW_ESTIMATE``, so a list the
    planner expects to be far longer answers the estimate unchecked (the statistics of
    the stored search vector are close: 26,760 for 26,900 hits). The pages themselves never
    depend on the count (book_page).
    """
    chosen = selecting(filters)
    return cached_count(chosen, lambda: _bounded_count(books.order_by().values("pk"), whole_catalog=not chosen))


def selecting(filters: Mapping[str, str]) -> dict[str, str]:
    """The filters and search of `filters`: what chooses the list's books, not its page or order."""
    return {name: value for name, value in filters.items() if name not in SAME_BOOKS_PARAMETERS}


def count_is_exact(count: int, filters: Mapping[str, str]) -> bool:
    """Whether book_count's `count` for `filters` is exact, not an estimate."""
    return count <= COUNT_EXACT_UP_TO or not selecting(filters) or connection.vendor != "postgresql"


def _bounded_count(ids: QuerySet, *, whole_catalog: bool) -> int:
    """Count `ids` exactly up to COUNT_EXACT_UP_TO, beyond that estimate (see book_count).

    The planner is asked first: a list it expects to be longer than the cap is not
    counted at all, since even a ``LIMIT``ed count builds the GIN index's whole bitmap of
    a search's hits (20 ms for two common words at 100,000 books) before it stops.
    """
    estimate = None
    if connection.vendor == "postgresql" and not whole_catalog:
        try:
            sql, params = ids.query.sql_with_params()
        except EmptyResultSet:  # a list nothing can match (such as an empty IN): no query to ask
            return 0
        estimate = planner_estimate(sql, params)
        if estimate > COUNT_COUNTED_BELOW_ESTIMATE:
            return estimate
    found = ids[: COUNT_EXACT_UP_TO + 1].count()
    if found <= COUNT_EXACT_UP_TO:
        return found
    if estimate is None:  # the whole catalog, or a database without estimates
        return ids.count()
    return max(estimate, COUNT_EXACT_UP_TO + 1)


def planner_estimate(sql: str, params) -> int:
    """How many rows PostgreSQL's planner expects the query `sql` to answer (no row is read)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        (plan,) = cursor.fetchone()
    return int((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"])
