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
calling its ``execute_sql()``, which calls ``as_sql()`` once, and ``results_iter()``, which
asks ``get_converters()`` and ``has_composite_fields()`` (each answered once per query and
thread here); a QuerySet never run having nothing in its ``__dict__`` that the iterable
changes (a call gets a shallow copy of it, not a clone of its Query); the compiler keeping the
attributes above from its first ``as_sql()``; and a parameter given to a filter or a
``RawSQL`` reaching ``as_sql()``'s parameters unchanged. A placeholder that the ORM
transforms (``icontains`` wraps it in ``%``) is refused when the query is compiled.

A value is bound as given, without the field's ``get_prep_value``: pass what the column
holds (an ``int`` for an id, an aware ``datetime``), as the callers here do. Datetimes
go through the backend's ``adapt_datetimefield_value``, as the ORM sends them (SQLite
takes text). On PostgreSQL an ``int`` is bound as a ``bigint`` whatever its size: psycopg
types each integer by its magnitude (``smallint`` up to 32,767, then ``integer``...), and
a statement is prepared per SQL *and* parameter types, so a page of 20 ids of both sizes
was a new statement nearly every time: never prepared, planned again on every page (0.65
ms of the server's CPU of 2.1 at 100k books, issue 15). Every compared column here is an
integer, and PostgreSQL compares ``bigint`` with each through the same indexes. A
placeholder may stand in several places of the SQL.

Not for queries whose SQL depends on the values (``__in`` with a list, ``None`` that
becomes ``IS NULL``): build one CompiledQuery per shape instead.

A QuerySet with ``select_for_update()`` is refused outside a transaction, as Django's own
compiler refuses it (the check lives in ``as_sql``, which a bound call does not run).

Writes compiled the same way are in ``core.compiled_writes``.
"""

import copy
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError
from psycopg.types.numeric import Int8

CHECKED_WITH = (5, 2)


class Param:
    """A named placeholder for a value bound per call; `example` has the value's type."""

    def __init__(self, name: str, example: Any) -> None:
        self.name = name
        _marker_like(example, 0, 0)  # refuses a type with no markers at once
        self.example = example

    def marker(self, serial: int, variant: int) -> Any:
        """The `variant`-th stand-in (0 or 1) of the `serial`-th placeholder of a query."""
        return _marker_like(self.example, serial, variant)

    def __repr__(self) -> str:
        return f"Param({self.name!r})"


def _marker_like(example: Any, serial: int, variant: int) -> Any:
    """A value of the example's type that no real call passes, so the ORM treats it as it will
    treat real values. Integers stay small (20,000 to 29,999): Django drops a comparison with a
    value outside a column's range (``SmallIntegerField``), so a huge marker would vanish.
    The query is compiled with two variants: the parameters that differ are the placeholders.
    """
    if isinstance(example, datetime):  # an aware instant no real call asks about
        return datetime(1901 + variant, 1, 1, 0, 0, serial % 60, serial, tzinfo=UTC)
    if isinstance(example, bool):
        raise TypeError("A bool placeholder cannot be told from other bools: build one query per value.")
    if isinstance(example, int):
        return 20_000 + 2 * serial + variant
    if isinstance(example, str):
        return f"\x00compiled-param-{serial}-{variant}\x00"
    raise TypeError(f"No placeholder for {type(example).__name__} values yet: add one here, with a test.")


def _adapter(marker: Any, connection) -> Callable[[Any], Any]:
    """What the backend makes of a value of this kind in a query's parameters (SQLite: datetimes as text)."""
    if isinstance(marker, datetime):
        return connection.ops.adapt_datetimefield_value
    if isinstance(marker, int) and connection.vendor == "postgresql":
        return _as_bigint
    return _as_given


def _as_bigint(value: int) -> int:
    """An int psycopg always sends as a bigint (see the module's docstring); one past a
    bigint's range as psycopg would (a numeric, which no row matches), not an overflow."""
    return Int8(value) if -(2**63) <= value < 2**63 else value


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


class _ConvertersOnce:
    """The compiler's ``get_converters``, asked once per set of columns: they are the compiled
    query's own select, so the answer never changes (26 columns cost 0.1 ms a call)."""

    def __init__(self, compiler) -> None:
        self._get_converters = compiler.get_converters
        self._known: dict[tuple[int, ...], dict] = {}

    def __call__(self, expressions):
        key = tuple(map(id, expressions))
        converters = self._known.get(key)
        if converters is None:
            converters = self._known[key] = self._get_converters(expressions)
        return converters


class _CompositeOnce:
    """The compiler's ``has_composite_fields``, asked once per set of columns (it tests every
    column of every row set: 28 ``isinstance`` calls for the user with its profiles)."""

    def __init__(self, compiler) -> None:
        self._has_composite_fields = compiler.has_composite_fields
        self._known: dict[tuple[int, ...], bool] = {}

    def __call__(self, expressions):
        key = tuple(map(id, expressions))
        known = self._known.get(key)
        if known is None:
            known = self._known[key] = self._has_composite_fields(expressions)
        return known


class CompiledQuery:
    """``build(**markers)`` -> QuerySet, compiled once per thread; ``run(**values)`` -> its rows."""

    def __init__(self, build: Callable[..., QuerySet], **params: Param) -> None:
        self.build = build
        self.params = params
        self._local = threading.local()
        self._columns: dict[str, int] | None = None

    def _compile(self, variant: int):
        markers = {name: param.marker(serial, variant) for serial, (name, param) in enumerate(self.params.items())}
        queryset = self.build(**markers)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, compiled_params = compiler.as_sql()
        return queryset, compiler, sql, compiled_params

    def _prepare(self):
        # Compiled twice, with two sets of markers: a parameter that differs is a placeholder's,
        # whatever literal values of the query happen to equal a marker.
        queryset, compiler, sql, compiled_params = self._compile(0)
        _, _, other_sql, other_params = self._compile(1)
        if other_sql != sql or len(other_params) != len(compiled_params):
            raise ValueError(f"The SQL of {sql!r} depends on the values: build one query per shape")
        changing = {index for index, (a, b) in enumerate(zip(compiled_params, other_params, strict=True)) if a != b}
        slots = []
        for serial, (name, param) in enumerate(self.params.items()):
            adapt = _adapter(param.example, compiler.connection)
            markers = (adapt(param.marker(serial, 0)), adapt(param.marker(serial, 1)))
            found = [index for index in changing if (compiled_params[index], other_params[index]) == markers]
            if not found:
                raise ValueError(
                    f"{param!r} is not among the compiled parameters of {sql!r}: "
                    "the ORM transforms it or the query does not use it"
                )
            changing.difference_update(found)
            slots.extend((index, name, adapt) for index in found)
        if changing:
            raise ValueError(f"A placeholder of {sql!r} is transformed by the ORM: bind what the column holds")
        prepared = (
            queryset,
            compiler,
            sql,
            tuple(compiled_params),
            slots,
            _ConvertersOnce(compiler),
            _CompositeOnce(compiler),
        )
        self._local.prepared = prepared
        return prepared

    def _params(self, values: dict[str, Any]):
        """This thread's prepared state and the compiled parameters with `values` bound."""
        prepared = getattr(self._local, "prepared", None)
        # A compiler runs on the connection it was made with: if this thread's connection
        # object was replaced since (a change of settings.DATABASES makes new ones), compile
        # again, or the query would run on the old connection, outside the current transaction.
        if prepared is None or prepared[1].connection is not connections[prepared[0].db]:
            prepared = self._prepare()
        queryset, compiler, _, compiled_params, slots, _, _ = prepared
        if queryset.query.select_for_update and compiler.connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        if set(values) != set(self.params):
            raise TypeError(f"Give exactly {sorted(self.params)}, not {sorted(values)}")
        params = list(compiled_params)
        for index, name, adapt in slots:
            params[index] = adapt(values[name])
        return prepared, tuple(params)

    def _bound(self, values: dict[str, Any]):
        prepared, params = self._params(values)
        queryset, compiler, sql, _, _, converters, composite = prepared
        bound_compiler = copy.copy(compiler)
        bound_compiler.as_sql = lambda *args, **kwargs: (sql, params)
        bound_compiler.get_converters = converters
        bound_compiler.has_composite_fields = composite
        # A shallow copy of the never-run QuerySet, not its _chain(): that clones the whole
        # Query (a deepcopy of its where tree), which the bound call never reads. Only
        # _query differs; the iterable reads the rest (model, db, hints) and changes none.
        bound = object.__new__(type(queryset))
        bound.__dict__.update(queryset.__dict__)
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

    def sql_with_params(self, **values: Any) -> tuple[str, tuple]:
        """The compiled SQL and its parameters with `values` bound, to run inside other SQL."""
        prepared, params = self._params(values)
        return prepared[2], params

    def raw_rows(self, **values: Any) -> list[tuple]:
        """Every row as the database cursor gives it, no converter or instance applied: the
        values stand where ``columns()`` says (see ``catalog.book_rows``)."""
        prepared, params = self._params(values)
        with prepared[1].connection.cursor() as cursor:
            cursor.execute(prepared[2], params)
            return cursor.fetchall()

    def columns(self) -> dict[str, int]:
        """Where each value stands in a row of the compiled SQL: the model's fields by attname,
        each ``select_related`` model's as ``relation.attname``, and the annotations by name.
        The same for every thread (the same SQL): found once."""
        if self._columns is not None:
            return self._columns
        prepared = getattr(self._local, "prepared", None) or self._prepare()
        compiler = prepared[1]
        if compiler.klass_info is None:
            raise TypeError("columns() is for a QuerySet of model instances")
        found: dict[str, int] = {}

        def walk(klass_info: dict, prefix: str) -> None:
            for index in klass_info["select_fields"]:
                found[prefix + compiler.select[index][0].target.attname] = index
            for related in klass_info.get("related_klass_infos", []):
                field = related["field"]  # a reverse one-to-one's is the related model's own field
                name = field.related_query_name() if related.get("reverse") else field.name
                walk(related, f"{prefix}{name}.")

        walk(compiler.klass_info, "")
        found.update(compiler.annotation_col_map)
        self._columns = found
        return found

    def sql(self) -> str:
        """The compiled SQL of this thread (for tests and EXPLAIN)."""
        prepared = getattr(self._local, "prepared", None) or self._prepare()
        return prepared[2]
