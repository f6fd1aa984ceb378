"""The search of words, the catalog's most common filter, with its statements compiled (issue 15).

``GET books/?search=<words>`` with nothing else choosing or ordering the list is most of
what readers send. Through django-filter and the ORM its three statements (the planner's
estimate, the capped count, the page's ids) cost about 3 ms of CPU to build for every
request, more than the database's work. Here each is built once per thread from the same
QuerySets the filter makes (``catalog.filters``: ``word_query`` over the stored vector,
the rank and the stable order) with the tsquery text as the one placeholder
(``core.compiled``); a test compares every answer with the filter's. An ISBN-like text, a
text the filter refuses (too long) or one with no word, any other filter or an
``ordering`` goes the general way (``catalog.selectors._chosen_ids``). PostgreSQL only.
"""

from collections.abc import Mapping

from django.contrib.postgres.search import SearchRank
from django.db import connection
from django.db.models import Count, F, QuerySet, Window

from core.compiled import CompiledQuery, Param

from . import counts
from .cache import cached_count
from .counts import selecting
from .filters import SEARCH_MAX_LENGTH, is_isbn_search, prefix_query, search_words, word_query
from .models import Book


def plain_search(filters: Mapping[str, str]) -> str | None:
    """The tsquery text of `filters` if they ask only for a search of words, else None."""
    if connection.vendor != "postgresql" or filters.get("ordering") or set(selecting(filters)) != {"search"}:
        return None
    text = (filters.get("search") or "").strip()
    # What the filter would refuse (400) or read as an ISBN goes its way.
    if not text or len(text) > SEARCH_MAX_LENGTH or "\x00" in text or is_isbn_search(text):
        return None
    words = search_words(text)
    return prefix_query(words) if words else None


def _hits(query: str) -> QuerySet[Book]:
    return Book.objects.in_catalog().filter(search_vector=word_query(query))


def _hit_ids(query: str) -> QuerySet:
    return _hits(query).order_by().values("pk")


def _ranked_ids(query: str) -> QuerySet:
    # With the number of all hits (a window over the rows before LIMIT): the ranking reads
    # every hit anyway, so a rare word is counted in the same scan.
    ranked = _hits(query).alias(search_rank=SearchRank(F("search_vector"), word_query(query)))
    ranked = ranked.annotate(hits=Window(Count("pk")))
    return ranked.order_by("-search_rank", "title", "id").values_list("pk", "hits")


def _stable_ids(query: str) -> QuerySet:
    return _hits(query).order_by("title", "id").values_list("pk", flat=True)


QUERY = Param("query", "word:*")
HIT_IDS = CompiledQuery(_hit_ids, query=QUERY)
RANKED_IDS = CompiledQuery(_ranked_ids, query=QUERY)
STABLE_IDS = CompiledQuery(_stable_ids, query=QUERY)


def _run(compiled: CompiledQuery, query: str, wrap: str, *extra) -> list[tuple]:
    sql, params = compiled.sql_with_params(query=query)
    with connection.cursor() as cursor:
        cursor.execute(wrap.format(sql), [*params, *extra])
        return cursor.fetchall()


def _page(compiled: CompiledQuery, query: str, *, offset: int, limit: int) -> list[tuple]:
    return _run(compiled, query, "{} LIMIT %s OFFSET %s", limit, offset)


def word_search_ids(
    filters: Mapping[str, str], query: str, *, offset: int, limit: int, ranked_hits: int
) -> tuple[int, list[int]]:
    """The count and the page's ids of the search `query` (plain_search's), as _chosen_ids answers them.

    The count means what ``catalog.counts.book_count`` says (and is cached as it is): the
    planner's estimate, unchecked, when it expects more than COUNT_COUNTED_BELOW_ESTIMATE
    hits; else exact when at most COUNT_EXACT_UP_TO books match, and the estimate (at least
    one more than the cap) when more do. The page is ranked when at most RANKED_HITS books
    match (`ranked_hits`, RANKED_HITS), else in the stable order by title and id
    (catalog.filters). The caps are read from catalog.counts at each call. A rare word costs
    two statements: the estimate, then the ranked page with the number of its hits.
    """
    ranked_page: list[int] | None = None

    def count() -> int:
        nonlocal ranked_page
        estimate = counts.planner_estimate(*HIT_IDS.sql_with_params(query=query))
        if estimate > counts.COUNT_COUNTED_BELOW_ESTIMATE:
            return estimate
        cap = counts.COUNT_EXACT_UP_TO
        rows = _page(RANKED_IDS, query, offset=offset, limit=limit)
        # Past the last page the window saw no row: count up to the cap instead.
        found = rows[0][1] if rows else _run(HIT_IDS, query, "SELECT count(*) FROM ({} LIMIT %s) hits", cap + 1)[0][0]
        if found > cap:
            return max(estimate, cap + 1)
        ranked_page = [pk for pk, _ in rows]
        return found

    total = cached_count(selecting(filters), count)
    if total > ranked_hits:
        return total, [pk for (pk,) in _page(STABLE_IDS, query, offset=offset, limit=limit)]
    if ranked_page is None:  # the count came from the cache, or the estimate was above the cap
        ranked_page = [pk for pk, _ in _page(RANKED_IDS, query, offset=offset, limit=limit)]
    return total, ranked_page
