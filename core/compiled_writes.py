"""Hot writes compiled once per process and thread, their values prepared per call (issue 16).

:class:`CompiledInsert` and :class:`CompiledUpdate` send the one-row INSERT and
the UPDATE by primary key that ``Model.save()`` sends for the same fields, compiled once
per thread: each call prepares the fields' values as Django does
(``field.pre_save()`` and ``field.get_db_prep_save()``) and runs the stored SQL through
the connection's cursor (so query logging and ``CaptureQueriesContext`` see it). They
send no ``pre_save``/``post_save`` signals: use them only for models nothing listens to
(a test checks the ones used here). :class:`CompiledIncrement` adds to one number of a
row in the database (``filter(pk=pk).update(field=F(field) + by)``), so that no write
of a value read earlier can be lost.
"""

import threading
from datetime import UTC, datetime
from typing import Any

from django.db import connections, models
from django.db.models import F, Value
from django.db.models.sql import InsertQuery, UpdateQuery


class _CompiledWrite:
    """A write of `fields` of one `model` row, its SQL compiled once per thread."""

    def __init__(self, model: type[models.Model], fields: list[str], using: str = "default") -> None:
        self.model = model
        self.fields = [model._meta.get_field(name) for name in fields]
        self.using = using
        self._local = threading.local()

    def _sql(self, connection):
        compiled = getattr(self._local, "compiled", None)
        if compiled is None or compiled[0] is not connection:  # see CompiledQuery._bound
            compiled = self._local.compiled = (connection, self._compile(connection))
        return compiled[1]

    def _values(self, obj: models.Model, connection, add: bool) -> list:
        return [field.get_db_prep_save(field.pre_save(obj, add), connection=connection) for field in self.fields]


class CompiledInsert(_CompiledWrite):
    """``obj.save()`` of a new row that sets `fields`: one INSERT, the primary key returned."""

    def _compile(self, connection) -> tuple[str, tuple]:
        query = InsertQuery(self.model)
        query.insert_values(self.fields, [self.model()], raw=False)
        compiler = query.get_compiler(connection=connection)
        compiler.returning_fields = [self.model._meta.pk]
        [(sql, params)] = compiler.as_sql()
        if len(params) != len(self.fields):
            raise ValueError(f"{sql!r} does not take one value per field of {self.fields}")
        if not connection.features.can_return_columns_from_insert:  # pragma: no cover - both backends can
            raise NotImplementedError("CompiledInsert needs INSERT ... RETURNING")
        return sql, compiler.returning_params

    def run(self, obj: models.Model) -> None:
        """Insert `obj` and set its primary key, as ``save()`` does."""
        connection = connections[self.using]
        sql, returning_params = self._sql(connection)
        values = self._values(obj, connection, add=True)
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            (pk,) = connection.ops.fetch_returned_insert_columns(cursor, returning_params)
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = self.using


def _sample(field: models.Field) -> Any:
    """A value that `field` sends as one parameter, for compiling a statement that writes it."""
    if isinstance(field, models.DateTimeField):
        return datetime(2000, 1, 1, tzinfo=UTC)
    if isinstance(field, models.BooleanField):
        return True
    if isinstance(field, (models.IntegerField, models.ForeignKey)):
        return 1
    if isinstance(field, (models.CharField, models.TextField)):
        return "x"
    raise TypeError(f"No sample value for {type(field).__name__} yet: add one here, with a test.")


class CompiledUpdate(_CompiledWrite):
    """``obj.save(update_fields=fields)`` of an existing row: one UPDATE by primary key."""

    def _compile(self, connection) -> str:
        query = UpdateQuery(self.model)
        # A value of each field's type: None would be written as a literal NULL, not a parameter.
        query.add_update_fields([(field, None, _sample(field)) for field in self.fields])
        query.add_filter("pk", 0)
        sql, params = query.get_compiler(connection=connection).as_sql()
        if len(params) != len(self.fields) + 1:
            raise ValueError(f"{sql!r} does not take one value per field of {self.fields} and the key")
        return sql

    def run(self, obj: models.Model) -> int:
        """Write `obj`'s `fields` to its row; returns the rows changed (0 if it is gone)."""
        connection = connections[self.using]
        sql = self._sql(connection)
        values = [*self._values(obj, connection, add=False), obj.pk]
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            return cursor.rowcount


class CompiledIncrement(_CompiledWrite):
    """``Model.objects.filter(pk=pk).update(field=F(field) + by)``: one UPDATE by primary key."""

    def __init__(self, model: type[models.Model], field: str, using: str = "default") -> None:
        super().__init__(model, [field], using)

    def _compile(self, connection) -> str:
        query = UpdateQuery(self.model)
        [field] = self.fields
        query.add_update_fields([(field, None, F(field.name) + Value(0))])
        query.add_filter("pk", 0)
        sql, params = query.get_compiler(connection=connection).as_sql()
        if len(params) != 2:
            raise ValueError(f"{sql!r} does not take the amount to add and the key")
        return sql

    def run(self, pk: Any, by: int) -> int:
        """Add `by` to the field of row `pk`; returns the rows changed (0 if it is gone)."""
        connection = connections[self.using]
        sql = self._sql(connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, [by, pk])
            return cursor.rowcount
