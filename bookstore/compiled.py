"""Hot queries compiled once per process and thread, their parameters bound per call (issue 16).

An ORM statement costs 0.4–0.9 ms of Python here, most of it Django's SQL compiler
building the same SQL again on every request. A :class:`CompiledQuery` takes the
QuerySet that defines a rule (the one definition of its condition) built with
:class:`Param` placeholders, compiles it on first use, and from then on only binds
the call's values into the compiled parameters and runs Django's own iterable over the
rows, so a call returns exactly what the QuerySet would: model instances (with
``select_related`` objects and annotations) or ``values_list`` tuples.

How: the compiler that compiled the query keeps what turning rows into objects needs
(``select``, ``klass_info``, ``annotation_col_map``, ``col_count``, converters). Each
call gets a shallow copy of it whose ``as_sql`` answers the stored SQL with the bound
parameters, and the QuerySet's iterable class is run over a stand-in query whose
``get_compiler`` returns that copy. Compiled state is kept per thread, since a compiler
is tied to its thread's database connection.

What it relies on in Django (checked with ``CHECKED_WITH``; a test fails on any other
minor version so that these are read again): ``ModelIterable`` and
``ValuesListIterable`` asking ``queryset.query.get_compiler()`` for the compiler (the
stand-in is set as ``QuerySet._query``: the ``query`` setter would reset the iterable) and
calling its ``execute_sql()``, which calls ``as_sql()`` once; the compiler keeping the
attributes above from its first ``as_sql()``; and a parameter given to a filter or a
``RawSQL`` reaching ``as_sql()``'s parameters unchanged. A placeholder that the ORM
transforms (``icontains`` wraps it in ``%``) is refused when the query is compiled.

A value is bound as given, without the field's ``get_prep_value``: pass what the column
holds (an ``int`` for an id, an aware ``datetime``), as the callers here do. Datetimes
go through the backend's ``adapt_datetimefield_value``, as the ORM sends them (SQLite
takes text). A placeholder may stand in several places of the SQL.

Not for queries whose SQL depends on the values (``__in`` with a list, ``None`` that
becomes ``IS NULL``): build one CompiledQuery per shape instead.
"""

import copy
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.db.models import QuerySet

CHECKED_WITH = (5, 2)


class Param:
    """A named placeholder for a value bound per call; `example` has the value's type."""

    _counter = 0

    def __init__(self, name: str, example: Any) -> None:
        Param._counter += 1
        self.name = name
        # A value no real call passes, of the example's type, so the ORM treats it as it will
        # treat real values, and it can be found again among the compiled parameters.
        self.marker = _marker_like(example, Param._counter)

    def __repr__(self) -> str:
        return f"Param({self.name!r})"


def _marker_like(example: Any, serial: int) -> Any:
    if isinstance(example, datetime):  # an aware instant no real call asks about
        return datetime(1901, 1, 1, 0, 0, serial % 60, serial, tzinfo=UTC)
    if isinstance(example, bool):
        raise TypeError("A bool placeholder cannot be told from other bools: build one query per value.")
    if isinstance(example, int):
        return -(10**15) - serial
    if isinstance(example, str):
        return f"\x00compiled-param-{serial}\x00"
    raise TypeError(f"No placeholder for {type(example).__name__} values yet: add one here, with a test.")


def _adapter(marker: Any, connection) -> Callable[[Any], Any]:
    """What the backend makes of a value of this kind in a query's parameters (SQLite: datetimes as text)."""
    if isinstance(marker, datetime):
        return connection.ops.adapt_datetimefield_value
    return _as_given


def _as_given(value: Any) -> Any:
    return value


class _BoundQuery:
    """The QuerySet's query, but its compiler is the prepared one with this call's parameters."""

    def __init__(self, query, compiler) -> None:
        self._query = query
        self._compiler = compiler

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        return self._compiler

    def __getattr__(self, name: str) -> Any:
        return getattr(self._query, name)


class CompiledQuery:
    """``build(**markers)`` -> QuerySet, compiled once per thread; ``run(**values)`` -> its rows."""

    def __init__(self, build: Callable[..., QuerySet], **params: Param) -> None:
        self.build = build
        self.params = params
        self._local = threading.local()

    def _prepare(self):
        queryset = self.build(**{name: param.marker for name, param in self.params.items()})
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, compiled_params = compiler.as_sql()
        slots = []
        for name, param in self.params.items():
            adapt = _adapter(param.marker, compiler.connection)
            marker = adapt(param.marker)
            found = [index for index, value in enumerate(compiled_params) if value == marker]
            if not found:
                raise ValueError(
                    f"{param!r} is not among the compiled parameters of {sql!r}: "
                    "the ORM transforms it or the query does not use it"
                )
            slots.extend((index, name, adapt) for index in found)
        prepared = (queryset, compiler, sql, tuple(compiled_params), slots)
        self._local.prepared = prepared
        return prepared

    def _bound(self, values: dict[str, Any]):
        prepared = getattr(self._local, "prepared", None)
        if prepared is None:
            prepared = self._prepare()
        queryset, compiler, sql, compiled_params, slots = prepared
        if set(values) != set(self.params):
            raise TypeError(f"Give exactly {sorted(self.params)}, not {sorted(values)}")
        params = list(compiled_params)
        for index, name, adapt in slots:
            params[index] = adapt(values[name])
        bound_compiler = copy.copy(compiler)
        bound_compiler.as_sql = lambda *args, **kwargs: (sql, tuple(params))
        bound = queryset._chain()
        bound._query = _BoundQuery(queryset.query, bound_compiler)  # not .query: its setter resets the iterable
        return bound

    def run(self, **values: Any) -> list:
        """Every row, as the QuerySet's own iterable makes them."""
        bound = self._bound(values)
        return list(bound._iterable_class(bound))

    def first(self, **values: Any):
        """The first row, or None; the QuerySet should be sliced ``[:1]`` itself."""
        rows = self.run(**values)
        return rows[0] if rows else None

    def sql(self) -> str:
        """The compiled SQL of this thread (for tests and EXPLAIN)."""
        prepared = getattr(self._local, "prepared", None) or self._prepare()
        return prepared[2]
